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
        let weights = try transformerWeights()
        let merged = try mergingLoRAs(into: weights, backend: backend)
        return try WanTransformer(config: try transformerConfig(weights: weights), weights: reading(merged), dtype: dtype,
                                  uploadingTo: backend)
    }

    /// The transformer's weights: the override file's, or the folder's.
    func transformerWeights() throws -> any WeightSource {
        if let path = transformerOverride {
            let weights = try openWeights(path: path)
            try (weights as? GGUFFile)?.requireArchitecture(["wan"], for: "a Wan transformer")
            return weights
        }
        let component = try self.component("transformer")
        guard let opened = try component.openWeights() else {
            throw WanTransformerError.unknownLayout("the \"\(component.name)\" component at \(component.path ?? "?") has no weights")
        }
        return opened
    }

    /// The transformer's configuration: the folder's `transformer/config.json`, unless an override
    /// file is of another kind than it describes (an I2V or VACE file beside a text-to-video folder,
    /// say: in channels, image tokens, VACE layers or width differ), or there is none; then the one
    /// the weights' shapes give.
    func transformerConfig(weights: (any WeightSource)? = nil) throws -> WanTransformer.Config {
        let component = folder.component(named: "transformer")
        let declared = try component?.config.map { try WanTransformer.Config(json: $0, file: component?.configPath) }
        if let declared, transformerOverride == nil { return declared }
        let weights = try weights ?? transformerWeights()
        guard let declared else { return try WanTransformer.Config(detectingFrom: weights) }
        guard let detected = try? WanTransformer.Config(detectingFrom: weights) else { return declared }
        let sameKind = detected.inChannels == declared.inChannels && detected.imageDim == declared.imageDim
            && detected.posEmbedSeqLen == declared.posEmbedSeqLen && detected.vaceLayers == declared.vaceLayers
            && detected.innerDim == declared.innerDim && detected.numLayers == declared.numLayers
        return sameKind ? declared : detected
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
        case "image_encoder": imageEncoderOverride
        default: String?.none
        }
        if let override { return try? openWeights(path: override) }
        return (try? folder.component(named: name)?.openWeights()) ?? nil
    }
}
