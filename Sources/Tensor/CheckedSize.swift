extension Tensor {
    /// The number of elements of `shape`, or nil when an axis is negative or the product does not fit
    /// in an `Int`. Shapes that come from a file or a user go through this (or ``init(allocating:dtype:zeroed:)``)
    /// rather than ``elementCount(_:)``, which traps on them.
    public static func checkedElementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for size in shape {
            guard size >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }

    /// The bytes `shape`'s elements of `dtype` take, or nil when an axis is negative or the size does
    /// not fit in an `Int`.
    public static func checkedByteCount(_ shape: [Int], dtype: DType) -> Int? {
        guard let count = checkedElementCount(shape) else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        return overflow ? nil : bytes
    }

    /// A host tensor of `shape`, zero-filled unless `zeroed` is false. Unlike ``init(zeros:dtype:)``
    /// it throws ``TensorError/allocationFailed(op:detail:)`` for a shape with a negative axis or more
    /// bytes than an `Int` counts, and when the memory cannot be had.
    public init(allocating shape: [Int], dtype: DType = .float32, zeroed: Bool = true) throws {
        guard let bytes = Tensor.checkedByteCount(shape, dtype: dtype) else {
            throw TensorError.allocationFailed(op: "Tensor", detail: "shape \(shape) of \(dtype.rawValue) has a negative axis or more elements than can be counted")
        }
        self.init(shape: shape, dtype: dtype, storage: try Storage(allocatingHostBytes: bytes, zeroed: zeroed))
    }
}
