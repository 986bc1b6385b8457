import Tensor
import UMT5
import WanDiT
import WanVAE

/// The one loading path of each component: the weights are opened here (the folder's or the
/// override file) and handed to the model through `reading`, which can wrap them (in
/// ``CountingWeights``, to measure what the model holds).
extension WanModelFiles {
    typealias WeightReading = (any WeightSource) -> any WeightSource

    func loadTextEncoder(precision: UMT5Encoder.Precision, uploadingTo backend: (any Backend)?,
                         reading: WeightReading) throws -> UMT5Encoder {
        guard let path = textEncoderOverride else {
            let component = try component("text_encoder")
            let place = component.path ?? component.name
            guard let json = component.config else { throw UMT5Error.incompleteComponent(path: place, detail: "has no config.json") }
            guard let weights = try component.openWeights() else {
                throw UMT5Error.incompleteComponent(path: place, detail: "holds no .safetensors weights")
            }
            return try UMT5Encoder(config: try UMT5Encoder.Config(json: json, file: component.configPath), weights: reading(weights), dtype: precision,
                                   uploadingTo: backend)
        }
        let weights = try openWeights(path: path)
        try (weights as? GGUFFile)?.requireArchitecture(UMT5Encoder.ggufArchitectures, for: "a UMT5 text encoder")
        let encoderComponent = folder.component(named: "text_encoder")
        let config = try encoderComponent?.config.map { try UMT5Encoder.Config(json: $0, file: encoderComponent?.configPath) }
            ?? UMT5Encoder.Config(detectingFrom: weights)
        return try UMT5Encoder(config: config, weights: reading(weights), dtype: precision, uploadingTo: backend)
    }

    func loadTransformer(dtype: DType, uploadingTo backend: (any Backend)?, reading: WeightReading) throws -> WanTransformer {
        let component = folder.component(named: "transformer")
        let weights: any WeightSource
        if let path = transformerOverride {
            weights = try openWeights(path: path)
            try (weights as? GGUFFile)?.requireArchitecture(["wan"], for: "a Wan transformer")
        } else {
            let component = try self.component("transformer")
            guard let opened = try component.openWeights() else {
                throw WanTransformerError.unknownLayout(
                    "the \"\(component.name)\" component at \(component.path ?? "?") has no weights")
            }
            weights = opened
        }
        let merged = try mergingLoRAs(into: weights, backend: backend)
        if let component, let json = component.config {
            return try WanTransformer(config: try WanTransformer.Config(json: json, file: component.configPath),
                                      weights: reading(merged), dtype: dtype, uploadingTo: backend)
        }
        return try WanTransformer(weights: reading(merged), dtype: dtype, uploadingTo: backend)
    }

    func loadVAE(weightType: DType, parts: WanAutoencoder.Parts, uploadingTo backend: (any Backend)?,
                 reading: WeightReading) throws -> WanAutoencoder {
        guard let path = vaeOverride else {
            let component = try component("vae")
            guard let json = component.config else {
                throw WanVAEError.invalidConfig(file: nil, field: "", detail: "is missing: component \"\(component.name)\" has no config.json")
            }
            guard let weights = try component.openWeights() else {
                throw WanVAEError.unknownLayout(source: component.path ?? component.name, detail: "holds no weights")
            }
            return try WanAutoencoder(config: try WanAutoencoder.Config(json: json, file: component.configPath), weights: reading(weights),
                                      weightType: weightType, parts: parts, uploadingTo: backend)
        }
        let vaeComponent = folder.component(named: "vae")
        let config = try vaeComponent?.config.map { try WanAutoencoder.Config(json: $0, file: vaeComponent?.configPath) }
            ?? WanAutoencoder.Config()
        return try WanAutoencoder(config: config, weights: reading(try openWeights(path: path)), weightType: weightType,
                                  parts: parts, uploadingTo: backend)
    }

    /// The weights `name` (`"transformer"`, `"text_encoder"`, `"vae"`) loads from, or nil when they
    /// cannot be opened (the load then says why). Opening maps the files and reads their headers only.
    func weights(of name: String) -> (any WeightSource)? {
        let override = switch name {
        case "transformer": transformerOverride
        case "text_encoder": textEncoderOverride
        case "vae": vaeOverride
        default: String?.none
        }
        if let override { return try? openWeights(path: override) }
        return (try? folder.component(named: name)?.openWeights()) ?? nil
    }
}
