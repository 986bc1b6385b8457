import NN
import Tensor

// Encode and decode in time chunks with the feature cache (docs/wan-reference.md §2.4), and the pipelines'
// latent normalisation (§2.5).

extension WanAutoencoder {
    /// Encodes pixel video `[B, inChannels, F, H, W]` (values in [−1, 1]) to the posterior over
    /// latents `[B, z, 1 + (F−1)/4, H/8, W/8]`. Frame 0 is encoded alone, then 4 frames per chunk;
    /// trailing frames that do not fill a chunk are ignored, as in diffusers. H and W must be
    /// multiples of 8 (2 to the number of spatial downsamplings).
    ///
    /// `taps` records the encoder's named intermediates over the whole sequence (each chunk's
    /// output appended along time): `encoder.conv_in`, `encoder.down_blocks.{k}`, `encoder.mid_block`
    /// (and `.resnets.0`, `.attentions.0`), `encoder.norm_out`, `encoder.conv_out`, `quant_conv`.
    public func encode(_ video: Tensor, on backend: any Backend, taps: Taps? = nil) throws -> Posterior {
        guard let encoder, let quantConv else { throw WanVAEError.partNotLoaded("encoder") }
        try checkInput(video, channels: config.inChannels, spatialFactor: 1 << config.spatialDownsamplings,
                       operation: "encode", what: "video")
        let frames = video.shape[2]
        let chunks = 1 + (frames - 1) / 4
        var cache = FeatureCache()
        var latents: [Tensor] = []
        for chunk in 0..<chunks {
            cache.beginChunk()
            let (start, end) = chunk == 0 ? (0, 1) : (1 + 4 * (chunk - 1), 1 + 4 * chunk)
            let pixels = try backend.slice(video, axis: 2, start: start, end: end)  // [B, Cin, 1 or 4, H, W]
            latents.append(try encoder(pixels, cache: &cache, taps: ChunkTaps(taps: taps, chunk: chunk), on: backend))
        }
        let joined = try latents.count == 1 ? latents[0] : backend.concat(latents, axis: 2)  // [B, 2z, T, h, w]
        let moments = try quantConv(joined, on: backend)  // [B, 2z, T, h, w]
        taps.record("quant_conv", moments)
        let z = config.zDim
        let mean = try backend.slice(moments, axis: 1, start: 0, end: z)  // [B, z, T, h, w]
        var logvar = try backend.slice(moments, axis: 1, start: z, end: 2 * z)  // [B, z, T, h, w]
        logvar = try clamp(logvar, -30, 20, on: backend)  // [B, z, T, h, w]
        return Posterior(mean: mean, logvar: logvar)
    }

    /// Decodes latents `[B, z, T, h, w]` to pixel video `[B, outChannels, 1 + 4(T−1), 8h, 8w]` in
    /// [−1, 1], one latent frame per chunk. The whole video is held at the end; for long videos
    /// ``decode(_:on:taps:eachChunk:)`` hands each chunk over as it is done instead.
    ///
    /// `taps` records `post_quant_conv`, `decoder.conv_in`, `decoder.mid_block` (and `.resnets.0`,
    /// `.attentions.0`), `decoder.up_blocks.{i}`, `decoder.norm_out`, `decoder.conv_out` (before
    /// the clamp), each over the whole sequence.
    public func decode(_ latents: Tensor, on backend: any Backend, taps: Taps? = nil) throws -> Tensor {
        var chunks: [Tensor] = []
        try decode(latents, on: backend, taps: taps) { chunks.append($0.frames) }
        return try chunks.count == 1 ? chunks[0] : backend.concat(chunks, axis: 2)  // [B, Cout, F, H, W]
    }

