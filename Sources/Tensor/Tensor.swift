/// A dense, contiguous, row-major n-dimensional array. Tensors are values: operations return new
/// tensors and never write into their inputs. The shape is PyTorch's (`[B, C, T, H, W]` etc.).
public struct Tensor: Sendable {
    /// Sizes of each axis, outermost first.
    public let shape: [Int]
    /// Element type.
    public let dtype: DType
    /// The bytes.
    public let storage: Storage

    /// Wraps existing storage, which must hold at least `shape`'s elements of `dtype`.
    public init(shape: [Int], dtype: DType, storage: Storage) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative axis size in \(shape)")
        precondition((Tensor.checkedByteCount(shape, dtype: dtype) ?? .max) <= storage.byteCount,
                     "storage of \(storage.byteCount) bytes is too small for \(shape) \(dtype)")
        self.shape = shape
        self.dtype = dtype
        self.storage = storage
    }

    /// A zero-filled host tensor. Traps on a shape whose size cannot be counted or had; a throwing
    /// caller uses ``init(allocating:dtype:zeroed:)``.
    public init(zeros shape: [Int], dtype: DType = .float32) {
        self.init(shape: shape, dtype: dtype, storage: Storage(hostByteCount: Tensor.byteCount(shape, dtype), zeroed: true))
    }

    /// A host tensor whose contents are unspecified, for outputs an operation writes in full.
    public init(uninitialized shape: [Int], dtype: DType = .float32) {
        self.init(shape: shape, dtype: dtype, storage: Storage(hostByteCount: Tensor.byteCount(shape, dtype), zeroed: false))
    }

    /// The bytes of `shape`, trapping with the shape in the message when they cannot be counted.
    private static func byteCount(_ shape: [Int], _ dtype: DType) -> Int {
        guard let bytes = checkedByteCount(shape, dtype: dtype) else {
            preconditionFailure("the size of \(shape) \(dtype.rawValue) has a negative axis or overflows")
        }
        return bytes
    }

    /// A host tensor holding `values` (rounded to `dtype`). `values.count` must equal the shape's size.
    public init(_ values: [Float], shape: [Int], dtype: DType = .float32) throws {
        guard Tensor.checkedElementCount(shape) == values.count else {
            throw TensorError.shapeMismatch(
                op: "Tensor.init", detail: "\(values.count) values do not fill shape \(shape)")
        }
        try self.init(allocating: shape, dtype: dtype)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { writeFloats(from: base, count: values.count, to: self) }
        }
    }

    /// A host float32 scalar-filled tensor.
    public init(filling value: Float, shape: [Int], dtype: DType = .float32) {
        self.init(zeros: shape, dtype: dtype)
        let count = self.count
        if value != 0 && count > 0 {
            let values = [Float](repeating: value, count: count)
            values.withUnsafeBufferPointer { source in
                if let base = source.baseAddress { writeFloats(from: base, count: count, to: self) }
            }
        }
    }

    /// Number of elements.
    public var count: Int { Tensor.elementCount(shape) }
    /// Number of axes.
    public var rank: Int { shape.count }
    /// Size in bytes of the elements.
    public var byteCount: Int { count * dtype.byteSize }
    /// Whether the bytes are in host memory.
    public var isOnHost: Bool { storage.hostPointer != nil }

    /// The same elements under another shape with the same element count. One axis may be -1.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            var others = newShape
            others.remove(at: inferred)
            guard let known = Tensor.checkedElementCount(others), known > 0, count % known == 0 else {
                throw TensorError.shapeMismatch(op: "reshape", detail: "cannot view \(shape) as \(newShape)")
            }
            resolved[inferred] = count / known
        }
        guard Tensor.checkedElementCount(resolved) == count else {
            throw TensorError.shapeMismatch(op: "reshape", detail: "cannot view \(shape) as \(newShape)")
        }
        return Tensor(shape: resolved, dtype: dtype, storage: storage)
    }

    /// The elements as floats (host tensors only; bf16/f16 are widened exactly).
    public func floats() -> [Float] {
        guard let base = storage.hostPointer else {
            preconditionFailure("floats() needs a host tensor; copy it to the host first")
        }
        let n = count
        var out = [Float](repeating: 0, count: n)
        if n == 0 { return out }
        out.withUnsafeMutableBufferPointer { destination in
            switch dtype {
            case .float32:
                destination.baseAddress!.update(from: base.assumingMemoryBound(to: Float.self), count: n)
            case .bfloat16:
                let source = base.assumingMemoryBound(to: UInt16.self)
                for i in 0..<n { destination[i] = floatFromBFloat16(source[i]) }
            case .float16:
                let source = base.assumingMemoryBound(to: UInt16.self)
                for i in 0..<n { destination[i] = floatFromFloat16(source[i]) }
            }
        }
        return out
    }

    /// Product of the sizes (1 for a scalar shape `[]`). Traps, naming the shape, when the product
    /// overflows; a shape from outside goes through ``checkedElementCount(_:)`` first.
    public static func elementCount(_ shape: [Int]) -> Int {
        guard let count = checkedElementCount(shape) else { preconditionFailure("the element count of \(shape) overflows") }
        return count
    }

    /// Row-major strides in elements.
    public static func strides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String { "Tensor(\(shape), \(dtype.rawValue))" }
}

/// Writes `count` floats into a host tensor, rounding to its dtype.
@usableFromInline
func writeFloats(from source: UnsafePointer<Float>, count: Int, to tensor: Tensor) {
    guard let base = tensor.storage.hostPointer else { preconditionFailure("host tensor expected") }
    switch tensor.dtype {
    case .float32:
        base.assumingMemoryBound(to: Float.self).update(from: source, count: count)
    case .bfloat16:
        let destination = base.assumingMemoryBound(to: UInt16.self)
        for i in 0..<count { destination[i] = bfloat16Bits(source[i]) }
    case .float16:
        let destination = base.assumingMemoryBound(to: UInt16.self)
        for i in 0..<count { destination[i] = float16Bits(source[i]) }
    }
}
