/// Errors from tensor construction and from operations given tensors they cannot take.
/// Each reads as one plain sentence.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    /// An operation got a shape it cannot work with.
    case shapeMismatch(op: String, detail: String)
    /// An operation got a dtype it does not support.
    case unsupportedDType(op: String, dtype: DType)
    /// An argument was out of range (an axis, a size, a padding).
    case invalidArgument(op: String, detail: String)
    /// The tensor lives on a device this code cannot read directly.
    case wrongDevice(op: String, detail: String)
    /// A backend library failed (oneDNN, CUDA, ...).
    case backendFailure(op: String, detail: String)
    /// Memory for a tensor could not be had: a size that cannot be counted, or the allocator refused.
    case allocationFailed(op: String, detail: String)

    public var description: String {
        switch self {
        case .shapeMismatch(let op, let detail): return "\(op): shape mismatch: \(detail)"
        case .unsupportedDType(let op, let dtype): return "\(op): dtype \(dtype.rawValue) is not supported"
        case .invalidArgument(let op, let detail): return "\(op): \(detail)"
        case .wrongDevice(let op, let detail): return "\(op): \(detail)"
        case .backendFailure(let op, let detail): return "\(op): \(detail)"
        case .allocationFailed(let op, let detail): return "\(op): \(detail)"
        }
    }
}
