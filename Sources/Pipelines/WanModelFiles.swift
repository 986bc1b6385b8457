import Sampling
import Tensor
import Tokenization
import UMT5
import WanDiT
import WanVAE

/// The precision each Wan component runs at. The default is the reference pipeline's policy
/// (docs/wan.md): transformer and text encoder in bf16 (with diffusers' fp32-kept parameters),
/// VAE in fp32.
public struct WanPrecision: Sendable, Equatable {
    /// The transformer's weights and activations (`.bfloat16` keeps diffusers' fp32 modules).
    public var transformer: DType
    /// The UMT5 text encoder's.
    public var textEncoder: UMT5Encoder.Precision
    /// The VAE's weights.
    public var vae: DType
    /// The CLIP image encoder's (I2V, FLF2V): float32, as diffusers' examples load it.
    public var imageEncoder: DType

    public init(transformer: DType = .bfloat16, textEncoder: UMT5Encoder.Precision = .bf16, vae: DType = .float32,
                imageEncoder: DType = .float32) {
        self.transformer = transformer
        self.textEncoder = textEncoder
        self.vae = vae
        self.imageEncoder = imageEncoder
    }

    /// The reference pipeline's policy.
    public static let reference = WanPrecision()
    /// Everything in fp32, as the parity fixtures are computed.
    public static let float32 = WanPrecision(transformer: .float32, textEncoder: .f32, vae: .float32)
}

/// Where the parts of a Wan model come from: a diffusers folder (`model_index.json`, `transformer/`,
/// `vae/`, `text_encoder/`, `tokenizer/`, `scheduler/`, as `WanPipeline.save_pretrained` writes it),
/// and optionally single weight files that replace one component (an original-layout Wan or
/// ComfyUI transformer file, say). Each component loads on its own, when it is needed, so a
/// pipeline can drop the text encoder once the prompt is encoded.
public struct WanModelFiles: Sendable {
    /// The diffusers folder.
    public let folder: ModelFolder
    /// A weight file (or sharded set) used instead of the folder's transformer weights.
    public var transformerOverride: String?
    /// A weight file used instead of the folder's VAE weights.
    public var vaeOverride: String?
    /// A weight file used instead of the folder's text-encoder weights.
    public var textEncoderOverride: String?
    /// A TAEHV tiny decoder's weights, decoding in place of the VAE's decoder when given.
    public var tinyDecoderFile: String?
    /// A CLIP image encoder's weights used instead of the folder's `image_encoder/` (I2V, FLF2V).
    public var imageEncoderOverride: String?
    /// LoRA and delta files merged into the transformer as it loads, in order.
    public var loras: [LoRA] = []
    /// Whether LoRA keys that match nothing in the transformer are skipped instead of an error.
    public var ignoresUnmatchedLoRAKeys = false

    /// Reads the folder's `model_index.json` and component configs (no weights yet). Throws
    /// `WeightFileError` for a folder that is not a diffusers model folder.
    public init(folder path: String, transformer: String? = nil, vae: String? = nil, textEncoder: String? = nil,
                decoder: String? = nil) throws {
        folder = try ModelFolder(path: path)
        transformerOverride = transformer
        vaeOverride = vae
        textEncoderOverride = textEncoder
        tinyDecoderFile = decoder
    }

    /// The folder's component `name`, or a ``WanModelError`` saying it is missing.
    public func component(_ name: String) throws -> ModelComponent {
        guard let component = folder.component(named: name), component.path != nil else {
            throw WanModelError.missingComponent(folder: folder.path, name: name)
        }
        return component
    }

    /// The tokenizer from `tokenizer/tokenizer.json`.
    public func loadTokenizer() throws -> UnigramTokenizer {
        try UnigramTokenizer(contentsOf: try tokenizerPath())
    }

    /// The path of `tokenizer/tokenizer.json`, or a ``WanModelError`` saying it is missing.
    func tokenizerPath() throws -> String {
        let component = try component("tokenizer")
        guard let path = component.path, component.files.contains("tokenizer.json") else {
            throw WanModelError.missingFile(folder: component.path ?? folder.path, file: "tokenizer.json")
        }
        return path + "/tokenizer.json"
    }

    /// The UMT5 text encoder, from the folder or the override file (configured by the folder's
    /// `text_encoder/config.json` when there is one, else from the weight shapes).
    public func loadTextEncoder(precision: UMT5Encoder.Precision, uploadingTo backend: (any Backend)? = nil) throws -> UMT5Encoder {
        try loadTextEncoder(precision: precision, uploadingTo: backend, reading: { $0 })
    }

    /// The transformer, from the folder or the override file (either layout; configured by the
    /// folder's `transformer/config.json` when there is one, else detected from the weight shapes).
    public func loadTransformer(dtype: DType, uploadingTo backend: (any Backend)? = nil) throws -> WanTransformer {
        try loadTransformer(dtype: dtype, uploadingTo: backend, reading: { $0 })
    }

    /// The VAE (`parts` to load only the decoder, say), from the folder or the override file.
    public func loadVAE(weightType: DType, parts: WanAutoencoder.Parts = .all,
                        uploadingTo backend: (any Backend)? = nil) throws -> WanAutoencoder {
        try loadVAE(weightType: weightType, parts: parts, uploadingTo: backend, reading: { $0 })
    }

    /// The folder's `scheduler/scheduler_config.json`, or the Wan 2.1 defaults when it has none.
    public func schedulerConfig() throws -> SchedulerConfig {
        guard let component = folder.component(named: "scheduler"), component.config != nil else { return .wan21 }
        return try SchedulerConfig(component: component)
    }
}

/// A Wan model folder that lacks what a pipeline needs.
public enum WanModelError: Error, CustomStringConvertible, Equatable, Sendable {
    case missingComponent(folder: String, name: String)
    case missingFile(folder: String, file: String)
    case missingImageEncoder(folder: String)

    public var description: String {
        switch self {
        case .missingComponent(let folder, let name):
            return "\(folder): the model folder has no \"\(name)\" component (model_index.json and a \(name)/ folder)"
        case .missingFile(let folder, let file):
            return "\(folder): \(file) is missing"
        case .missingImageEncoder(let folder):
            return "\(folder): this image-to-video model needs its CLIP image encoder: an image_encoder/ folder, or --image-encoder FILE"
        }
    }
}
