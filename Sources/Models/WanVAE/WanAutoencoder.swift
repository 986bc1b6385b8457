import NN
import Tensor

/// The Wan 2.1 causal video VAE, diffusers' `AutoencoderKLWan` (docs/wan-reference.md §2): 8× spatial and 4×
/// temporal compression of `[B, 3, 1 + 4k, H, W]` pixel video in [−1, 1] to `[B, 16, 1 + k, H/8, W/8]`
/// latents and back.
///
/// Both directions run in time chunks with a feature cache exactly as diffusers does (encode: frame 0
/// alone, then 4 frames per chunk; decode: one latent frame per chunk), so only one chunk's
/// activations and a few cached frames per layer are alive at once, however many frames there are.
///
/// ```swift
/// let vae = try WanAutoencoder(config: try .init(parsing: configText), weights: try openWeights(path: file))
/// let frames = try vae.decode(try vae.denormalize(latents, on: backend), on: backend)  // [1, 3, F, H, W]
/// ```
public struct WanAutoencoder: Sendable {
    /// Which halves of the model to load; a text-to-video pipeline only needs the decoder.
    public struct Parts: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// The encoder and `quant_conv`.
        public static let encoder = Parts(rawValue: 1)
        /// `post_quant_conv` and the decoder.
        public static let decoder = Parts(rawValue: 2)
        /// Both.
        public static let all: Parts = [.encoder, .decoder]
    }

    /// The encoder's output for a video: a diagonal Gaussian per latent element.
    public struct Posterior: Sendable {
        /// `[B, z, T, h, w]`, the latents image-to-video uses (diffusers' `mode()`, `sample_mode="argmax"`).
        public let mean: Tensor
        /// `[B, z, T, h, w]`, clamped to [−30, 20] as diffusers' `DiagonalGaussianDistribution` does.
        public let logvar: Tensor
    }

    /// One time chunk of a decode: pixel frames `firstFrame ..< firstFrame + frames.shape[2]`.
    public struct DecodedChunk: Sendable {
        /// The chunk's index, from 0 (one per latent frame).
        public let index: Int
        /// How many chunks the decode has.
        public let count: Int
        /// The index of the chunk's first pixel frame in the whole video.
        public let firstFrame: Int
        /// `[B, Cout, t, H, W]`, clamped to [−1, 1] (t = 1 for the first chunk, 4 after for Wan 2.1).
        public let frames: Tensor
    }

    /// The config the model was built from.
    public let config: Config
    /// The layout the weights were read in.
    public let layout: WeightLayout
    /// The dtype the weights are held in (activations keep the input's dtype).
    public let weightType: DType
    let encoder: Encoder?
    let quantConv: Conv3d?
    let postQuantConv: Conv3d?
    let decoder: Decoder?

    /// Builds the model from `weights` in either layout (detected from the names), holding the
    /// weights as `weightType`: `.float32` as the reference runs the VAE, or `.bfloat16` to halve
    /// their memory and convolve in bf16 with f32 accumulation, about twice as fast on the CPU
    /// (activations stay in the input's dtype; docs/performance.md gives the error).
    /// Throws ``WanVAEError`` for an unsupported config or unrecognised weights, and
    /// `WeightLoadError` naming the tensors that are missing, misshapen or left unused.
    public init(config: Config, weights: any WeightSource, weightType: DType = .float32, parts: Parts = .all,
                uploadingTo backend: (any Backend)? = nil) throws {
        try config.validate()
        guard let (layout, prefix) = WanAutoencoder.detectLayout(of: weights) else {
            throw WanVAEError.unknownLayout(
                source: weights.description,
                detail: "no tensor named encoder.conv_in.weight (diffusers) or encoder.conv1.weight (original Wan), so these are not Wan VAE weights")
        }
        let blocks = config.numResBlocks, original = layout == .original
        let rename: @Sendable (String) -> String = { key in
            prefix + (original ? WanAutoencoder.originalName(key, numResBlocks: blocks) : key)
        }
        let root = WeightScope(weights, rename: rename, uploadingTo: backend)
        self.config = config
        self.layout = layout
        self.weightType = weightType
        if parts.contains(.encoder) {
            encoder = try Encoder(scope: root["encoder"], config: config, dtype: weightType)
            quantConv = try Conv3d(scope: root["quant_conv"], inChannels: 2 * config.zDim, outChannels: 2 * config.zDim,
                                   kernel: [1, 1, 1], causal: true, dtype: weightType)
        } else {
            encoder = nil; quantConv = nil
        }
        if parts.contains(.decoder) {
            postQuantConv = try Conv3d(scope: root["post_quant_conv"], inChannels: config.zDim, outChannels: config.zDim,
                                       kernel: [1, 1, 1], causal: true, dtype: weightType)
            decoder = try Decoder(scope: root["decoder"], config: config, dtype: weightType)
        } else {
            postQuantConv = nil; decoder = nil
        }
        // Names outside the prefix belong to other models of a bundled checkpoint; the parts not
        // loaded were skipped on purpose.
        var skipped: [String] = []
        if !parts.contains(.encoder) { skipped += [rename("encoder."), rename("quant_conv.")] }
        if !parts.contains(.decoder) { skipped += [rename("decoder."), rename("post_quant_conv.")] }
        try root.usage.verifyAllUsed(weights) { name in
            !name.hasPrefix(prefix) || skipped.contains { name.hasPrefix($0) }
        }
    }

    /// Builds the model from a diffusers folder's `vae` component (its `config.json` and weights).
    public init(component: ModelComponent, weightType: DType = .float32, parts: Parts = .all,
                uploadingTo backend: (any Backend)? = nil) throws {
        guard let json = component.config else {
            throw WanVAEError.invalidConfig(file: nil, field: "", detail: "is missing: component \"\(component.name)\" has no config.json")
        }
        guard let weights = try component.openWeights() else {
            throw WanVAEError.unknownLayout(source: component.path ?? component.name, detail: "holds no weights")
        }
        try self.init(config: try Config(json: json, file: component.configPath), weights: weights, weightType: weightType, parts: parts,
                      uploadingTo: backend)
    }
}
