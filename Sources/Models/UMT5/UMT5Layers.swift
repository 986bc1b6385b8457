import NN
import Tensor

/// T5's RMS norm (transformers' `T5LayerNorm` / `UMT5LayerNorm`): `x · rsqrt(mean(x²) + eps) · w`
/// over the last axis, no mean subtraction, no bias. The statistics are computed in float32; with
/// bf16 weights the normalised `x` is rounded to bf16 *before* it is multiplied by `w`, as the
/// reference does, so the bf16 path rounds twice.
///
/// Checkpoint keys: `weight` `[dim]`.
public struct T5LayerNorm: Sendable {
    /// `[dim]`.
    public let weight: Tensor
    /// Added to the mean square.
    public let eps: Float

    /// A norm from its weight.
    public init(weight: Tensor, eps: Float) {
        self.weight = weight
        self.eps = eps
    }

    /// Loads `weight` `[dimension]` from `scope`, converted to `dtype` when one is given.
    public init(scope: WeightScope, dimension: Int, eps: Float, dtype: DType? = nil) throws {
        self.init(weight: try scope.tensor("weight", shape: [dimension], dtype: dtype), eps: eps)
    }

    /// `x [..., dim] → [..., dim]`.
    public func callAsFunction(_ x: Tensor, on backend: any Backend) throws -> Tensor {
        if weight.dtype == .float32 { return try backend.rmsNorm(x, weight: weight, eps: eps) }  // [..., dim]
        let normalized = try backend.rmsNorm(x, weight: nil, eps: eps)  // [..., dim], rounded to x's dtype
        return try backend.mul(normalized, weight)  // [..., dim]
    }
}

/// UMT5's self-attention (`layer.0.SelfAttention`): bias-free q, k, v, o projections, scores
/// `q·kᵀ` **without** the 1/√d scale, plus this block's own relative-position bias and the
/// key-padding mask, softmax, and the weighted sum of values. Scores and softmax are float32 in
/// every precision.
///
/// Checkpoint keys: `{q,k,v}.weight` `[H·d_kv, d_model]`, `o.weight` `[d_model, H·d_kv]`,
/// `relative_attention_bias.weight` `[buckets, H]`.
public struct UMT5SelfAttention: Sendable {
    /// Query, key, value and output projections.
    public let q: Linear, k: Linear, v: Linear, o: Linear
    /// The relative-position bias per bucket and head, `[buckets, H]`.
    public let relativeAttentionBias: Tensor
    /// Heads.
    public let heads: Int

    /// Loads the projections and the bias table from `scope` (`...layer.0.SelfAttention`).
    public init(scope: WeightScope, config: UMT5Encoder.Config, dtype: DType) throws {
        let (width, inner) = (config.dModel, config.innerDim)
        q = try Linear(scope: scope["q"], inFeatures: width, outFeatures: inner, bias: false, dtype: dtype)
        k = try Linear(scope: scope["k"], inFeatures: width, outFeatures: inner, bias: false, dtype: dtype)
        v = try Linear(scope: scope["v"], inFeatures: width, outFeatures: inner, bias: false, dtype: dtype)
        o = try Linear(scope: scope["o"], inFeatures: inner, outFeatures: width, bias: false, dtype: dtype)
        relativeAttentionBias = try scope.tensor("relative_attention_bias.weight",
                                                 shape: [config.relativeAttentionNumBuckets, config.numHeads], dtype: dtype)
        heads = config.numHeads
    }

    /// This block's position bias for a sequence of `length` tokens, `[1, H, L, L]` with
    /// `bias[0, h, i, j] = table[bucket(j − i), h]`, from the one-hot bucket table
    /// `[buckets, L·L]` of ``UMT5Encoder/relativePositionOneHot(length:numBuckets:maxDistance:dtype:)``
    /// (same dtype as the table). A one-hot product picks each entry exactly, in any precision.
    public func positionBias(oneHot: Tensor, length: Int, on backend: any Backend) throws -> Tensor {
        let bias = try backend.matmul(relativeAttentionBias, oneHot, transposeA: true, transposeB: false,
                                      outputType: nil)  // [H, L·L]
        return try bias.reshaped([1, heads, length, length])  // [1, H, L, L]
    }

