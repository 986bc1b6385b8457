import Tensor

extension CPUBackend {
    /// Rotary embedding as diffusers' Wan attention applies it: pairs `(x[2j], x[2j+1])` are rotated
    /// by the angle whose cosine is `cos[n, 2j]` and sine `sin[n, 2j+1]` (the tables repeat each
    /// angle twice, so either element of a pair would do; these are the ones diffusers reads).
    public func rotaryEmbedding(_ x: Tensor, cos: Tensor, sin: Tensor) throws -> Tensor {
        let op = "rotaryEmbedding"
        try requireHost(x, op: op)
        try requireHost(cos, op: op)
        try requireHost(sin, op: op)
        guard x.rank == 4 else {
            throw TensorError.shapeMismatch(op: op, detail: "x must be [B, N, H, D], got \(x.shape)")
        }
        let (tokens, heads, width) = (x.shape[1], x.shape[2], x.shape[3])
        guard width % 2 == 0 else {
            throw TensorError.invalidArgument(op: op, detail: "the head size \(width) must be even")
        }
        guard cos.shape == [tokens, width], sin.shape == [tokens, width] else {
            throw TensorError.shapeMismatch(
                op: op, detail: "cos \(cos.shape) and sin \(sin.shape) must both be [N, D] = \([tokens, width]) for x \(x.shape)")
        }
        let input = try cast(x, to: .float32)
        let cosines = try cast(cos, to: .float32), sines = try cast(sin, to: .float32)
        let out = try Tensor(allocating: x.shape, dtype: .float32, zeroed: false)
        let source = floatPointer(input), destination = floatPointer(out)
        let pc = floatPointer(cosines), ps = floatPointer(sines)
        let rows = x.count / max(width, 1)  // one row per (b, n, h)
        parallelFor(rows, grain: max(1, 8192 / max(width, 1))) { range in
            for row in range {
                let token = (row / heads) % tokens
                let xs = source + row * width, ys = destination + row * width  // [D]
                let c = pc + token * width, s = ps + token * width  // [D]
                for j in stride(from: 0, to: width, by: 2) {
                    let (even, odd) = (xs[j], xs[j + 1])
                    ys[j] = even * c[j] - odd * s[j + 1]
                    ys[j + 1] = even * s[j + 1] + odd * c[j]
                }
            }
        }
        return try cast(out, to: x.dtype)
    }
}
