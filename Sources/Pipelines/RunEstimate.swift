import Tensor
import UMT5
import WanDiT
import WanVAE

/// What a run will cost, worked out from the model's configs and the latent shape before anything is
/// loaded: the peak memory of each stage (the CLI loads one model at a time, so the run's peak is the
/// largest stage) and the arithmetic it does, for the CLI to refuse a run that cannot fit and to say
/// how long one that fits will take.
///
/// The figures come from the measurements in docs/performance.md ("Memory at real sizes"):
/// - weights: their parameter count (from the config) at the precision they are loaded in;
/// - a transformer call: the weights plus `L·(16·D + 2·F)·4` bytes of activations for `L` tokens of
///   width `D` and feed-forward width `F` (attention is O(L·D): no score matrix is ever held), plus a
///   fixed 64 MiB; for Wan 1.3B at 256x256x17 that gives 2.9 GiB against 2,960 MiB measured;
/// - a VAE decode: its weights plus eleven f32 tensors of `decoder_base_dim` channels, 6 frames (a
///   chunk and its causal cache) and the full output size (the last stage's working set, the host
///   allocator's cache included): 9,959 MiB at 480x832 against 9,501 MiB measured.
public struct RunEstimate: Sendable, Equatable {
    /// One stage of a run and the memory it holds at its peak.
    public struct Stage: Sendable, Equatable {
        public var name: String
        /// Weights and working memory together.
        public var bytes: Int
        /// The working memory alone (activations, buffers), which is freed when the stage ends.
        public var workingBytes: Int
    }

    /// The text encoder, the denoising (transformer) and the decoding (VAE) stages.
    public var stages: [Stage]
    /// Transformer calls: steps, twice when guidance runs the unconditional pass.
    public var transformerCalls: Int
    /// Floating-point operations of every transformer call together.
    public var transformerFLOPs: Double
    /// Floating-point operations of the VAE decode.
    public var decodeFLOPs: Double

    /// The most freed memory the host allocator may still hold when the largest stage runs.
    public var allocatorCacheBytes: Int

    /// The run's peak memory: the largest stage, plus what the host allocator keeps of the stages
    /// before it (freed blocks it holds for reuse, up to its capacity). Measured on the bundled model
    /// in one process: 538 MiB at 256x256 and 1,978 MiB at 512x512 against 628 and 2,190 estimated.
    public var peakBytes: Int { (stages.map(\.bytes).max() ?? 0) + allocatorCacheBytes }
    /// The stage with the largest peak (its share of ``peakBytes``).
    public var peakStage: String { stages.max { $0.bytes < $1.bytes }?.name ?? "" }

    /// Memory the process holds whatever it runs (the Swift runtime, code, buffers).
    static let baseBytes = 96 << 20

