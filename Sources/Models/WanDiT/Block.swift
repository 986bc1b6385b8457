import NN
import Tensor

/// diffusers' `WanTransformerBlock` (docs/wan-reference.md §1.6): modulated self-attention with a gated
/// residual, cross-attention on the text (and image) context with a plain residual, modulated
/// feed-forward with a gated residual.
///
/// Precision (docs/wan-reference.md §7.2): the residual stream `x` is in the model dtype; the norms and the
/// modulation run in float32 and are rounded to the model dtype before each linear; the gated
/// residuals are summed in float32 and rounded; the cross-attention residual is summed in the
/// model dtype. In float32 every cast below is free.
///
/// Checkpoint keys: `scale_shift_table` `[1, 6, D]` (float32-kept), `attn1.*`, `attn2.*`,
/// `norm2.{weight,bias}` `[D]` (float32-kept; only with `cross_attn_norm`), `ffn.net.0.proj`
/// `[ffn_dim, D]`, `ffn.net.2` `[D, ffn_dim]`.
struct WanBlock: Sendable {
    let scaleShiftTable: Tensor  // [1, 6, D] f32
    let attn1: WanAttention
    let attn2: WanAttention
    let norm2: LayerNorm?
    let ffn: FeedForward
    let eps: Float
    let dtype: DType

    init(scope: WeightScope, config: WanTransformer.Config, dtype: DType) throws {
        let d = config.innerDim
        scaleShiftTable = try scope.tensor("scale_shift_table", shape: [1, 6, d],
                                           dtype: parameterType(scope.key("scale_shift_table"), modelType: dtype))
        attn1 = try WanAttention(scope: scope["attn1"], config: config, imageKeys: false, dtype: dtype)
        attn2 = try WanAttention(scope: scope["attn2"], config: config, imageKeys: config.takesImage, dtype: dtype)
        norm2 = config.crossAttnNorm ? try loadLayerNorm(scope["norm2"], dimension: d, eps: config.eps, modelType: dtype) : nil
        let ffnScope = scope["ffn"]
        ffn = FeedForward(
            projection: try loadLinear(ffnScope["net.0.proj"], in: d, out: config.ffnDim, modelType: dtype),
            output: try loadLinear(ffnScope["net.2"], in: config.ffnDim, out: d, modelType: dtype), activation: .geluTanh)
        eps = config.eps
        self.dtype = dtype
    }

    /// One block: `x [B, N, D]` → `[B, N, D]`. `timestepProjection` is `[B, 6, D]`; `keyValues` the
    /// cross-attention keys and values of this block. Taps `blocks.{i}.attn1`, `.attn2`, `.ffn`.
    func callAsFunction(_ x: Tensor, timestepProjection: Tensor, rotary: RotaryTables, keyValues: CrossKeyValues,
                        taps: Taps?, name: String, on backend: any Backend) throws -> Tensor {
        // shift, scale, gate (self-attention), shift, scale, gate (feed-forward), in float32.
        let modulation = try backend.add(scaleShiftTable, timestepProjection)  // [B, 6, D] f32
        func chunk(_ i: Int) throws -> Tensor { try backend.slice(modulation, axis: 1, start: i, end: i + 1) }  // [B, 1, D]

        let attnInput = try modulate(x, shift: try chunk(0), scale: try chunk(1), on: backend)  // [B, N, D]
        let attnOutput = try attn1.selfAttention(attnInput, rotary: rotary, on: backend)  // [B, N, D]
        taps.record("\(name).attn1", attnOutput)
        var h = try gatedResidual(x, attnOutput, gate: try chunk(2), on: backend)  // [B, N, D]

        // FP32LayerNorm with float32 parameters; without cross_attn_norm the input passes unchanged.
        var crossInput = h  // [B, N, D]
        if let norm2 { crossInput = try backend.cast(try norm2(try backend.cast(h, to: .float32), on: backend), to: dtype) }
        let crossOutput = try attn2.crossAttention(crossInput, keyValues, on: backend)  // [B, N, D]
        taps.record("\(name).attn2", crossOutput)
        h = try backend.add(h, crossOutput)  // [B, N, D]

        let ffnInput = try modulate(h, shift: try chunk(3), scale: try chunk(4), on: backend)  // [B, N, D]
        let ffnOutput = try ffn(ffnInput, on: backend)  // [B, N, D]
        taps.record("\(name).ffn", ffnOutput)
        return try gatedResidual(h, ffnOutput, gate: try chunk(5), on: backend)  // [B, N, D]
    }

    /// The self-attention's modulated input `LN(x)·(1 + scale) + shift` `[B, N, D]`, as the block
    /// computes it: the signal step caching compares between calls.
    func modulatedInput(_ x: Tensor, timestepProjection: Tensor, on backend: any Backend) throws -> Tensor {
        let modulation = try backend.add(scaleShiftTable, timestepProjection)  // [B, 6, D] f32
        return try modulate(x, shift: try backend.slice(modulation, axis: 1, start: 0, end: 1),
                            scale: try backend.slice(modulation, axis: 1, start: 1, end: 2), on: backend)  // [B, N, D]
    }

    /// `LN(x)·(1 + scale) + shift` in float32 (non-affine LN), rounded to the model dtype.
    private func modulate(_ x: Tensor, shift: Tensor, scale: Tensor, on backend: any Backend) throws -> Tensor {
        try modulatedNorm(x, shift: shift, scale: scale, eps: eps, dtype: dtype, on: backend)
    }

    /// `x + y·gate` summed in float32, rounded to the model dtype.
    private func gatedResidual(_ x: Tensor, _ y: Tensor, gate: Tensor, on backend: any Backend) throws -> Tensor {
        try backend.gatedResidual(x, y, gate: gate, dtype: dtype)  // [B, N, D]
    }
}

/// `LN(float32(x))·(1 + scale) + shift` with a non-affine layer norm, computed in float32 and rounded
/// to `dtype`: the adaptive norm of the blocks and of the output head. `shift`/`scale` `[B, 1, D]` f32.
func modulatedNorm(_ x: Tensor, shift: Tensor, scale: Tensor, eps: Float, dtype: DType,
                   on backend: any Backend) throws -> Tensor {
    try backend.modulatedLayerNorm(x, shift: shift, scale: scale, eps: eps, dtype: dtype)  // [B, N, D]
}
