import NN
import Tensor

/// A CLIP self-attention layer (transformers' `CLIPAttention`, `self_attn`): q, k, v and output
/// projections with biases, `softmax(q·kᵀ/√d)·v` per head, no mask.
///
/// Checkpoint keys: `{q,k,v,out}_proj.{weight,bias}` `[D, D]` / `[D]`. The original Wan / open-clip
/// layout stores q, k and v stacked as `attn.to_qkv` `[3D, D]`; ``CLIPVisionEncoder`` splits it at
/// load time, so both layouts run the same three projections.
public struct CLIPVisionAttention: Sendable {
    /// The query, key, value and output projections.
    public let q: Linear, k: Linear, v: Linear, out: Linear
    /// Heads.
    public let heads: Int

    /// An attention layer from its projections.
    public init(q: Linear, k: Linear, v: Linear, out: Linear, heads: Int) {
        self.q = q
        self.k = k
        self.v = v
        self.out = out
        self.heads = heads
    }

    /// `x [B, T, D] → [B, T, D]`.
    public func callAsFunction(_ x: Tensor, on backend: any Backend) throws -> Tensor {
        let context = try multiHeadAttention(query: try q(x, on: backend), key: try k(x, on: backend),
                                             value: try v(x, on: backend), heads: heads, on: backend)  // [B, T, D]
        return try out(context, on: backend)  // [B, T, D]
    }
}

/// A CLIP MLP (`mlp`): `fc2(act(fc1(x)))`.
///
/// Checkpoint keys: `fc1.{weight,bias}` `[I, D]` / `[I]`, `fc2.{weight,bias}` `[D, I]` / `[D]`
/// (original layout: `mlp.0`, `mlp.2`).
public struct CLIPVisionMLP: Sendable {
    /// The two layers.
    public let fc1: Linear, fc2: Linear
    /// Applied between them.
    public let activation: CLIPVisionEncoder.Config.Activation

    /// An MLP from its layers.
    public init(fc1: Linear, fc2: Linear, activation: CLIPVisionEncoder.Config.Activation) {
        self.fc1 = fc1
        self.fc2 = fc2
        self.activation = activation
    }

    /// `x [B, T, D] → [B, T, D]`.
    public func callAsFunction(_ x: Tensor, on backend: any Backend) throws -> Tensor {
        let hidden = try fc1(x, on: backend)  // [B, T, I]
        let activated: Tensor
        switch activation {
        case .gelu: activated = try backend.unary(.gelu, hidden)  // [B, T, I]
        case .geluNew, .geluPyTorchTanh: activated = try backend.unary(.geluTanh, hidden)  // [B, T, I]
        case .quickGELU:
            // x·sigmoid(1.702·x), as transformers' QuickGELUActivation computes it.
            let gate = try backend.unary(.sigmoid, try backend.affine(hidden, scale: 1.702, offset: 0))  // [B, T, I]
            activated = try backend.mul(hidden, gate)  // [B, T, I]
        }
        return try fc2(activated, on: backend)  // [B, T, D]
    }
}

/// One pre-norm encoder layer (transformers' `CLIPEncoderLayer`, `encoder.layers.{i}`):
/// `x + attn(layer_norm1(x))`, then `+ mlp(layer_norm2(·))`.
public struct CLIPVisionEncoderLayer: Sendable {
    /// `layer_norm1` (original: `norm1`).
    public let norm1: LayerNorm
    /// `self_attn` (original: `attn`).
    public let attention: CLIPVisionAttention
    /// `layer_norm2` (original: `norm2`).
    public let norm2: LayerNorm
    /// `mlp`.
    public let mlp: CLIPVisionMLP

    /// A layer from its parts.
    public init(norm1: LayerNorm, attention: CLIPVisionAttention, norm2: LayerNorm, mlp: CLIPVisionMLP) {
        self.norm1 = norm1
        self.attention = attention
        self.norm2 = norm2
        self.mlp = mlp
    }

    /// `x [B, T, D] → [B, T, D]`.
    public func callAsFunction(_ x: Tensor, on backend: any Backend) throws -> Tensor {
        let attended = try backend.add(x, try attention(try norm1(x, on: backend), on: backend))  // [B, T, D]
        return try backend.add(attended, try mlp(try norm2(attended, on: backend), on: backend))  // [B, T, D]
    }
}