    /// Decodes latents `[B, z, T, h, w]` one latent frame at a time, handing each chunk's clamped
    /// pixel frames to `eachChunk` as soon as they are computed (to write or show them, or to report
    /// progress), so memory does not grow with the number of frames.
    public func decode(_ latents: Tensor, on backend: any Backend, taps: Taps? = nil,
                       eachChunk: (DecodedChunk) throws -> Void) throws {
        guard let decoder, let postQuantConv else { throw WanVAEError.partNotLoaded("decoder") }
        try checkInput(latents, channels: config.zDim, spatialFactor: 1, operation: "decode", what: "latents")
        let z = try postQuantConv(latents, on: backend)  // [B, z, T, h, w]
        taps.record("post_quant_conv", z)
        let count = latents.shape[2]
        var cache = FeatureCache()
        var firstFrame = 0
        for chunk in 0..<count {
            cache.beginChunk()
            let frame = try backend.slice(z, axis: 2, start: chunk, end: chunk + 1)  // [B, z, 1, h, w]
            let decoded = try decoder(frame, cache: &cache, taps: ChunkTaps(taps: taps, chunk: chunk), on: backend)  // [B, Cout, t, H, W]
            let pixels = try clamp(decoded, -1, 1, on: backend)  // [B, Cout, t, H, W]
            try eachChunk(DecodedChunk(index: chunk, count: count, firstFrame: firstFrame, frames: pixels))
            firstFrame += pixels.shape[2]
        }
    }

    /// The pipelines' latent normalisation before denoising (image-to-video's `prepare_latents`):
    /// `(x − latents_mean) · (1 / latents_std)`, per channel of `x [B, z, T, h, w]`.
    public func normalize(_ latents: Tensor, on backend: any Backend) throws -> Tensor {
        let (mean, inverseStd) = try statistics(for: latents, operation: "normalize", on: backend)
        return try backend.mul(try backend.sub(latents, mean), inverseStd)  // [B, z, T, h, w]
    }

    /// The pipelines' step before decoding (`WanPipeline`): `x / (1 / latents_std) + latents_mean`,
    /// a division by the reciprocal as diffusers writes it (not a product with the std, which can
    /// differ in the last bit).
    public func denormalize(_ latents: Tensor, on backend: any Backend) throws -> Tensor {
        let (mean, inverseStd) = try statistics(for: latents, operation: "denormalize", on: backend)
        return try backend.add(try backend.div(latents, inverseStd), mean)  // [B, z, T, h, w]
    }

    /// `latents_mean` and `1 / latents_std` (computed in float32, like `1.0 / torch.tensor(std)`) as
    /// `[1, z, 1, 1, 1]` tensors of the latents' dtype.
    private func statistics(for latents: Tensor, operation: String, on backend: any Backend) throws -> (Tensor, Tensor) {
        let z = config.zDim
        guard latents.rank == 5, latents.shape[1] == z else {
            throw WanVAEError.invalidInput(operation: operation, detail: "the latents tensor has shape \(latents.shape), expected [B, \(z), T, h, w]")
        }
        let mean = try Tensor(config.latentsMean.map { Float($0) }, shape: [1, z, 1, 1, 1], dtype: latents.dtype)
        let inverse = try Tensor(config.latentsStd.map { 1 / Float($0) }, shape: [1, z, 1, 1, 1], dtype: latents.dtype)
        return (try backend.upload(mean), try backend.upload(inverse))
    }

    private func clamp(_ x: Tensor, _ low: Float, _ high: Float, on backend: any Backend) throws -> Tensor {
        let lower = try backend.upload(Tensor(filling: low, shape: [1], dtype: x.dtype))
        let upper = try backend.upload(Tensor(filling: high, shape: [1], dtype: x.dtype))
        return try backend.binary(.minimum, try backend.binary(.maximum, x, lower), upper)
    }

    private func checkInput(_ x: Tensor, channels: Int, spatialFactor: Int, operation: String, what: String) throws {
        guard x.rank == 5, x.shape[1] == channels else {
            throw WanVAEError.invalidInput(operation: operation, detail: "the \(what) tensor has shape \(x.shape), expected [B, \(channels), T, H, W]")
        }
        guard x.shape[0] > 0, x.shape[2] > 0 else {
            throw WanVAEError.invalidInput(operation: operation, detail: "the \(what) tensor \(x.shape) is empty")
        }
        for (axis, name) in [(3, "height"), (4, "width")] where x.shape[axis] == 0 || x.shape[axis] % spatialFactor != 0 {
            throw WanVAEError.invalidInput(
                operation: operation, detail: "the \(what) tensor \(x.shape) has \(name) \(x.shape[axis]), not a positive multiple of \(spatialFactor)")
        }
    }
}
