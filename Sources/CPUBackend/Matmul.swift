import Tensor

extension CPUBackend {
    public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool,
                       outputType: DType?) throws -> Tensor {
        try requireHost(a, op: "matmul")
        try requireHost(b, op: "matmul")
        guard a.rank >= 2, b.rank >= 2 else {
            throw TensorError.shapeMismatch(op: "matmul", detail: "operands need at least 2 axes, got \(a.shape) and \(b.shape)")
        }
        guard a.dtype == b.dtype else {
            throw TensorError.invalidArgument(op: "matmul", detail: "operands differ in dtype (\(a.dtype.rawValue) and \(b.dtype.rawValue))")
        }
        let (m, k) = transposeA ? (a.shape[a.rank - 1], a.shape[a.rank - 2]) : (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (kb, n) = transposeB ? (b.shape[b.rank - 1], b.shape[b.rank - 2]) : (b.shape[b.rank - 2], b.shape[b.rank - 1])
        guard k == kb else {
            throw TensorError.shapeMismatch(op: "matmul", detail: "inner sizes differ: \(a.shape) x \(b.shape) (transposeA \(transposeA), transposeB \(transposeB))")
        }
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = try broadcastShape(batchA, batchB, op: "matmul")
        let rank = batch.count + 2
        let outType = outputType ?? a.dtype
        if k == 0 || batch.contains(0) || m == 0 || n == 0 { return try Tensor(allocating: batch + [m, n], dtype: outType) }
        let out = try Tensor(allocating: batch + [m, n], dtype: outType, zeroed: false)

        let srcLayout = operandLayout(a.shape, rank: rank, transposed: transposeA, dtype: a.dtype)
        let weightsLayout = operandLayout(b.shape, rank: rank, transposed: transposeB, dtype: b.dtype)
        try gemm(src: srcLayout, a.storage.hostPointer!, weights: weightsLayout, b.storage.hostPointer!,
                 bias: nil, nil, dst: .contiguous(out.shape, outType), out.storage.hostPointer!, op: "matmul")
        return out
    }

    public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        try linear(x, weight: weight, bias: bias, activation: nil)
    }

    /// The activation runs as oneDNN's post-op on the float32 sum, before the one rounding to the
    /// weight's dtype; activations oneDNN has no post-op for run as a separate pass.
    public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, activation: UnaryOp?) throws -> Tensor {
        let fused: MatmulActivation?
        switch activation {
        case nil: fused = nil
        case .geluTanh: fused = .geluTanh
        case .gelu: fused = .geluErf
        case .silu: fused = .silu
        case let other?: return try unary(other, try linear(x, weight: weight, bias: bias, activation: nil))
        }
        try requireHost(x, op: "linear")
        let packed = weight.packedWeights
        if packed == nil { try requireHost(weight, op: "linear") }
        if let packed, weight.shape != [packed.outFeatures, packed.inFeatures] || weight.dtype != packed.dtype {
            throw TensorError.shapeMismatch(op: "linear", detail: "a packed [\(packed.outFeatures), \(packed.inFeatures)] weight viewed as \(weight.shape) \(weight.dtype.rawValue)")
        }
        guard weight.rank == 2, x.rank >= 1, x.shape[x.rank - 1] == weight.shape[1] else {
            throw TensorError.shapeMismatch(op: "linear", detail: "input \(x.shape) does not fit weight \(weight.shape) ([out, in])")
        }
        let outFeatures = weight.shape[0], inFeatures = weight.shape[1]
        if let bias, bias.shape != [outFeatures] {
            throw TensorError.shapeMismatch(op: "linear", detail: "bias \(bias.shape) does not fit weight \(weight.shape)")
        }
        let input = try cast(x, to: weight.dtype)
        let rows = inFeatures == 0 ? 0 : input.count / inFeatures
        if rows == 0 || outFeatures == 0 || inFeatures == 0 {
            let empty = try Tensor(allocating: Array(x.shape.dropLast()) + [outFeatures], dtype: weight.dtype)
            let summed = try bias.map { try cast(try binary(.add, empty, $0), to: weight.dtype) } ?? empty
            return try activation.map { try unary($0, summed) } ?? summed
        }
        let out = try Tensor(allocating: Array(x.shape.dropLast()) + [outFeatures], dtype: weight.dtype, zeroed: false)
        let biasF32 = try bias.map { try cast($0, to: .float32) }
        // weight [out, in] read as the [in, out] operand through strides: no copy.
        let weightsLayout = MatrixLayout(dims: [inFeatures, outFeatures], strides: [1, inFeatures], dtype: weight.dtype)
        let srcLayout = MatrixLayout.contiguous([rows, inFeatures], weight.dtype)
        let biasLayout = biasF32.map { _ in MatrixLayout.contiguous([1, outFeatures], .float32) }
        let dstLayout = MatrixLayout.contiguous([rows, outFeatures], weight.dtype)
        if let packed {
            do {
                try DNNL.shared.matmul(src: srcLayout, input.storage.hostPointer!, weights: weightsLayout, packed.pointer,
                                       bias: biasLayout, biasF32?.storage.hostPointer, dst: dstLayout, out.storage.hostPointer!,
                                       activation: fused, packedWeights: packed.descriptor)
                return out
            } catch .failed(let message) {
                throw TensorError.backendFailure(op: "linear", detail: message)
            } catch {
                // This call's primitive reads another layout (or none exists): the plain weight, unpacked for it.
                return try linear(x, weight: try unpacked(packed), bias: bias, activation: activation)
            }
        }
        try gemm(src: srcLayout, input.storage.hostPointer!, weights: weightsLayout, weight.storage.hostPointer!,
                 bias: biasLayout, biasF32?.storage.hostPointer, dst: dstLayout, out.storage.hostPointer!,
                 activation: fused, op: "linear")
        return out
    }
}

