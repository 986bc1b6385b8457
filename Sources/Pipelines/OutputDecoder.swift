import Media
import Tensor
import TinyDecoder
import WanVAE

/// What turns the final latents into pixels: the VAE's decoder, or a tiny decoder in its place.
enum FrameDecoder: Sendable {
    case vae(WanAutoencoder)
    /// TAEHV: the transformer's latents as they are (no latent mean and std), frames in [0, 1].
    case tiny(TAEHV)
}

/// Stage 6 of the generation core: decodes the final latents chunk by chunk and turns them into the
/// output video as the ``OutputPlan`` says: kept clips passed through unchanged around the decoded
/// frames, the re-encoded context dropped, a backward extension put back in order, a loop decoded so
/// that every frame has its predecessor in the cycle as causal context. The tiny decoder makes the
/// same frames per latent frame (1, then 4) in the same chunks, so the plan applies to it unchanged.
struct OutputDecoder {
    let decoder: FrameDecoder
    let backend: any Backend
    let plan: OutputPlan
    let clock: ProgressClock
    /// Pixel frames per latent frame after the first.
    let temporalCompression: Int

    /// Frames of a passed-through clip emitted per chunk.
    private static let passthroughChunk = 16

    func decode(_ latents: Tensor, onFrames: (Tensor) throws -> Void, checkCancelled: () throws -> Void) throws {
        let z: Tensor  // [1, C, T, h, w]
        switch decoder {
        case .vae(let vae): z = try vae.denormalize(try backend.cast(latents, to: .float32), on: backend)
        case .tiny: z = try backend.cast(latents, to: .float32)
        }
        if let before = plan.before { try emit(before, onFrames) }
        if plan.loop {
            try decodeLoop(z, onFrames: onFrames, checkCancelled: checkCancelled)
        } else {
            var reversed: [Tensor] = []
            let first = plan.dropHead, end = plan.keepDecoded.map { first + $0 }
            try decodeChunks(z, progressOffset: 0, progressTotal: z.shape[2], checkCancelled: checkCancelled) { chunk, start in
                guard let kept = try trimmed(chunk, start: start, from: first, to: end) else { return }
                if plan.reverseDecoded { reversed.append(kept) } else { try onFrames(kept) }
            }
            for chunk in reversed.reversed() { try onFrames(try reverseTime(chunk)) }
        }
        if let after = plan.after { try emit(after, onFrames) }
    }

    /// A loop of T latents decodes to 4T frames, each with causal context: first the wrap
    /// `cat(x[T−3:], x[:2])`, keeping the frames of its last two latents (x[0] and x[1] decoded as
    /// mid-sequence latents after the end of the clip), then x itself without the frames of x[0] and
    /// x[1] (kijai's looped decode; docs/modes.md, "Loop").
    private func decodeLoop(_ z: Tensor, onFrames: (Tensor) throws -> Void, checkCancelled: () throws -> Void) throws {
        let frames = z.shape[2]
        let wrap = try backend.concat([try backend.slice(z, axis: 2, start: frames - 3, end: frames),
                                       try backend.slice(z, axis: 2, start: 0, end: 2)], axis: 2)  // [1, C, 5, h, w]
        let total = frames + 5
        try decodeChunks(wrap, progressOffset: 0, progressTotal: total, checkCancelled: checkCancelled) { chunk, start in
            if let kept = try trimmed(chunk, start: start, from: wrapFirstKept, to: nil) { try onFrames(kept) }
        }
        try decodeChunks(z, progressOffset: 5, progressTotal: total, checkCancelled: checkCancelled) { chunk, start in
            if let kept = try trimmed(chunk, start: start, from: 1 + temporalCompression, to: nil) { try onFrames(kept) }
        }
    }

    /// The first pixel frame of latent 3 in a decode: 1 + 2·tc (9 for Wan), where x[0] starts in the wrap.
    private var wrapFirstKept: Int { 1 + 2 * temporalCompression }

    private func decodeChunks(_ z: Tensor, progressOffset: Int, progressTotal: Int, checkCancelled: () throws -> Void,
                              _ body: (Tensor, Int) throws -> Void) throws {
        if progressOffset == 0 { clock.beginStage(.decoding, total: progressTotal) }
        switch decoder {
        case .vae(let vae):
            try vae.decode(z, on: backend) { chunk in
                try body(chunk.frames, chunk.firstFrame)
                clock.report(.decoding, progressOffset + chunk.index + 1, progressTotal)
                try checkCancelled()
            }
        case .tiny(let tiny):
            try tiny.decode(z, on: backend) { chunk in
                try body(try backend.affine(chunk.frames, scale: 2, offset: -1), chunk.firstFrame)  // [1, 3, t, H, W] in [−1, 1]
                clock.report(.decoding, progressOffset + chunk.index + 1, progressTotal)
                try checkCancelled()
            }
        }
    }

    /// The part of `chunk` (frames `start ..< start + t`) inside `from ..< to`, nil when none is.
    private func trimmed(_ chunk: Tensor, start: Int, from: Int, to: Int?) throws -> Tensor? {
        let count = chunk.shape[2]
        let lower = max(from - start, 0), upper = min((to ?? Int.max) - start, count)
        guard lower < upper else { return nil }
        return lower == 0 && upper == count ? chunk : try backend.slice(chunk, axis: 2, start: lower, end: upper)
    }

    private func reverseTime(_ chunk: Tensor) throws -> Tensor {
        let count = chunk.shape[2]
        guard count > 1 else { return chunk }
        return try backend.concat((0..<count).reversed().map { try backend.slice(chunk, axis: 2, start: $0, end: $0 + 1) }, axis: 2)
    }

    /// `clip` emitted unchanged (its exact bytes survive the writers' conversion), a few frames at a time.
    private func emit(_ clip: VideoFrames, _ onFrames: (Tensor) throws -> Void) throws {
        var start = 0
        while start < clip.count {
            let end = min(start + Self.passthroughChunk, clip.count)
            try onFrames(try backend.upload(try clip.slice(start..<end).passthroughTensor()))
            start = end
        }
    }
}
