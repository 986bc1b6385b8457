/// Elementwise functions of one tensor. Computed in float32; the result keeps the input's dtype.
public enum UnaryOp: String, Sendable, CaseIterable {
    case neg, abs, exp, log, sqrt, rsqrt, tanh, sigmoid, square
    /// x·sigmoid(x).
    case silu
    /// The exact GELU, 0.5·x·(1 + erf(x/√2)).
    case gelu
    /// The tanh approximation, 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))).
    case geluTanh
}

/// Elementwise functions of two tensors with NumPy/PyTorch broadcasting. Computed in float32.
public enum BinaryOp: String, Sendable, CaseIterable {
    case add, sub, mul, div, maximum, minimum
}

/// Padding for a 3-D convolution, per axis (time, height, width), before and after.
/// A causal temporal convolution pads `2·p` frames in front and none behind.
public struct Padding3D: Sendable, Equatable {
    public var time: (before: Int, after: Int)
    public var height: (before: Int, after: Int)
    public var width: (before: Int, after: Int)

    public init(time: (Int, Int), height: (Int, Int), width: (Int, Int)) {
        self.time = time; self.height = height; self.width = width
    }

    /// The same padding on both sides of each axis.
    public static func symmetric(_ t: Int, _ h: Int, _ w: Int) -> Padding3D {
        Padding3D(time: (t, t), height: (h, h), width: (w, w))
    }

    /// Wan's causal padding for kernel padding `(t, h, w)`: `2t` frames in front, none behind.
    public static func causal(_ t: Int, _ h: Int, _ w: Int) -> Padding3D {
        Padding3D(time: (2 * t, 0), height: (h, h), width: (w, w))
    }

    public static func == (a: Padding3D, b: Padding3D) -> Bool {
        a.time == b.time && a.height == b.height && a.width == b.width
    }
}

/// The op set every backend implements. The CPU backend is the numerical reference: every other
/// backend is tested op by op against it. All tensors are contiguous and row-major; shapes follow
/// PyTorch. Inputs of bf16/f16 are computed in float32 and results rounded back to the input dtype
/// unless an op says otherwise. Shape and dtype errors throw ``TensorError``.
public protocol Backend: Sendable {
    /// A short name for messages ("cpu", "cuda:0").
    var name: String { get }

    // MARK: Data movement

    /// A copy of a tensor in this backend's memory (a no-op for tensors already there).
    func upload(_ x: Tensor) throws -> Tensor
    /// A host copy of a tensor that lives in this backend's memory.
    func download(_ x: Tensor) throws -> Tensor
    /// `x` converted to `dtype` (round to nearest even for bf16/f16).
    func cast(_ x: Tensor, to dtype: DType) throws -> Tensor

    // MARK: Linear algebra