/// Runs one GEMM through oneDNN; where oneDNN has no kernel for a reduced-precision type on this CPU
/// (f16 on most x86, bf16 before AVX-512), the operands are widened to float32 and the result rounded.
func gemm(src: MatrixLayout, _ srcData: UnsafeRawPointer, weights: MatrixLayout, _ weightsData: UnsafeRawPointer,
          bias: MatrixLayout?, _ biasData: UnsafeRawPointer?,
          dst: MatrixLayout, _ dstData: UnsafeMutableRawPointer, accumulate: Bool = false,
          activation: MatmulActivation? = nil, op: String) throws {
    do {
        try DNNL.shared.matmul(src: src, srcData, weights: weights, weightsData, bias: bias, biasData,
                               dst: dst, dstData, accumulate: accumulate, activation: activation)
    } catch .unimplemented where (src.dtype != .float32 || dst.dtype != .float32) && !accumulate {
        let srcF32 = widenedCopy(src, srcData), weightsF32 = widenedCopy(weights, weightsData)
        let dstF32 = Tensor(zeros: dst.dims, dtype: .float32)
        try gemm(src: srcF32.layout, srcF32.tensor.storage.hostPointer!,
                 weights: weightsF32.layout, weightsF32.tensor.storage.hostPointer!,
                 bias: bias, biasData, dst: .contiguous(dst.dims, .float32), dstF32.storage.hostPointer!,
                 activation: activation, op: op)
        // dst is contiguous in every caller.
        convertElements(from: dstF32.storage.hostPointer!, .float32, to: dstData, dst.dtype,
                        range: 0..<dstF32.count)
    } catch .unimplemented {
        throw TensorError.backendFailure(op: op, detail: "oneDNN has no float32 matmul for dims \(src.dims) x \(weights.dims)")
    } catch .failed(let message) {
        throw TensorError.backendFailure(op: op, detail: message)
    } catch .layoutMismatch {
        throw TensorError.backendFailure(op: op, detail: "oneDNN's matmul reads another weights layout")
    }
}

/// A float32 copy of a strided operand's whole underlying buffer, keeping its strides.
private func widenedCopy(_ layout: MatrixLayout, _ data: UnsafeRawPointer) -> (tensor: Tensor, layout: MatrixLayout) {
    // Elements spanned by the layout: 1 + Σ (dim-1)·stride.
    let span = 1 + zip(layout.dims, layout.strides).reduce(0) { $0 + max($1.0 - 1, 0) * $1.1 }
    let copy = Tensor(zeros: [span], dtype: .float32)
    convertElements(from: UnsafeMutableRawPointer(mutating: data), layout.dtype,
                    to: copy.storage.hostPointer!, .float32, range: 0..<span)
    return (copy, MatrixLayout(dims: layout.dims, strides: layout.strides, dtype: .float32))
}

/// The layout of a contiguous tensor `shape` read as logical `[batch..., rows, cols]` of `rank` axes,
/// transposed or not; missing leading batch axes are size 1 (oneDNN broadcasts them).
private func operandLayout(_ shape: [Int], rank: Int, transposed: Bool, dtype: DType) -> MatrixLayout {
    let padded = [Int](repeating: 1, count: rank - shape.count) + shape
    var strides = Tensor.strides(of: padded)
    var dims = padded
    if transposed {
        dims.swapAt(rank - 1, rank - 2)
        strides.swapAt(rank - 1, rank - 2)
    }
    return MatrixLayout(dims: dims, strides: strides, dtype: dtype)
}
