import CKernels
import Tensor

extension CPUBackend {
    /// `matrix` decoded by the C kernels, its rows split over the thread team; equal to
    /// ``QuantizedMatrix/dequantized(as:)`` (the single-threaded path) value for value.
    public func dequantize(_ matrix: QuantizedMatrix, to dtype: DType) throws -> Tensor {
        let bf16 = dtype == .bfloat16
        let out = try Tensor(allocating: matrix.shape, dtype: bf16 ? .bfloat16 : .float32, zeroed: false)  // [rows, columns]
        guard let source = matrix.storage.hostPointer, let destination = out.storage.hostPointer else {
            preconditionFailure("QuantizedMatrix and its output live in host memory")
        }
        let (rowBytes, rowOut) = (matrix.rowBytes, matrix.columns * (bf16 ? 2 : 4))
        let blocksPerRow = matrix.columns / matrix.type.blockSize
        let type = Int32(matrix.type.rawValue)
        var failed = false
        // Rows of a few tens of thousands of values make each thread's share worth starting.
        parallelFor(matrix.rows, grain: max(1, 32_768 / max(matrix.columns, 1))) { rows in
            let status = zt_ggml_dequantize(type, source + rows.lowerBound * rowBytes, rows.count * blocksPerRow,
                                            destination + rows.lowerBound * rowOut, bf16 ? 1 : 0)
            if status != 0 { failed = true }
        }
        guard !failed else {
            throw TensorError.invalidArgument(op: "dequantize", detail: "the kernels cannot decode \(matrix.type.name)")
        }
        return dtype == .float16 ? try cast(out, to: .float16) : out
    }
}
