import CKernels
import Tensor

// The transformer block's row ops in one pass each (CKernels/fused.c): every activation is read and
// written once, where the composed ops cast, compute and cast back through float32 temporaries.

extension CPUBackend {
    public func modulatedLayerNorm(_ x: Tensor, shift: Tensor, scale: Tensor, eps: Float, dtype: DType) throws -> Tensor {
        let op = "modulatedLayerNorm"
        let (rows, width, perBatch) = try blockRows(x, op: op)
        let shift = try modulation(shift, for: x, op: op), scale = try modulation(scale, for: x, op: op)
        let x = try rowOperand(x), out = try Tensor(allocating: x.shape, dtype: rowType(dtype), zeroed: false)
        parallelFor(rows, grain: max(1, 8192 / max(width, 1))) { range in
            withScratch(width) { scratch in
                zt_modulated_layer_norm(x.storage.hostPointer!, isBF16(x), range.lowerBound, range.count, width, perBatch,
                                        floatPointer(shift), floatPointer(scale), 1, eps,
                                        out.storage.hostPointer!, isBF16(out), scratch)
            }
        }
        return try cast(out, to: dtype)
    }

    public func gatedResidual(_ x: Tensor, _ y: Tensor, gate: Tensor, dtype: DType) throws -> Tensor {
        let op = "gatedResidual"
        let (rows, width, perBatch) = try blockRows(x, op: op)
        guard y.shape == x.shape else {
            throw TensorError.shapeMismatch(op: op, detail: "x \(x.shape) and y \(y.shape) differ")
        }
        try requireHost(y, op: op)
        let gate = try modulation(gate, for: x, op: op)
        let x = try rowOperand(x), y = try rowOperand(y)
        let out = try Tensor(allocating: x.shape, dtype: rowType(dtype), zeroed: false)
        parallelFor(rows, grain: max(1, 8192 / max(width, 1))) { range in
            withScratch(2 * width) { scratch in
                zt_gated_residual(x.storage.hostPointer!, isBF16(x), y.storage.hostPointer!, isBF16(y), floatPointer(gate),
                                  range.lowerBound, range.count, width, perBatch,
                                  out.storage.hostPointer!, isBF16(out), scratch)
            }
        }
        return try cast(out, to: dtype)
    }

    public func rmsNormRotary(_ x: Tensor, weight: Tensor?, eps: Float, rotary: (cos: Tensor, sin: Tensor)?,
                              headWidth: Int) throws -> Tensor {
        let op = "rmsNormRotary"
        let (rows, width, tokens) = try blockRows(x, op: op)
        guard headWidth > 0, headWidth % 2 == 0, width % headWidth == 0 else {
            throw TensorError.invalidArgument(op: op, detail: "head width \(headWidth) must be even and divide \(width)")
        }
        let weight = try weight.map { w throws -> Tensor in
            try requireHost(w, op: op)
            guard w.shape == [width] else {
                throw TensorError.shapeMismatch(op: op, detail: "weight \(w.shape) does not fit width \(width)")
            }
            return try cast(w, to: .float32)
        }
        let tables = try rotary.map { table throws -> (Tensor, Tensor) in
            try requireHost(table.cos, op: op)
            try requireHost(table.sin, op: op)
            guard table.cos.shape == [tokens, headWidth], table.sin.shape == [tokens, headWidth] else {
                throw TensorError.shapeMismatch(
                    op: op, detail: "cos \(table.cos.shape) and sin \(table.sin.shape) must be [N, d] = \([tokens, headWidth])")
            }
            return (try cast(table.cos, to: .float32), try cast(table.sin, to: .float32))
        }
        let input = try rowOperand(x)
        let out = try Tensor(allocating: x.shape, dtype: rowType(x.dtype), zeroed: false)
        parallelFor(rows, grain: max(1, 8192 / max(width, 1))) { range in
            withScratch(width) { scratch in
                zt_rms_norm_rotary(input.storage.hostPointer!, isBF16(input), range.lowerBound, range.count, width,
                                   weight.map(floatPointer), eps, tokens, headWidth,
                                   tables.map { floatPointer($0.0) }, tables.map { floatPointer($0.1) },
                                   out.storage.hostPointer!, isBF16(out), scratch)
            }
        }
        return try cast(out, to: x.dtype)
    }

    /// Rows, width and tokens per batch item of a `[B, N, D]` host tensor.
    private func blockRows(_ x: Tensor, op: String) throws -> (rows: Int, width: Int, perBatch: Int) {
        try requireHost(x, op: op)
        guard x.rank == 3 else {
            throw TensorError.shapeMismatch(op: op, detail: "x must be [B, N, D], got \(x.shape)")
        }
        return (x.shape[0] * x.shape[1], x.shape[2], max(x.shape[1], 1))
    }

    /// A `[B, 1, D]` (or batch-broadcast `[1, 1, D]`) modulation vector of `x [B, N, D]`, as a
    /// float32 `[B, 1, D]`.
    private func modulation(_ m: Tensor, for x: Tensor, op: String) throws -> Tensor {
        try requireHost(m, op: op)
        let batch = x.shape[0]
        guard m.rank == 3, m.shape[0] == batch || m.shape[0] == 1, m.shape[1] == 1, m.shape[2] == x.shape[2] else {
            throw TensorError.shapeMismatch(op: op, detail: "\(m.shape) must be [B, 1, D] = \([batch, 1, x.shape[2]])")
        }
        let widened = try cast(m, to: .float32)
        return m.shape[0] == batch ? widened : try concat([Tensor](repeating: widened, count: batch), axis: 0)
    }

}

/// The kernels read float32 or bfloat16; float16 goes through float32.
func rowOperand(_ x: Tensor) throws -> Tensor { x.dtype == .float16 ? try CPUBackend().cast(x, to: .float32) : x }
func rowType(_ dtype: DType) -> DType { dtype == .float16 ? .float32 : dtype }

@inline(__always)
func isBF16(_ x: Tensor) -> Int32 { x.dtype == .bfloat16 ? 1 : 0 }

/// Runs `body` with `count` floats of thread-local scratch.
@inline(__always)
func withScratch(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) {
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    defer { scratch.deallocate() }
    body(scratch)
}
