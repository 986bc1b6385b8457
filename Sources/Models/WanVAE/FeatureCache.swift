import NN
import Tensor

/// diffusers' `feat_cache` / `feat_idx` (docs/wan-reference.md §2.4): the few frames each temporal layer keeps
/// from one time chunk for the next. Slots are claimed in call order, the order restarting at every
/// chunk, so the same layer always gets the same slot. Each slot holds at most two frames of one
/// layer's input, so the cache stays small however long the video is.
struct FeatureCache {
    enum Slot {
        /// Nothing yet (the first chunk).
        case empty
        /// diffusers' `"Rep"` marker: an upsample3d layer has seen its first chunk, which skips the
        /// time convolution.
        case skippedFirstChunk
        /// The last frames of the layer's input, `[B, C, ≤2, H, W]`.
        case frames(Tensor)

        var frames: Tensor? {
            if case .frames(let tensor) = self { return tensor }
            return nil
        }
    }

    private var slots: [Slot] = []
    private var next = 0

    /// Restarts the slot order for a new chunk (diffusers' `feat_idx = [0]`).
    mutating func beginChunk() { next = 0 }

    /// The next layer's slot index and contents.
    mutating func claim() -> (index: Int, slot: Slot) {
        defer { next += 1 }
        if next == slots.count { slots.append(.empty) }
        return (next, slots[next])
    }

    mutating func store(_ slot: Slot, at index: Int) { slots[index] = slot }
}

/// How many frames (`CACHE_T`) a causal 3×3×3 convolution keeps for the next chunk.
let cachedFrames = 2

/// The frames a temporal layer keeps for the next chunk (diffusers' `cache_x`): the last two of
/// its input `x`, with the previous cache's last frame in front when `x` has a single frame.
func framesToCache(_ x: Tensor, previous: Tensor?, on backend: any Backend) throws -> Tensor {
    let t = x.shape[2]
    let kept = try backend.slice(x, axis: 2, start: max(0, t - cachedFrames), end: t)  // [B, C, ≤2, H, W]
    guard kept.shape[2] < cachedFrames, let previous else { return kept }
    let last = try backend.slice(previous, axis: 2, start: previous.shape[2] - 1, end: previous.shape[2])  // [B, C, 1, H, W]
    return try backend.concat([last, kept], axis: 2)  // [B, C, 2, H, W]
}

extension Conv3d {
    /// A causal convolution run chunk by chunk: the frames cached from the previous chunk stand in
    /// for the zero frames in front, and this chunk's last frames are cached for the next
    /// (`WanCausalConv3d` called with `feat_cache[idx]`).
    func callAsFunction(_ x: Tensor, cache: inout FeatureCache, on backend: any Backend) throws -> Tensor {
        let (index, slot) = cache.claim()
        let previous = slot.frames
        let kept = try framesToCache(x, previous: previous, on: backend)  // [B, Cin, ≤2, H, W]
        let y = try self(x, cache: previous, on: backend)  // [B, Cout, T, H', W']
        cache.store(.frames(kept), at: index)
        return y
    }
}

/// Records named intermediates of a chunked run: each chunk's tensor is appended along time to the
/// earlier chunks' (the first chunk replaces whatever an earlier run left), so a name holds the
/// whole sequence, as the fixture script's forward hooks concatenate it.
struct ChunkTaps {
    let taps: Taps?
    /// The chunk being run, from 0.
    let chunk: Int

    func record(_ name: String, _ x: Tensor, on backend: any Backend) throws {
        guard let taps, taps.wants(name) else { return }
        if chunk > 0, let earlier = taps[name] {
            taps.record(name, try backend.concat([earlier, x], axis: 2))  // [B, C, T_earlier + T, H, W]
        } else {
            taps.record(name, x)
        }
    }
}

/// `[B, C, T, H, W] → [B·T, C, H, W]`: time folded into the batch for per-frame 2-D layers.
func foldTime(_ x: Tensor, on backend: any Backend) throws -> Tensor {
    let (b, c, t, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4])
    return try backend.permute(x, [0, 2, 1, 3, 4]).reshaped([b * t, c, h, w])  // [B·T, C, H, W]
}

/// `[B·T, C, H, W] → [B, C, T, H, W]`, undoing ``foldTime(_:on:)``.
func unfoldTime(_ x: Tensor, batch: Int, on backend: any Backend) throws -> Tensor {
    let (c, h, w) = (x.shape[1], x.shape[2], x.shape[3])
    let perFrame = try x.reshaped([batch, x.shape[0] / batch, c, h, w])  // [B, T, C, H, W]
    return try backend.permute(perFrame, [0, 2, 1, 3, 4])  // [B, C, T, H, W]
}