    /// Batched matrix product `a [..., M, K] · b [..., K, N] → [..., M, N]` (transposes apply to the
    /// last two axes; leading axes broadcast). f32 accumulation; bf16 inputs give a bf16 result unless
    /// `outputType` says otherwise. Both inputs must share a dtype.
    func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool, outputType: DType?) throws -> Tensor
    /// `x [..., in] · weightᵀ + bias`, with weight in PyTorch's `[out, in]` layout. `x` is converted
    /// to the weight's dtype; the bias is added in float32 before rounding.
    func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor
    /// `activation(x · weightᵀ + bias)`. A backend may apply the activation to the float32 sum before
    /// the one rounding to the weight's dtype (the unfused default rounds between the two).
    func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, activation: UnaryOp?) throws -> Tensor
    /// A linear layer's `[out, in]` weight in the form this backend's ``linear(_:weight:bias:)``
    /// reads fastest (same shape and dtype), to keep in place of the weight for the layer's life; the
    /// default keeps the weight. Only `linear` may read the result (``download(_:)`` gives it back plain).
    func prepareLinearWeight(_ weight: Tensor) throws -> Tensor
    /// Scaled-dot-product attention, `softmax(q·kᵀ·scale)·v` per head, q `[B, H, Nq, D]`, k and v
    /// `[B, H, Nk, D]` (v may have its own last size). Never materialises the `Nq × Nk` score matrix.
    func attention(query: Tensor, key: Tensor, value: Tensor, scale: Float) throws -> Tensor

    // MARK: Convolution

    /// 3-D convolution: x `[B, Cin, T, H, W]`, weight `[Cout, Cin, kt, kh, kw]`, zero padding.
    func conv3d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: [Int], padding: Padding3D) throws -> Tensor
    /// 2-D convolution: x `[B, Cin, H, W]`, weight `[Cout, Cin, kh, kw]`, padding `[h, w]` each side.
    func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: [Int], padding: [Int]) throws -> Tensor

    // MARK: Normalisation and activations

    /// Layer norm over the last axis; weight and bias (`[C]`) are optional (no affine when nil).
    func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float) throws -> Tensor
    /// RMS norm over the last axis: `x · rsqrt(mean(x²) + eps) · weight`.
    func rmsNorm(_ x: Tensor, weight: Tensor?, eps: Float) throws -> Tensor
    /// RMS norm over the channel axis 1 of `x [B, C, ...]`: `x · rsqrt(Σ_c x²/C + eps) · gamma[c] (+ bias[c])`,
    /// then SiLU when `silu` (the Wan VAE's norm and activation in one pass). `gamma` and `bias` are `[C]`.
    func channelRMSNorm(_ x: Tensor, gamma: Tensor, bias: Tensor?, eps: Float, silu: Bool) throws -> Tensor
    /// Softmax over the last axis.
    func softmax(_ x: Tensor) throws -> Tensor
    /// An elementwise function.
    func unary(_ op: UnaryOp, _ x: Tensor) throws -> Tensor
    /// An elementwise function of two broadcast tensors. The result's dtype is the inputs' when they
    /// share one, float32 otherwise.
    func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws -> Tensor
    /// `x · scale + offset` elementwise.
    func affine(_ x: Tensor, scale: Float, offset: Float) throws -> Tensor
    /// Rotary position embedding on interleaved pairs: x `[B, N, H, D]`, cos and sin `[N, D]` (each
    /// angle repeated for elements 2j and 2j+1): `out[2j] = x[2j]·c − x[2j+1]·s`,
    /// `out[2j+1] = x[2j]·s + x[2j+1]·c`.
    func rotaryEmbedding(_ x: Tensor, cos: Tensor, sin: Tensor) throws -> Tensor

    // MARK: Fused transformer-block ops (each equals the composition its default spells out)

    /// `LN(x)·(1 + scale) + shift` over the last axis, a layer norm without affine parameters, in
    /// float32, rounded to `dtype`: x `[B, N, D]`, shift and scale `[B, 1, D]` float32.
    func modulatedLayerNorm(_ x: Tensor, shift: Tensor, scale: Tensor, eps: Float, dtype: DType) throws -> Tensor
    /// `x + y·gate` in float32, rounded to `dtype`: x and y `[B, N, D]`, gate `[B, 1, D]` float32.
    func gatedResidual(_ x: Tensor, _ y: Tensor, gate: Tensor, dtype: DType) throws -> Tensor
    /// The RMS norm of x `[B, N, D]` over D (rounded to x's dtype) and then, when `rotary` is given,
    /// the rotary embedding of each `headWidth` slice with tables `[N, headWidth]`: `[B, N, D]`.
    func rmsNormRotary(_ x: Tensor, weight: Tensor?, eps: Float, rotary: (cos: Tensor, sin: Tensor)?,
                       headWidth: Int) throws -> Tensor
    /// ``attention(query:key:value:scale:)`` on token-major tensors: q `[B, Nq, H, D]`, k and v
    /// `[B, Nk, H, D]` → `[B, Nq, H, D]`, so the heads need not be split out of `[B, N, H·D]` rows.
    func attention(tokenMajorQuery query: Tensor, key: Tensor, value: Tensor, scale: Float) throws -> Tensor
    /// The same with `keyBias` `[B, Nk]` float32 added to every scaled score of key j in batch item b
    /// before the softmax: `log n` lets one key and value row stand for n identical ones (a prompt's
    /// zero padding), −∞ masks a key out. Nil is the plain attention.
    func attention(tokenMajorQuery query: Tensor, key: Tensor, value: Tensor, scale: Float, keyBias: Tensor?) throws -> Tensor

    // MARK: Shape

    /// Axes reordered: `result.shape[i] = x.shape[axes[i]]`.
    func permute(_ x: Tensor, _ axes: [Int]) throws -> Tensor
    /// Tensors joined along `axis`; all other sizes must agree.
    func concat(_ tensors: [Tensor], axis: Int) throws -> Tensor
    /// Elements `start..<end` along `axis`.
    func slice(_ x: Tensor, axis: Int, start: Int, end: Int) throws -> Tensor
    /// Constant padding, `padding[i] = (before, after)` for axis i (one entry per axis).
    func pad(_ x: Tensor, _ padding: [(before: Int, after: Int)], value: Float) throws -> Tensor
    /// Nearest-neighbour upsampling of the trailing `factors.count` axes by integer factors.
    func upsampleNearest(_ x: Tensor, factors: [Int]) throws -> Tensor

    // MARK: Quantised weights

    /// `matrix` (GGML blocks in host memory) decoded into a dense `[rows, columns]` tensor of
    /// `dtype` in this backend's memory. The default decodes on the calling thread and uploads.
    func dequantize(_ matrix: QuantizedMatrix, to dtype: DType) throws -> Tensor
}

extension Backend {
    public func modulatedLayerNorm(_ x: Tensor, shift: Tensor, scale: Tensor, eps: Float, dtype: DType) throws -> Tensor {
        let normed = try layerNorm(try cast(x, to: .float32), weight: nil, bias: nil, eps: eps)  // [B, N, D] f32
        let scaled = try mul(normed, try affine(scale, scale: 1, offset: 1))  // [B, N, D] f32
        return try cast(try add(scaled, shift), to: dtype)  // [B, N, D]
    }

