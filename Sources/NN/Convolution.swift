import Tensor

/// A 3-D convolution over `[B, C, T, H, W]` (PyTorch's `nn.Conv3d` with zero padding), optionally
/// causal in time as the Wan VAE's `WanCausalConv3d`: padding `(p_t, p_h, p_w)` then pads `2·p_t`
/// frames in front and none behind, so no output frame sees a later input frame.
///
/// Checkpoint keys: `weight` `[out, in, kt, kh, kw]`, `bias` `[out]` (when `bias` is true).
public struct Conv3d: Sendable {
    /// `[out, in, kt, kh, kw]`.
    public let weight: Tensor
    /// `[out]`, or nil.
    public let bias: Tensor?
    /// Strides along (T, H, W).
    public let stride: [Int]
    /// Padding along (T, H, W), as given to the layer (before the causal rearrangement).
    public let padding: [Int]
    /// Whether the temporal padding all goes in front (`2·p_t` before, 0 after).
    public let causal: Bool

    /// A convolution from its tensors.
    public init(weight: Tensor, bias: Tensor?, stride: [Int] = [1, 1, 1], padding: [Int] = [0, 0, 0],
                causal: Bool = false) {
        self.weight = weight
        self.bias = bias
        self.stride = stride
        self.padding = padding
        self.causal = causal
    }

    /// Loads `weight` and, when `bias` is true, `bias`; `kernel`, `stride` and `padding` are
    /// (T, H, W) triples.
    public init(scope: WeightScope, inChannels: Int, outChannels: Int, kernel: [Int], stride: [Int] = [1, 1, 1],
                padding: [Int] = [0, 0, 0], causal: Bool = false, bias: Bool = true, dtype: DType? = nil) throws {
        for (name, triple) in [("kernel", kernel), ("stride", stride), ("padding", padding)] where triple.count != 3 {
            throw TensorError.invalidArgument(op: "Conv3d \(scope.prefix)", detail: "\(name) must have 3 entries, got \(triple)")
        }
        weight = try scope.tensor("weight", shape: [outChannels, inChannels] + kernel, dtype: dtype)
        self.bias = try scope.tensor("bias", shape: [outChannels], dtype: dtype, if: bias)
        self.stride = stride
        self.padding = padding
        self.causal = causal
    }

    /// The zero padding applied to an input without a cache.
    public var effectivePadding: Padding3D {
        causal ? .causal(padding[0], padding[1], padding[2]) : .symmetric(padding[0], padding[1], padding[2])
    }

    /// `x [B, Cin, T, H, W] → [B, Cout, T', H', W']`.
    public func callAsFunction(_ x: Tensor, on backend: any Backend) throws -> Tensor {
        try backend.conv3d(x, weight: weight, bias: bias, stride: stride, padding: effectivePadding)  // [B, Cout, T', H', W']
    }

    /// A causal convolution continuing a sequence: `cache` `[B, Cin, t, H, W]` holds the frames
    /// before `x`, which are put in front of it in place of as many zero frames (diffusers'
    /// `WanCausalConv3d.forward(x, cache_x)`). Without a cache, or for a layer with no temporal
    /// padding, this is the plain call.
    public func callAsFunction(_ x: Tensor, cache: Tensor?, on backend: any Backend) throws -> Tensor {
        var pad = effectivePadding
        guard let cache, pad.time.before > 0 else { return try self(x, on: backend) }
        guard causal else {
            throw TensorError.invalidArgument(op: "Conv3d", detail: "a frame cache needs a causal convolution")
        }
        guard cache.rank == 5 else {
            throw TensorError.shapeMismatch(op: "Conv3d", detail: "cache \(cache.shape) is not [B, C, T, H, W]")
        }
        // Only the last 2·p_t cached frames can reach the output (PyTorch's negative F.pad crops the rest).
        let history = cache.shape[2]
        let kept = history > pad.time.before
            ? try backend.slice(cache, axis: 2, start: history - pad.time.before, end: history) : cache  // [B, Cin, ≤2p_t, H, W]
        let joined = try backend.concat([kept, x], axis: 2)  // [B, Cin, t + T, H, W]
        pad.time.before -= min(history, pad.time.before)
        return try backend.conv3d(joined, weight: weight, bias: bias, stride: stride, padding: pad)  // [B, Cout, T', H', W']
    }
}

/// A 2-D convolution over `[B, C, H, W]` (PyTorch's `nn.Conv2d` with zero padding).
///
/// Checkpoint keys: `weight` `[out, in, kh, kw]`, `bias` `[out]` (when `bias` is true).
public struct Conv2d: Sendable {
    /// `[out, in, kh, kw]`.
    public let weight: Tensor
    /// `[out]`, or nil.
    public let bias: Tensor?
    /// Strides along (H, W).
    public let stride: [Int]
    /// Zero padding along (H, W), each side.
    public let padding: [Int]

    /// A convolution from its tensors.
    public init(weight: Tensor, bias: Tensor?, stride: [Int] = [1, 1], padding: [Int] = [0, 0]) {
        self.weight = weight
        self.bias = bias
        self.stride = stride
        self.padding = padding
    }

    /// Loads `weight` and, when `bias` is true, `bias`; `kernel`, `stride` and `padding` are (H, W) pairs.
    public init(scope: WeightScope, inChannels: Int, outChannels: Int, kernel: [Int], stride: [Int] = [1, 1],
                padding: [Int] = [0, 0], bias: Bool = true, dtype: DType? = nil) throws {
        for (name, pair) in [("kernel", kernel), ("stride", stride), ("padding", padding)] where pair.count != 2 {
            throw TensorError.invalidArgument(op: "Conv2d \(scope.prefix)", detail: "\(name) must have 2 entries, got \(pair)")
        }
        weight = try scope.tensor("weight", shape: [outChannels, inChannels] + kernel, dtype: dtype)
        self.bias = try scope.tensor("bias", shape: [outChannels], dtype: dtype, if: bias)
        self.stride = stride
        self.padding = padding
    }

    /// `x [B, Cin, H, W] → [B, Cout, H', W']`.
    public func callAsFunction(_ x: Tensor, on backend: any Backend) throws -> Tensor {
        try backend.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)  // [B, Cout, H', W']
    }
}