    /// `x [B, L, d_model]` → `[B, L, d_model]`; `positionBias` `[1, H, L, L]`, `mask` the additive
    /// float32 key-padding mask `[B, 1, 1, L]` (0 for tokens, float32's lowest finite value for padding).
    public func callAsFunction(_ x: Tensor, positionBias: Tensor, mask: Tensor, on backend: any Backend) throws -> Tensor {
        let query = try splitHeads(try q(x, on: backend), heads: heads, on: backend)  // [B, H, L, d_kv]
        let key = try splitHeads(try k(x, on: backend), heads: heads, on: backend)  // [B, H, L, d_kv]
        let value = try splitHeads(try v(x, on: backend), heads: heads, on: backend)  // [B, H, L, d_kv]
        // Backend.attention takes no additive bias, so the L×L scores are formed here (L ≤ 512).
        // They stay float32 up to the probabilities, which take the values' dtype, as in PyTorch's
        // SDPA kernels that transformers uses by default (its eager path rounds the bf16 scores).
        var scores = try backend.matmul(query, key, transposeA: false, transposeB: true, outputType: .float32)  // [B, H, L, L]
        scores = try backend.add(scores, positionBias)  // [B, H, L, L] f32
        scores = try backend.add(scores, mask)  // [B, H, L, L] f32
        let weights = try backend.cast(try backend.softmax(scores), to: value.dtype)  // [B, H, L, L]
        let context = try backend.matmul(weights, value)  // [B, H, L, d_kv]
        return try o(try mergeHeads(context, on: backend), on: backend)  // [B, L, d_model]
    }
}

/// UMT5's gated feed-forward layer (`layer.1.DenseReluDense`, `UMT5DenseGatedActDense`):
/// `wo(act(wi_0(x)) ⊙ wi_1(x))`, all bias-free; the activation is GELU's tanh approximation
/// (`gelu_new`) for `"gated-gelu"`.
///
/// Checkpoint keys: `wi_0.weight`, `wi_1.weight` `[d_ff, d_model]`, `wo.weight` `[d_model, d_ff]`.
public struct UMT5FeedForward: Sendable {
    /// The activated projection, the linear gate and the output layer.
    public let wi0: Linear, wi1: Linear, wo: Linear
    /// Applied to `wi_0`'s output.
    public let activation: UnaryOp

    /// Loads the three layers from `scope` (`...layer.1.DenseReluDense`).
    public init(scope: WeightScope, config: UMT5Encoder.Config, dtype: DType) throws {
        wi0 = try Linear(scope: scope["wi_0"], inFeatures: config.dModel, outFeatures: config.dFF, bias: false, dtype: dtype)
        wi1 = try Linear(scope: scope["wi_1"], inFeatures: config.dModel, outFeatures: config.dFF, bias: false, dtype: dtype)
        wo = try Linear(scope: scope["wo"], inFeatures: config.dFF, outFeatures: config.dModel, bias: false, dtype: dtype)
        activation = try config.activation()
    }

    /// `x [B, L, d_model] → [B, L, d_model]`.
    public func callAsFunction(_ x: Tensor, on backend: any Backend) throws -> Tensor {
        let gate = try backend.unary(activation, try wi0(x, on: backend))  // [B, L, d_ff]
        let hidden = try backend.mul(gate, try wi1(x, on: backend))  // [B, L, d_ff]
        return try wo(hidden, on: backend)  // [B, L, d_model]
    }
}

/// One encoder block (`encoder.block.{i}`): pre-norm self-attention and pre-norm feed-forward,
/// each added to the residual stream.
public struct UMT5Block: Sendable {
    /// `layer.0.layer_norm`.
    public let attentionNorm: T5LayerNorm
    /// `layer.0.SelfAttention`.
    public let attention: UMT5SelfAttention
    /// `layer.1.layer_norm`.
    public let feedForwardNorm: T5LayerNorm
    /// `layer.1.DenseReluDense`.
    public let feedForward: UMT5FeedForward

    /// Loads the block from `scope` (`encoder.block.{i}`).
    public init(scope: WeightScope, config: UMT5Encoder.Config, dtype: DType) throws {
        let eps = config.layerNormEpsilon
        attentionNorm = try T5LayerNorm(scope: scope["layer.0.layer_norm"], dimension: config.dModel, eps: eps, dtype: dtype)
        attention = try UMT5SelfAttention(scope: scope["layer.0.SelfAttention"], config: config, dtype: dtype)
        feedForwardNorm = try T5LayerNorm(scope: scope["layer.1.layer_norm"], dimension: config.dModel, eps: eps, dtype: dtype)
        feedForward = try UMT5FeedForward(scope: scope["layer.1.DenseReluDense"], config: config, dtype: dtype)
    }

    /// The residual stream after the attention sub-layer: `x + attention(norm(x))`, `[B, L, d_model]`.
    public func attentionSublayer(_ x: Tensor, positionBias: Tensor, mask: Tensor, on backend: any Backend) throws -> Tensor {
        let normed = try attentionNorm(x, on: backend)  // [B, L, d_model]
        return try backend.add(x, try attention(normed, positionBias: positionBias, mask: mask, on: backend))  // [B, L, d_model]
    }

    /// The residual stream after the feed-forward sub-layer: `x + ffn(norm(x))`, `[B, L, d_model]`.
    public func feedForwardSublayer(_ x: Tensor, on backend: any Backend) throws -> Tensor {
        try backend.add(x, try feedForward(try feedForwardNorm(x, on: backend), on: backend))  // [B, L, d_model]
    }
}
