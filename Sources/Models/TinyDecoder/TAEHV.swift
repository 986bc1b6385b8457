import NN
import Tensor

/// The TAEHV tiny video decoder for Wan 2.1 latents (madebyollin's `TAEHV` decoder, base variant,
/// as published in `taew2_1.safetensors` / `taew2_1.pth`; docs/tiny-decoder.md): 2-D convolutions
/// only, each stage three memory blocks (which see their own input one time step back), a 2×
/// nearest upsample and a `TGrow` that turns channels into time steps. About 20× fewer operations
/// than the Wan VAE's decoder, at a visible cost in detail.
///
/// It takes the latents the transformer makes, as they are: no latent mean and std are applied
/// (unlike the VAE, whose input is denormalised first). It decodes one latent frame at a time
/// (``Stream``), so its memory stays flat with the clip's length, and drops the first
/// ``Config/framesToTrim`` frames so that T latent frames give the VAE's `4(T − 1) + 1`.
///
/// ```swift
/// let decoder = try TAEHV(weights: try openWeights(path: "taew2_1.safetensors"))
/// let video = try decoder.decode(latents, on: backend)  // [1, 3, F, H, W] in [0, 1]
/// ```
///
/// Checkpoint keys (the reference's `nn.Sequential` indices under `decoder.`): `1.*` the input
/// convolution; per stage s in 0...2, `{3,4,5}+6s` memory blocks, `7+6s` the `TGrow`, `8+6s` a
/// bias-free convolution to the next width; `20` a bias-free convolution and `22.*` the output
/// convolution. The file's `encoder.*` tensors are not loaded.
public struct TAEHV: Sendable {
    /// One latent frame's worth of decoded pixel frames.
    public struct DecodedChunk: Sendable {
        /// The chunk's index, from 0 (one per latent frame).
        public let index: Int
        /// How many chunks the decode has.
        public let count: Int
        /// The index of the chunk's first pixel frame in the whole (trimmed) video.
        public let firstFrame: Int
        /// `[B, 3, t, H, W]` in [0, 1] (t = 1 for the first chunk, 4 after for Wan 2.1).
        public let frames: Tensor
    }

    /// One stage: three memory blocks, the upsample, the time grow and the convolution after it.
    struct Stage: Sendable {
        let blocks: [MemoryBlock]
        let grow: TimeGrow
        let conv: Conv2d
    }

    /// The decoder's shape.
    public let config: Config
    /// The dtype the weights are held in.
    public let weightType: DType
    let inputConv: Conv2d
    let stages: [Stage]
    let outputConv: Conv2d

    /// Builds the decoder from `weights` (a TAEHV checkpoint's tensors, the encoder's ignored), with
    /// `config` detected from the weight shapes when not given. Throws ``TinyDecoderError`` for
    /// another model's file, and `WeightLoadError` naming the tensors that are missing, misshapen
    /// or left unused.
    public init(config: Config? = nil, weights: any WeightSource, weightType: DType = .float32,
                uploadingTo backend: (any Backend)? = nil) throws {
        let config = try config ?? Config(detectingFrom: weights)
        guard config.widths.count == 4, config.timeUpscale.count == 3, config.latentChannels > 0,
              config.widths.allSatisfy({ $0 > 0 }) else {
            throw TinyDecoderError.unsupported(source: weights.description, detail: "a TAEHV decoder needs 4 positive widths and 3 time-upscale flags, got widths \(config.widths), time upscale \(config.timeUpscale), \(config.latentChannels) latent channels")
        }
        let root = WeightScope(weights, uploadingTo: backend)["decoder"]
        let widths = config.widths
        inputConv = try Conv2d(scope: root[1], inChannels: config.latentChannels, outChannels: widths[0],
                               kernel: [3, 3], padding: [1, 1], dtype: weightType)
        stages = try (0..<3).map { s in
            let base = 3 + 6 * s
            return Stage(
                blocks: try (0..<3).map { try MemoryBlock(scope: root[base + $0], width: widths[s], dtype: weightType) },
                grow: try TimeGrow(scope: root[base + 4], width: widths[s], stride: config.timeUpscale[s] ? 2 : 1, dtype: weightType),
                conv: try Conv2d(scope: root[base + 5], inChannels: widths[s], outChannels: widths[s + 1], kernel: [3, 3],
                                 padding: [1, 1], bias: false, dtype: weightType))
        }
        outputConv = try Conv2d(scope: root[22], inChannels: widths[3], outChannels: 3, kernel: [3, 3], padding: [1, 1],
                                dtype: weightType)
        self.config = config
        self.weightType = weightType
        try root.usage.verifyAllUsed(weights) { $0.hasPrefix("encoder.") }
    }

    /// A fresh frame-by-frame decode: feed it the latent frames in order.
    public func stream(on backend: any Backend, trimming: Bool = true) -> Stream {
        Stream(model: self, backend: backend, trimming: trimming)
    }

    /// Decodes `latents [B, C, T, h, w]` one latent frame at a time, handing each frame's pixel
    /// frames to `onChunk` as soon as they are made (the first chunk after the trim holds one
    /// frame, the others ``Config/temporalUpscale``).
    public func decode(_ latents: Tensor, on backend: any Backend, onChunk: (DecodedChunk) throws -> Void) throws {
        try checkLatents(latents, operation: "decode")
        var decoding = self.stream(on: backend)
        let count = latents.shape[2]
        var firstFrame = 0
        for t in 0..<count {
            let latent = try backend.slice(latents, axis: 2, start: t, end: t + 1)  // [B, C, 1, h, w]
            let frames = try decoding.decode(try latent.reshaped([latent.shape[0], latent.shape[1], latent.shape[3], latent.shape[4]]))
            guard !frames.isEmpty else { continue }
            let video = try backend.concat(try frames.map { frame in
                try frame.reshaped([frame.shape[0], frame.shape[1], 1, frame.shape[2], frame.shape[3]])  // [B, 3, 1, H, W]
            }, axis: 2)  // [B, 3, t, H, W]
            try onChunk(DecodedChunk(index: t, count: count, firstFrame: firstFrame, frames: video))
            firstFrame += frames.count
        }
    }

    /// Decodes `latents [B, C, T, h, w]` into `[B, 3, F, 8h, 8w]` in [0, 1], F = `4(T − 1) + 1` for Wan 2.1.
    public func decode(_ latents: Tensor, on backend: any Backend) throws -> Tensor {
        var chunks: [Tensor] = []
        try decode(latents, on: backend) { chunks.append($0.frames) }
        guard !chunks.isEmpty else {
            throw TinyDecoderError.invalidInput(operation: "decode", detail: "latents \(latents.shape) have no frames")
        }
        return chunks.count == 1 ? chunks[0] : try backend.concat(chunks, axis: 2)  // [B, 3, F, H, W]
    }

    private func checkLatents(_ latents: Tensor, operation: String) throws {
        guard latents.rank == 5, latents.shape[1] == config.latentChannels, latents.shape[3] > 0, latents.shape[4] > 0 else {
            throw TinyDecoderError.invalidInput(operation: operation, detail: "latents \(latents.shape) are not [B, \(config.latentChannels), T, h, w]")
        }
    }
}
