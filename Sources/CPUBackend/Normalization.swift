#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CKernels
import Tensor

// Reductions over the last axis: layer norm, RMS norm, softmax. One row per loop iteration, rows
// spread over the threads; float32 throughout, results rounded back to the input's dtype.

extension CPUBackend {
    /// One pass per row over float32 or bfloat16 input (CKernels' modulated layer norm with the
    /// affine weight as its scale and the bias as its shift), rounded once to the input's dtype.
    public func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float) throws -> Tensor {
        let op = "layerNorm"
        let width = try rowWidth(x, op: op)
        let scale = try rowParameter(weight, width: width, name: "weight", op: op)
        let shift = try rowParameter(bias, width: width, name: "bias", op: op)
        let input = try rowOperand(x)
        let out = try Tensor(allocating: x.shape, dtype: rowType(x.dtype), zeroed: false)
        guard width > 0 else { return try cast(out, to: x.dtype) }
        let rows = x.count / width
        // Two passes over values shifted by the row's first element: x − pivot is exact for values
        // near the pivot, and the mean is never rounded to the row's (possibly large) scale. The
        // variance is the biased one, like PyTorch's.
        parallelFor(rows, grain: max(1, 8192 / width)) { range in
            withScratch(width) { scratch in
                zt_modulated_layer_norm(input.storage.hostPointer!, isBF16(input), range.lowerBound, range.count, width,
                                        max(rows, 1), shift.map(floatPointer), scale.map(floatPointer), 0, eps,
                                        out.storage.hostPointer!, isBF16(out), scratch)
            }
        }
        return try cast(out, to: x.dtype)
    }

    /// One pass per row over float32 or bfloat16 input, rounded once to the input's dtype.
    public func rmsNorm(_ x: Tensor, weight: Tensor?, eps: Float) throws -> Tensor {
        let op = "rmsNorm"
        let width = try rowWidth(x, op: op)
        let scale = try rowParameter(weight, width: width, name: "weight", op: op)
        let input = try rowOperand(x)
        let out = try Tensor(allocating: x.shape, dtype: rowType(x.dtype), zeroed: false)
        guard width > 0 else { return try cast(out, to: x.dtype) }
        parallelFor(x.count / width, grain: max(1, 8192 / width)) { range in
            withScratch(width) { scratch in
                zt_rms_norm_rotary(input.storage.hostPointer!, isBF16(input), range.lowerBound, range.count, width,
                                   scale.map(floatPointer), eps, 1, width, nil, nil,
                                   out.storage.hostPointer!, isBF16(out), scratch)
            }
        }
        return try cast(out, to: x.dtype)
    }

    public func softmax(_ x: Tensor) throws -> Tensor {
        let width = try rowWidth(x, op: "softmax")
        let input = try cast(x, to: .float32)
        let out = try Tensor(allocating: x.shape, dtype: .float32, zeroed: false)
        let source = floatPointer(input), destination = floatPointer(out)
        forEachRow(count: x.count, width: width) { row in
            let xs = source + row * width, ys = destination + row * width
            let largest = rowMaximum(xs, width)  // subtracted so exp cannot overflow
            var sum: Float = 0
            for i in 0..<width {
                let e = expf(xs[i] - largest)
                ys[i] = e
                sum += e
            }
            let inverse = 1 / sum
            for i in 0..<width { ys[i] *= inverse }
        }
        return try cast(out, to: x.dtype)
    }

    /// The size of the last axis, after checking that `x` has one and lives on the host.
    private func rowWidth(_ x: Tensor, op: String) throws -> Int {
        try requireHost(x, op: op)
        guard let width = x.shape.last else {
            throw TensorError.invalidArgument(op: op, detail: "needs a tensor with at least one axis, got a scalar")
        }
        return width
    }

    /// A per-channel parameter as a float32 tensor, checked to have shape `[width]`.
    private func rowParameter(_ p: Tensor?, width: Int, name: String, op: String) throws -> Tensor? {
        guard let p else { return nil }
        try requireHost(p, op: op)
        guard p.shape == [width] else {
            throw TensorError.shapeMismatch(
                op: op, detail: "\(name) has shape \(p.shape) but the last axis of the input has size \(width)")
        }
        return try cast(p, to: .float32)
    }
}

/// Runs `body` for every row of `width` elements, rows spread over the threads.
private func forEachRow(count: Int, width: Int, _ body: (Int) -> Void) {
    guard width > 0 else { return }
    parallelFor(count / width, grain: max(1, 8192 / width)) { range in
        for row in range { body(row) }
    }
}

/// The largest of `n ≥ 1` floats (NaN-propagating like PyTorch's max is not needed: a NaN input
/// makes every output of the row NaN through `exp` anyway).
private func rowMaximum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var largest = -Float.infinity
    for i in 0..<n where x[i] > largest { largest = x[i] }
    return largest
}