    public func gatedResidual(_ x: Tensor, _ y: Tensor, gate: Tensor, dtype: DType) throws -> Tensor {
        let gated = try mul(try cast(y, to: .float32), gate)  // [B, N, D] f32
        return try cast(try add(try cast(x, to: .float32), gated), to: dtype)  // [B, N, D]
    }

    public func rmsNormRotary(_ x: Tensor, weight: Tensor?, eps: Float, rotary: (cos: Tensor, sin: Tensor)?,
                              headWidth: Int) throws -> Tensor {
        let normed = try rmsNorm(x, weight: weight, eps: eps)  // [B, N, D]
        guard let rotary else { return normed }
        let (b, n, d) = (x.shape[0], x.shape[1], x.shape[2])
        let perHead = try normed.reshaped([b, n, d / headWidth, headWidth])  // [B, N, H, d]
        return try rotaryEmbedding(perHead, cos: rotary.cos, sin: rotary.sin).reshaped([b, n, d])  // [B, N, D]
    }

    public func attention(tokenMajorQuery query: Tensor, key: Tensor, value: Tensor, scale: Float) throws -> Tensor {
        let o = try attention(query: try permute(query, [0, 2, 1, 3]), key: try permute(key, [0, 2, 1, 3]),
                              value: try permute(value, [0, 2, 1, 3]), scale: scale)  // [B, H, Nq, D]
        return try permute(o, [0, 2, 1, 3])  // [B, Nq, H, D]
    }

    public func prepareLinearWeight(_ weight: Tensor) throws -> Tensor { weight }

    /// Materialises the `[B, H, Nq, Nk]` float32 scores: the fused backends replace it.
    public func attention(tokenMajorQuery query: Tensor, key: Tensor, value: Tensor, scale: Float,
                          keyBias: Tensor?) throws -> Tensor {
        guard let keyBias else { return try attention(tokenMajorQuery: query, key: key, value: value, scale: scale) }
        guard query.rank == 4, key.rank == 4, keyBias.shape == [key.shape[0], key.shape[1]] else {
            throw TensorError.shapeMismatch(op: "attention", detail: "key bias \(keyBias.shape) must be [B, Nk] of key \(key.shape)")
        }
        func headMajor(_ t: Tensor) throws -> Tensor { try cast(try permute(t, [0, 2, 1, 3]), to: .float32) }
        let q = try headMajor(query), k = try headMajor(key), v = try headMajor(value)  // [B, H, N, D] f32
        let scores = try affine(try matmul(q, k, transposeA: false, transposeB: true, outputType: .float32),
                                scale: scale, offset: 0)  // [B, H, Nq, Nk]
        let bias = try cast(keyBias, to: .float32).reshaped([keyBias.shape[0], 1, 1, keyBias.shape[1]])
        let p = try softmax(try add(scores, bias))  // [B, H, Nq, Nk]
        let o = try matmul(p, v)  // [B, H, Nq, D]
        return try cast(try permute(o, [0, 2, 1, 3]), to: query.dtype)  // [B, Nq, H, D]
    }

    public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, activation: UnaryOp?) throws -> Tensor {
        let y = try linear(x, weight: weight, bias: bias)
        return try activation.map { try unary($0, y) } ?? y
    }

    public func dequantize(_ matrix: QuantizedMatrix, to dtype: DType) throws -> Tensor {
        try upload(try matrix.dequantized(as: dtype))
    }
}

// MARK: - Conveniences

extension Backend {
    public func matmul(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try matmul(a, b, transposeA: false, transposeB: false, outputType: nil)
    }
    public func add(_ a: Tensor, _ b: Tensor) throws -> Tensor { try binary(.add, a, b) }
    public func sub(_ a: Tensor, _ b: Tensor) throws -> Tensor { try binary(.sub, a, b) }
    public func mul(_ a: Tensor, _ b: Tensor) throws -> Tensor { try binary(.mul, a, b) }
    public func div(_ a: Tensor, _ b: Tensor) throws -> Tensor { try binary(.div, a, b) }
    public func silu(_ x: Tensor) throws -> Tensor { try unary(.silu, x) }
    public func gelu(_ x: Tensor, approximateTanh: Bool = false) throws -> Tensor {
        try unary(approximateTanh ? .geluTanh : .gelu, x)
    }
}

// MARK: - Defaults a backend may replace with a fused kernel

extension Backend {
    /// Channels last, the last-axis RMS norm, channels first again.
    public func channelRMSNorm(_ x: Tensor, gamma: Tensor, bias: Tensor?, eps: Float, silu: Bool) throws -> Tensor {
        let rank = x.rank
        let toLast = [0] + Array(2..<rank) + [1], toFirst = [0, rank - 1] + Array(1..<(rank - 1))
        var y = try rmsNorm(try permute(x, toLast), weight: gamma, eps: eps)  // [B, ..., C]
        if let bias { y = try binary(.add, y, bias) }  // [B, ..., C]
        y = try permute(y, toFirst)  // [B, C, ...]
        return silu ? try unary(.silu, y) : y
    }
}
