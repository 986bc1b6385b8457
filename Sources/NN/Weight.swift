import Tensor

/// A layer's weight matrix: a dense tensor, or GGML blocks (from a GGUF file) that are decoded
/// into a dense tensor of `computeType` for each call and dropped after it, so a quantised model
/// keeps about its file's bytes in memory plus one layer's dense weight while it runs.
public enum Weight: Sendable {
    /// A dense tensor, used as it is.
    case dense(Tensor)
    /// Blocks decoded per call into `computeType` (the dtype the layer would have loaded dense).
    case quantized(QuantizedMatrix, computeType: DType)

    /// The PyTorch shape.
    public var shape: [Int] {
        switch self {
        case .dense(let tensor): return tensor.shape
        case .quantized(let matrix, _): return matrix.shape
        }
    }

    /// The dtype the layer computes in.
    public var dtype: DType {
        switch self {
        case .dense(let tensor): return tensor.dtype
        case .quantized(_, let type): return type
        }
    }

    /// Bytes held in memory for the weight.
    public var residentBytes: Int {
        switch self {
        case .dense(let tensor): return tensor.byteCount
        case .quantized(let matrix, _): return matrix.byteCount
        }
    }

    /// The dense weight for one call on `backend`: the tensor itself, or the blocks decoded by the
    /// backend (``Backend/dequantize(_:to:)``). The decoded copy lives only as long as the caller keeps it.
    public func materialized(on backend: any Backend) throws -> Tensor {
        switch self {
        case .dense(let tensor): return tensor
        case .quantized(let matrix, let type): return try backend.dequantize(matrix, to: type)
        }
    }
}