    /// The estimate for a Wan-family run of `latentShape` (`[1, C, T, h, w]`, one window), `calls`
    /// transformer calls, decoding to `width`x`height` with the VAE or, when `tinyDecoder` is set, the
    /// published TAEHV decoder.
    public static func wan(transformer: WanTransformer.Config, textEncoder: UMT5Encoder.Config?, vae: WanAutoencoder.Config,
                           precision: WanPrecision, latentShape: [Int], calls: Int, width: Int, height: Int,
                           textLength: Int = 512, cacheCapacity: Int = HostMemory.cacheCapacityBytes,
                           tinyDecoder: Bool = false) -> RunEstimate {
        let patch = transformer.patchSize.count == 3 ? transformer.patchSize : [1, 1, 1]
        let tokens = Double(latentShape[2] / max(patch[0], 1)) * Double(latentShape[3] / max(patch[1], 1))
            * Double(latentShape[4] / max(patch[2], 1))
        let d = Double(transformer.innerDim), f = Double(transformer.ffnDim), layers = Double(transformer.numLayers)
        let context = Double(textLength)

        // Transformer: per block self- and cross-attention projections (8·D²) and the feed-forward (2·D·F),
        // then the text, time and patch embeddings and the head.
        let blockParameters = 8 * d * d + 2 * d * f
        // A VACE model runs its control blocks (each a block and a D×D projection) over the same tokens
        // and keeps every block's hint until the main block it joins.
        let vaceLayers = Double(transformer.vaceLayers?.count ?? 0)
        let allLayers = layers + vaceLayers
        let transformerParameters = allLayers * blockParameters + vaceLayers * d * d + Double(transformer.textDim) * d + d * d
            + Double(transformer.freqDim) * d + 7 * d * d + 2 * Double(transformer.patchFeaturesOut) * d
        let transformerWeights = transformerParameters * Double(precision.transformer.byteSize)
        let hints = vaceLayers * tokens * d * Double(precision.transformer.byteSize)
        let activations = tokens * (16 * d + 2 * f) * 4 + context * d * 4 * 2 + Double(64 << 20) + hints
        let perCall = 2 * tokens * (allLayers * blockParameters + vaceLayers * d * d) + allLayers * 4 * tokens * (tokens + context) * d

        // Text encoder: the embedding and per layer attention (4·d·inner) and the gated feed-forward (3·d·d_ff).
        var textWeights = 0.0, textActivations = 0.0
        if let t = textEncoder {
            let textParameters = Double(t.vocabSize) * Double(t.dModel)
                + Double(t.numLayers) * (4 * Double(t.dModel) * Double(t.innerDim) + 3 * Double(t.dModel) * Double(t.dFF))
            textWeights = textParameters * (precision.textEncoder == .f32 ? 4 : 2)
            textActivations = context * Double(max(t.dModel, t.dFF)) * 4 * 8
        }

        // VAE decoder: 3x3x3 convolutions over the widths `base · mult` at each level, 3 per residual
        // block pair and level; the working set of the full-resolution stage, as measured.
        let base = Double(vae.decoderBaseDim ?? vae.baseDim)
        let widthSquares = vae.dimMult.reduce(0.0) { $0 + Double($1 * $1) }
        let vaeParameters = 27 * base * base * widthSquares * Double(vae.numResBlocks + 1) * 2
        let vaeWeights = vaeParameters * Double(precision.vae.byteSize)
        let pixels = Double(width) * Double(height)
        let decodeWorkingSet = 11 * base * 6 * pixels * 4
        let pixelFrames = Double((latentShape[2] - 1) * 4 + 1)
        // Per output pixel: the full-resolution level's convolutions dominate (27·base² multiply-adds
        // each, about 7 of them), with the lower levels adding about as much again.
        var decodeFLOPs = 2 * 27 * base * base * 14 * pixels * pixelFrames
        var decodeStage = Stage(name: "VAE decode", bytes: clamp(Double(baseBytes) + vaeWeights + decodeWorkingSet),
                                workingBytes: clamp(decodeWorkingSet))
        if tinyDecoder {
            // TAEHV (widths 256, 128, 64, 64): 43.6 M multiply-adds per latent pixel and latent frame
            // over its stages, 10 M f32 parameters, and (fitted to the measured peaks) the equivalent of
            // thirteen 64-channel full-resolution f32 tensors alive in the last stage plus 48 MiB.
            decodeFLOPs = 2 * 43.6e6 * pixels / 64 * Double(latentShape[2])
            let working = 13 * 64 * pixels * 4 + Double(48 << 20)
            decodeStage = Stage(name: "tiny decoder", bytes: clamp(Double(baseBytes) + 10e6 * 4 + working), workingBytes: clamp(working))
        }

        let base64 = Double(baseBytes)
        let stages = [
            Stage(name: "text encoder", bytes: clamp(base64 + textWeights + textActivations), workingBytes: clamp(textActivations)),
            Stage(name: "transformer", bytes: clamp(base64 + transformerWeights + activations), workingBytes: clamp(activations)),
            decodeStage,
        ]
        let working = stages.map(\.workingBytes).max() ?? 0
        return RunEstimate(stages: stages, transformerCalls: calls, transformerFLOPs: perCall * Double(calls),
                           decodeFLOPs: decodeFLOPs, allocatorCacheBytes: min(cacheCapacity, working))
    }

    private static func clamp(_ bytes: Double) -> Int { bytes >= Double(Int.max / 2) ? Int.max / 2 : Int(bytes) }
}

extension Generator {
    /// The estimate for `request` with this generator's precision, or for one window of `window`
    /// pixel frames of it (a long clip is made window by window, so its peak is one window's), from the
    /// configs of the request's model. Reads configs only; loads no weights.
    public func estimate(_ request: ValidatedRequest, window: Int? = nil) throws -> RunEstimate {
        let files = try store.files(for: request.model).files
        let transformer = try files.component("transformer")
        let transformerConfig = try files.transformerOverride == nil
            ? transformer.config.map { try WanTransformer.Config(json: $0, file: transformer.configPath) } ?? .wan21T2V1_3B
            : files.transformerConfig()
        let text = try files.component("text_encoder")
        let textConfig = try text.config.map { try UMT5Encoder.Config(json: $0, file: text.configPath) }
        let vae = try files.component("vae")
        let vaeConfig = try vae.config.map { try WanAutoencoder.Config(json: $0, file: vae.configPath) } ?? WanAutoencoder.Config()
        var shape = request.latentShape
        if let window { shape[2] = request.geometry.latentFrames(forPixelFrames: window) }
        let calls = request.steps * (request.usesGuidance ? 2 : 1)
        return .wan(transformer: transformerConfig, textEncoder: textConfig, vae: vaeConfig, precision: precision,
                    latentShape: shape, calls: calls, width: request.width, height: request.height,
                    tinyDecoder: files.tinyDecoderFile != nil)
    }
}
