import NN
import Tensor

/// diffusers' `WanResample` (docs/wan-reference.md §2.2): a per-frame ×2 spatial resampler, with a temporal
/// convolution in the 3-D modes that runs only in chunked mode, as diffusers runs it.
///
/// Checkpoint keys: `resample.1.{weight,bias}` (the 3×3 Conv2d), and for the 3-D modes
/// `time_conv.{weight,bias}` (`[2C, C, 3, 1, 1]` up, `[C, C, 3, 1, 1]` down).
struct Resample: Sendable {
    enum Mode: String, Sendable {
        /// Nearest ×2, then Conv2d(C → C/2, 3×3, padding 1).
        case upsample2d
        /// A causal time convolution C → 2C whose halves become even and odd frames (skipped on the
        /// first chunk), then as upsample2d.
        case upsample3d
        /// Zero pad right and bottom by 1, Conv2d(C → C, 3×3, stride 2).
        case downsample2d
        /// As downsample2d, then a stride-2 time convolution over the previous chunk's last frame
        /// and this chunk (skipped on the first chunk).
        case downsample3d
    }

    let mode: Mode
    let conv: Conv2d
    let timeConv: Conv3d?

    init(scope: WeightScope, channels: Int, mode: Mode, dtype: DType) throws {
        self.mode = mode
        switch mode {
        case .upsample2d, .upsample3d:
            conv = try Conv2d(scope: scope["resample.1"], inChannels: channels, outChannels: channels / 2,
                              kernel: [3, 3], padding: [1, 1], dtype: dtype)
        case .downsample2d, .downsample3d:
            conv = try Conv2d(scope: scope["resample.1"], inChannels: channels, outChannels: channels,
                              kernel: [3, 3], stride: [2, 2], dtype: dtype)
        }
        switch mode {
        case .upsample3d:
            timeConv = try Conv3d(scope: scope["time_conv"], inChannels: channels, outChannels: 2 * channels,
                                  kernel: [3, 1, 1], padding: [1, 0, 0], causal: true, dtype: dtype)
        case .downsample3d:
            timeConv = try Conv3d(scope: scope["time_conv"], inChannels: channels, outChannels: channels,
                                  kernel: [3, 1, 1], stride: [2, 1, 1], causal: true, dtype: dtype)
        case .upsample2d, .downsample2d:
            timeConv = nil
        }
    }

    /// `x [B, C, T, H, W]` → `[B, C/2, T', 2H, 2W]` (up) or `[B, C, T', H/2, W/2]` (down) for one
    /// time chunk; T' is T, 2T (upsample3d after the first chunk) or the strided count (downsample3d).
    func callAsFunction(_ x: Tensor, cache: inout FeatureCache, on backend: any Backend) throws -> Tensor {
        var x = x
        if mode == .upsample3d, let timeConv { x = try upsampleTime(x, timeConv, cache: &cache, on: backend) }
        let batch = x.shape[0]
        var frames = try foldTime(x, on: backend)  // [B·T, C, H, W]
        switch mode {
        case .upsample2d, .upsample3d:
            frames = try backend.upsampleNearest(frames, factors: [2, 2])  // [B·T, C, 2H, 2W]
        case .downsample2d, .downsample3d:
            frames = try backend.pad(frames, [(0, 0), (0, 0), (0, 1), (0, 1)], value: 0)  // [B·T, C, H+1, W+1]
        }
        frames = try conv(frames, on: backend)  // [B·T, C', H', W']
        x = try unfoldTime(frames, batch: batch, on: backend)  // [B, C', T, H', W']
        if mode == .downsample3d, let timeConv { x = try downsampleTime(x, timeConv, cache: &cache, on: backend) }
        return x
    }

    /// The temporal half of upsample3d. First chunk: marks the slot and returns `x` unchanged.
    /// Later: the time convolution (zero-padded on the second chunk, then continuing from the cached
    /// frames), each output frame's two channel halves becoming two consecutive frames.
    private func upsampleTime(_ x: Tensor, _ timeConv: Conv3d, cache: inout FeatureCache,
                              on backend: any Backend) throws -> Tensor {
        let (index, slot) = cache.claim()
        let previous: Tensor
        switch slot {
        case .empty:
            cache.store(.skippedFirstChunk, at: index)
            return x
        case .skippedFirstChunk:
            // The time convolution pads with its own zero frames; diffusers caches a zero frame in
            // front of a lone frame (zeros_like(cache_x)).
            var kept = try framesToCache(x, previous: nil, on: backend)  // [B, C, ≤2, H, W]
            if kept.shape[2] < cachedFrames {
                let zeros = try backend.upload(Tensor(zeros: kept.shape, dtype: kept.dtype))  // [B, C, 1, H, W]
                kept = try backend.concat([zeros, kept], axis: 2)  // [B, C, 2, H, W]
            }
            let y = try timeConv(x, on: backend)  // [B, 2C, T, H, W]
            cache.store(.frames(kept), at: index)
            return try interleaveHalves(y, on: backend)
        case .frames(let frames):
            previous = frames
        }
        let kept = try framesToCache(x, previous: previous, on: backend)  // [B, C, ≤2, H, W]
        let y = try timeConv(x, cache: previous, on: backend)  // [B, 2C, T, H, W]
        cache.store(.frames(kept), at: index)
        return try interleaveHalves(y, on: backend)
    }

    /// `[B, 2C, T, H, W] → [B, C, 2T, H, W]`: frame 2t+s is channel half s of frame t.
    private func interleaveHalves(_ y: Tensor, on backend: any Backend) throws -> Tensor {
        let (b, c2, t, h, w) = (y.shape[0], y.shape[1], y.shape[2], y.shape[3], y.shape[4])
        let halves = try y.reshaped([b, 2, c2 / 2, t, h, w])  // [B, 2, C, T, H, W]
        let interleaved = try backend.permute(halves, [0, 2, 3, 1, 4, 5])  // [B, C, T, 2, H, W]
        return try interleaved.reshaped([b, c2 / 2, 2 * t, h, w])  // [B, C, 2T, H, W]
    }

    /// The temporal half of downsample3d. First chunk: caches its last frame and returns `x`
    /// unchanged. Later: the stride-2 valid time convolution over the cached frame and `x`.
    private func downsampleTime(_ x: Tensor, _ timeConv: Conv3d, cache: inout FeatureCache,
                                on backend: any Backend) throws -> Tensor {
        let (index, slot) = cache.claim()
        let t = x.shape[2]
        // Only the last frame is ever read back (diffusers stores the whole first chunk).
        let last = try backend.slice(x, axis: 2, start: t - 1, end: t)  // [B, C, 1, H, W]
        defer { cache.store(.frames(last), at: index) }
        guard let previous = slot.frames else { return x }
        let p = previous.shape[2]
        let joined = try backend.concat([try backend.slice(previous, axis: 2, start: p - 1, end: p), x], axis: 2)  // [B, C, 1+T, H, W]
        return try timeConv(joined, on: backend)  // [B, C, T/2, H, W]
    }
}
