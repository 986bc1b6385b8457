import CKernels

/// A weight matrix kept in GGML blocks, as a GGUF file stores it: `rows` rows (PyTorch's first
/// axis, a linear layer's outputs) of `columns` values each, every row a whole number of blocks.
/// It holds its own copy of the blocks (about the file's bytes for the matrix); a layer turns it
/// into a dense tensor only for the call that needs it (``dequantized(as:)``), so a quantised model
/// stays close to its file size in memory.
public struct QuantizedMatrix: Sendable {
    /// The block type.
    public let type: GGMLType
    /// The PyTorch shape, `[rows, columns]`.
    public let shape: [Int]
    /// The blocks, row after row.
    public let storage: Storage

    /// Wraps the blocks of a `[rows, columns]` matrix. Throws when `columns` is not a whole number of
    /// blocks or `storage` is smaller than the blocks need.
    public init(type: GGMLType, shape: [Int], storage: Storage) throws {
        guard shape.count == 2, shape[0] >= 0, shape[1] >= 0, shape[1] % type.blockSize == 0,
              let bytes = GGMLType.byteCount(elements: Tensor.checkedElementCount(shape), type: type),
              bytes <= storage.byteCount, storage.hostPointer != nil else {
            throw TensorError.shapeMismatch(op: "QuantizedMatrix", detail:
                "\(shape) of \(type.name) needs rows of whole \(type.blockSize)-value blocks in \(storage.byteCount) host bytes")
        }
        self.type = type
        self.shape = shape
        self.storage = storage
    }

    /// Rows (output features).
    public var rows: Int { shape[0] }
    /// Values per row (input features).
    public var columns: Int { shape[1] }
    /// Bytes of the blocks.
    public var byteCount: Int { rows * rowBytes }
    /// Bytes of one row of blocks.
    public var rowBytes: Int { columns / type.blockSize * type.blockBytes }

    /// The dense `[rows, columns]` matrix in `dtype` (float16 is produced through float32), decoded by
    /// the C kernels; equal to ``referenceDequantized()`` rounded to `dtype`.
    public func dequantized(as dtype: DType = .float32) throws -> Tensor {
        let out = try Tensor(allocating: shape, dtype: dtype == .bfloat16 ? .bfloat16 : .float32, zeroed: false)
        guard let source = storage.hostPointer, let destination = out.storage.hostPointer else {
            preconditionFailure("QuantizedMatrix and its output live in host memory")
        }
        try ggmlDequantize(type, source, blocks: rows * columns / type.blockSize, into: destination, bfloat16: dtype == .bfloat16)
        return dtype == .float16 ? try out.converted(to: .float16) : out
    }

    /// Rows `rows` decoded into a dense `[rows.count, columns]` tensor of `dtype` (an embedding's
    /// lookup decodes only the rows it needs). Throws for rows outside the matrix.
    public func dequantizedRows(_ rows: Range<Int>, as dtype: DType = .float32) throws -> Tensor {
        guard rows.lowerBound >= 0, rows.upperBound <= self.rows else {
            throw TensorError.invalidArgument(op: "dequantizedRows", detail: "rows \(rows) outside 0..<\(self.rows)")
        }
        let bf16 = dtype == .bfloat16
        let out = try Tensor(allocating: [rows.count, columns], dtype: bf16 ? .bfloat16 : .float32, zeroed: false)
        guard let source = storage.hostPointer, let destination = out.storage.hostPointer else {
            preconditionFailure("QuantizedMatrix and its output live in host memory")
        }
        try ggmlDequantize(type, source + rows.lowerBound * rowBytes, blocks: rows.count * columns / type.blockSize,
                           into: destination, bfloat16: bf16)
        return dtype == .float16 ? try out.converted(to: .float16) : out
    }

    /// The values as floats, from the plain Swift decoder (``GGMLReferenceDequantize``).
    public func referenceDequantized() -> [Float] {
        guard let source = storage.hostPointer else { preconditionFailure("QuantizedMatrix lives in host memory") }
        return GGMLReferenceDequantize.decode(type, source, blocks: rows * columns / type.blockSize)
    }
}

extension GGMLType {
    /// The bytes `elements` values of `type` take, or nil when the count is nil, not a whole number
    /// of blocks, or too large to count.
    static func byteCount(elements: Int?, type: GGMLType) -> Int? {
        guard let elements, elements >= 0, elements % type.blockSize == 0 else { return nil }
        let (bytes, overflow) = (elements / type.blockSize).multipliedReportingOverflow(by: type.blockBytes)
        return overflow ? nil : bytes
    }
}

/// Decodes `blocks` blocks of `type` at `source` into float32 (or bfloat16 bits) at `destination`
/// with the C kernels.
func ggmlDequantize(_ type: GGMLType, _ source: UnsafeRawPointer, blocks: Int,
                    into destination: UnsafeMutableRawPointer, bfloat16: Bool) throws {
    guard zt_ggml_dequantize(Int32(type.rawValue), source, blocks, destination, bfloat16 ? 1 : 0) == 0 else {
        throw TensorError.invalidArgument(op: "dequantize", detail: "the kernels cannot decode \(type.name)")
    }
}

extension Tensor {
    /// A host copy in `dtype`, rounding to nearest even.
    func converted(to dtype: DType) throws -> Tensor {
        if dtype == self.dtype { return self }
        let values = floats()
        return try Tensor(values, shape: shape, dtype: dtype)
    }
}
