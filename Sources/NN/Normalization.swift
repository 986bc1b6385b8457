import Tensor

/// Layer norm over the last axis (PyTorch's `nn.LayerNorm`), with or without the affine weight
/// and bias. Wan's transformer uses both: `norm1`/`norm3` without parameters, `norm2` with.
///
/// Checkpoint keys (affine only): `weight` `[dim]`, `bias` `[dim]`.
public struct LayerNorm: Sendable {
    /// `[dim]`, or nil without affine parameters.
    public let weight: Tensor?
    /// `[dim]`, or nil without affine parameters.
    public let bias: Tensor?
    /// Added to the variance.
    public let eps: Float

    /// A norm from its tensors; nil weight and bias make it non-affine.
    public init(weight: Tensor? = nil, bias: Tensor? = nil, eps: Float) {
        self.weight = weight
        self.bias = bias
        self.eps = eps
    }

    /// Loads `weight` and `bias` when `affine` (else nothing), converted to `dtype` when given.
    public init(scope: WeightScope, dimension: Int, eps: Float, affine: Bool = true, dtype: DType? = nil) throws {
        weight = try scope.tensor("weight", shape: [dimension], dtype: dtype, if: affine)
        bias = try scope.tensor("bias", shape: [dimension], dtype: dtype, if: affine)
        self.eps = eps
    }

    /// `x [..., dim] → [..., dim]`.
    public func callAsFunction(_ x: Tensor, on backend: any Backend) throws -> Tensor {
        try backend.layerNorm(x, weight: weight, bias: bias, eps: eps)  // [..., dim]
    }
}

/// RMS norm over the last axis, `y = x · rsqrt(mean(x²) + eps) · weight`: diffusers' `RMSNorm`
/// (Wan's `norm_q`/`norm_k`, over the full width across heads) and T5's `T5LayerNorm`.
///
/// Checkpoint keys: `weight` `[dim]` (when `affine`).
public struct RMSNorm: Sendable {
    /// `[dim]`, or nil without a weight.
    public let weight: Tensor?
    /// Added to the mean square.
    public let eps: Float

    /// A norm from its tensors.
    public init(weight: Tensor?, eps: Float) {
        self.weight = weight
        self.eps = eps
    }

    /// Loads `weight` when `affine`, converted to `dtype` when given.
    public init(scope: WeightScope, dimension: Int, eps: Float, affine: Bool = true, dtype: DType? = nil) throws {
        weight = try scope.tensor("weight", shape: [dimension], dtype: dtype, if: affine)
        self.eps = eps
    }

    /// `x [..., dim] → [..., dim]`.
    public func callAsFunction(_ x: Tensor, on backend: any Backend) throws -> Tensor {
        try backend.rmsNorm(x, weight: weight, eps: eps)  // [..., dim]
    }
}

/// The Wan VAE's `WanRMS_norm`: an L2 normalisation over the channel axis (axis 1) scaled by √C,
/// `y = x / max(‖x‖₂, 1e-12) · √C · γ (+ bias)` — `F.normalize(x, dim=1) * C**0.5 * gamma + bias`.
/// Takes video `[B, C, T, H, W]` (γ `[C, 1, 1, 1]`) or, with `images`, frames `[B, C, H, W]`
/// (γ `[C, 1, 1]`).
///
/// Checkpoint keys: `gamma`, and `bias` of the same shape when the checkpoint has one (Wan 2.1's
/// VAE has none: its bias is the constant 0).
public struct ChannelRMSNorm: Sendable {
    /// `[C, 1, 1, 1]` or `[C, 1, 1]`.
    public let gamma: Tensor
    /// Same shape as `gamma`, or nil.
    public let bias: Tensor?

    /// A norm from its tensors.
    public init(gamma: Tensor, bias: Tensor? = nil) {
        self.gamma = gamma
        self.bias = bias
    }

    /// Loads `gamma` and, when present, `bias` for `channels` channels; `images` selects the 4-D
    /// parameter shape `[C, 1, 1]` instead of the video one `[C, 1, 1, 1]`.
    public init(scope: WeightScope, channels: Int, images: Bool = false, dtype: DType? = nil) throws {
        let shape = [channels] + Array(repeating: 1, count: images ? 2 : 3)
        gamma = try scope.tensor("gamma", shape: shape, dtype: dtype)
        bias = try scope.optionalTensor("bias", shape: shape, dtype: dtype)
    }

    /// Channels.
    public var channels: Int { gamma.shape[0] }

    /// `x [B, C, ...] → [B, C, ...]`, the spatial rank given by γ's; followed by SiLU when `silu`
    /// (one pass on backends that fuse the two).
    public func callAsFunction(_ x: Tensor, silu: Bool = false, on backend: any Backend) throws -> Tensor {
        let c = channels
        guard x.rank == gamma.rank + 1, x.shape[1] == c else {
            throw TensorError.shapeMismatch(
                op: "ChannelRMSNorm", detail: "input \(x.shape) does not have \(c) channels on axis 1 and rank \(gamma.rank + 1)")
        }
        // x·rsqrt(Σx²/C + eps) = x·√C / √(Σx² + C·eps). eps = 1e-24/C stands in for the clamp of ‖x‖
        // at 1e-12: both give 0 for a zero vector and agree to float precision once ‖x‖ exceeds ~1e-9.
        return try backend.channelRMSNorm(x, gamma: try gamma.reshaped([c]), bias: try bias?.reshaped([c]),
                                          eps: 1e-24 / Float(c), silu: silu)  // [B, C, ...]
    }
}
