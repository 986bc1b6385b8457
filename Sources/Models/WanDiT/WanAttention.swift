import NN
import Tensor

/// The rotary tables of one token grid: cos and sin `[N, head_dim]`, float32.
struct RotaryTables: Sendable {
    let cos: Tensor
    let sin: Tensor
}

/// The cross-attention keys and values of one block, token-major: text `[B, L, H, d]` and, for I2V,
/// image `[B, M, H, d]`, with the text keys' bias `[B, L]` when the prompt's padding is folded
/// (``FoldedTextPadding``). They depend only on the context, so they can be kept across steps.
struct CrossKeyValues: Sendable {
    let key: Tensor
    let value: Tensor
    let keyBias: Tensor?
    let imageKey: Tensor?
    let imageValue: Tensor?
}

/// diffusers' `WanAttention` run by `WanAttnProcessor` (docs/wan-reference.md §1.5): q/k/v/out
/// projections, an RMS norm of q and k over the full width (all heads together), rotary embedding
/// in self-attention, plain scaled-dot-product attention with scale `1/√d`, and for I2V a second
/// attention of the same queries over the image keys and values, summed before `to_out`.
///
/// Checkpoint keys: `to_q`, `to_k`, `to_v`, `to_out.0` `[D, D]` + bias; `norm_q.weight`,
/// `norm_k.weight` `[D]`; I2V cross-attention also `add_k_proj`, `add_v_proj`, `norm_added_k.weight`.
struct WanAttention: Sendable {
    let toQ: Linear
    let toK: Linear
    let toV: Linear
    let toOut: Linear
    let normQ: RMSNorm
    let normK: RMSNorm
    let addKProj: Linear?
    let addVProj: Linear?
    let normAddedK: RMSNorm?
    let heads: Int

    init(scope: WeightScope, config: WanTransformer.Config, imageKeys: Bool, dtype: DType) throws {
        let d = config.innerDim
        func rms(_ name: String) throws -> RMSNorm {
            try RMSNorm(scope: scope[name], dimension: d, eps: config.eps,
                        dtype: parameterType(scope.key("\(name).weight"), modelType: dtype))
        }
        toQ = try loadLinear(scope["to_q"], in: d, out: d, modelType: dtype)
        toK = try loadLinear(scope["to_k"], in: d, out: d, modelType: dtype)
        toV = try loadLinear(scope["to_v"], in: d, out: d, modelType: dtype)
        toOut = try loadLinear(scope["to_out.0"], in: d, out: d, modelType: dtype)
        normQ = try rms("norm_q")
        normK = try rms("norm_k")
        let added = imageKeys ? config.addedKVProjDim : nil
        addKProj = try added.map { try loadLinear(scope["add_k_proj"], in: $0, out: d, modelType: dtype) }
        addVProj = try added.map { try loadLinear(scope["add_v_proj"], in: $0, out: d, modelType: dtype) }
        normAddedK = imageKeys ? try rms("norm_added_k") : nil
        heads = config.numAttentionHeads
    }

    /// Self-attention over `x [B, N, D]` with the rotary tables of its grid → `[B, N, D]`. The heads
    /// stay where the projections put them (`[B, N, H, d]`): the norm and rotary embedding run in one
    /// pass over q and k, and attention reads and writes token-major rows.
    func selfAttention(_ x: Tensor, rotary: RotaryTables, on backend: any Backend) throws -> Tensor {
        let (b, n, d) = (x.shape[0], x.shape[1], x.shape[2])
        let tables = (cos: rotary.cos, sin: rotary.sin)
        // RMS norm, rounded to the activations' dtype, then RoPE in float32 against the float32 tables.
        let q = try backend.rmsNormRotary(try toQ(x, on: backend), weight: normQ.weight, eps: normQ.eps,
                                          rotary: tables, headWidth: d / heads)  // [B, N, D]
        let k = try backend.rmsNormRotary(try toK(x, on: backend), weight: normK.weight, eps: normK.eps,
                                          rotary: tables, headWidth: d / heads)  // [B, N, D]
        let v = try toV(x, on: backend)  // [B, N, D]
        let o = try backend.attention(tokenMajorQuery: try perHead(q), key: try perHead(k), value: try perHead(v),
                                      scale: scale(d))  // [B, N, H, d]
        return try toOut(try o.reshaped([b, n, d]), on: backend)  // [B, N, D]
    }

    /// The keys and values of the projected text `[B, L, D]` (whose keys take `textBias` `[B, L]`, or
    /// none) and, for I2V, image tokens `[B, M, D]`, token-major (`[B, L, H, d]`).
    func keyValues(text: Tensor, textBias: Tensor?, image: Tensor?, on backend: any Backend) throws -> CrossKeyValues {
        let key = try normK(try toK(text, on: backend), on: backend)  // [B, L, D]
        let value = try toV(text, on: backend)  // [B, L, D]
        var imageKey: Tensor?, imageValue: Tensor?
        if let addKProj, let addVProj, let normAddedK {
            guard let image else {
                throw WanTransformerError.invalidInput("this image-to-video model needs an image context")
            }
            imageKey = try perHead(try normAddedK(try addKProj(image, on: backend), on: backend))  // [B, M, H, d]
            imageValue = try perHead(try addVProj(image, on: backend))  // [B, M, H, d]
        }
        return CrossKeyValues(key: try perHead(key), value: try perHead(value), keyBias: textBias,  // [B, L, H, d]
                              imageKey: imageKey, imageValue: imageValue)
    }

    /// Cross-attention of `x [B, N, D]` over precomputed keys and values → `[B, N, D]`.
    func crossAttention(_ x: Tensor, _ kv: CrossKeyValues, on backend: any Backend) throws -> Tensor {
        let (b, n, d) = (x.shape[0], x.shape[1], x.shape[2])
        let q = try perHead(try backend.rmsNormRotary(try toQ(x, on: backend), weight: normQ.weight, eps: normQ.eps,
                                                      rotary: nil, headWidth: d / heads))  // [B, N, H, d]
        var o = try backend.attention(tokenMajorQuery: q, key: kv.key, value: kv.value, scale: scale(d),
                                      keyBias: kv.keyBias)  // [B, N, H, d]
        if let imageKey = kv.imageKey, let imageValue = kv.imageValue {
            let image = try backend.attention(tokenMajorQuery: q, key: imageKey, value: imageValue, scale: scale(d))  // [B, N, H, d]
            o = try backend.add(o, image)  // [B, N, H, d]
        }
        return try toOut(try o.reshaped([b, n, d]), on: backend)  // [B, N, D]
    }

    /// `[B, N, H·d]` viewed as `[B, N, H, d]` (no copy).
    private func perHead(_ x: Tensor) throws -> Tensor {
        try x.reshaped([x.shape[0], x.shape[1], heads, x.shape[2] / heads])
    }

    /// SDPA's default scale, `1/√head_dim` (PyTorch computes it in double).
    private func scale(_ width: Int) -> Float { Float(1 / Double(width / heads).squareRoot()) }
}
