/// A GGUF file (the format of llama.cpp, stable-diffusion.cpp and ComfyUI-GGUF), memory-mapped
/// read-only, its header fully validated at open: every count, length, dimension and offset is
/// checked against the file's size with overflow-checked arithmetic before anything is read.
///
/// As a ``WeightSource`` it gives each tensor in PyTorch's shape and dequantises on request
/// (``tensor(named:)`` gives float32 for block types, F16 and BF16 as they are). Linear layers ask
/// for ``quantizedMatrix(named:)`` instead and keep the blocks.
public final class GGUFFile: Sendable {
    /// The path the file was opened with.
    public let path: String
    /// The format version (2 or 3).
    public let version: UInt32
    /// Every metadata value by key.
    public let metadata: [String: GGUFValue]
    /// The metadata keys in file order.
    public let metadataKeys: [String]
    /// Every tensor, in header order.
    public let tensors: [GGUFTensorInfo]
    private let indexByName: [String: Int]
    private let mapping: FileMapping
    private let dataStart: Int

    /// Opens and validates `path`. Throws ``WeightFileError`` (one line naming the file and, where
    /// one is at fault, the tensor) for a missing, truncated or malformed file.
    public init(path: String) throws {
        let mapping: FileMapping
        do {
            mapping = try FileMapping(path: path, minimumSize: 0)
        } catch let error as WeightFileError where error.reason == .tooSmall(byteCount: 0) {
            throw WeightFileError(path: path, .invalidEntry("is empty, not a GGUF file"))
        }
        let header = try GGUFHeader(file: UnsafeRawBufferPointer(start: mapping.base, count: mapping.byteCount), path: path)
        self.path = path
        self.mapping = mapping
        self.version = header.version
        self.metadata = header.metadata
        self.metadataKeys = header.metadataKeys
        self.tensors = header.tensors
        self.dataStart = header.dataStart
        var indexByName: [String: Int] = [:]
        for (i, tensor) in header.tensors.enumerated() { indexByName[tensor.name] = i }
        self.indexByName = indexByName
    }

    /// `general.architecture` ("wan", "t5encoder", "llama", ...), or nil when the file has none.
    public var architecture: String? { metadata["general.architecture"]?.stringValue }

    /// Throws unless `general.architecture` is one of `accepted` (a file without the key passes):
    /// "model.gguf: general.architecture is \"flux\", not a Wan transformer (\"wan\")".
    public func requireArchitecture(_ accepted: [String], for what: String) throws {
        guard let architecture, !accepted.contains(architecture) else { return }
        throw WeightFileError(path: path, .invalidEntry("general.architecture is \(quoted(architecture)), not \(what) ("
            + accepted.map { quoted($0) }.joined(separator: " or ") + ")"))
    }

    /// The tensor `name`'s header entry, or nil.
    public func info(named name: String) -> GGUFTensorInfo? { indexByName[name].map { tensors[$0] } }

    private func requireInfo(_ name: String) throws -> GGUFTensorInfo {
        guard let info = info(named: name) else { throw WeightFileError(path: path, tensor: name, .tensorNotFound) }
        return info
    }

    /// Calls `body` with the tensor's raw bytes inside the mapping, then drops those pages from the
    /// process's resident set (the caller copied or decoded what it needs).
    private func withBytes<R>(_ info: GGUFTensorInfo, _ body: (UnsafeRawPointer) throws -> R) rethrows -> R {
        let start = dataStart + info.byteRange.lowerBound
        defer { mapping.release(start..<(start + info.byteRange.count)) }
        return try body(mapping.base + start)
    }

    /// Decodes a tensor into `dtype` (block types through float32; F16 and BF16 values are exact
    /// in float32, so only narrowing rounds).
    private func load(_ info: GGUFTensorInfo, as dtype: DType) throws -> Tensor {
        if let stored = info.type.tensorDType, stored == dtype {
            let tensor = try Tensor(allocating: info.shape, dtype: dtype, zeroed: false)
            guard let destination = tensor.storage.hostPointer else { preconditionFailure("host tensor expected") }
            withBytes(info) { destination.copyMemory(from: $0, byteCount: info.byteRange.count) }
            return tensor
        }
        let decoded = try Tensor(allocating: info.shape, dtype: dtype == .bfloat16 ? .bfloat16 : .float32, zeroed: false)
        guard let destination = decoded.storage.hostPointer else { preconditionFailure("host tensor expected") }
        try withBytes(info) {
            try ggmlDequantize(info.type, $0, blocks: info.elementCount / info.type.blockSize, into: destination,
                               bfloat16: dtype == .bfloat16)
        }
        return dtype == .float16 ? try decoded.converted(to: .float16) : decoded
    }
}

extension GGUFFile: WeightSource {
    /// Tensor names in header order.
    public var names: [String] { tensors.map(\.name) }

    public var description: String { "\(path) (\(tensors.count) tensor\(tensors.count == 1 ? "" : "s"))" }

    /// The entry of `name`: its PyTorch shape, the dtype ``tensor(named:)`` gives (F32 for block
    /// types) and the bytes it takes in the file (for a block type fewer than the shape in F32).
    public func entry(named name: String) -> SafeTensorsEntry? {
        info(named: name).map { info in
            SafeTensorsEntry(name: info.name, dtype: SafeTensorsDType(info.type.tensorDType ?? .float32),
                             shape: info.shape, byteRange: info.byteRange)
        }
    }

    /// Loads a tensor: F32, F16 and BF16 as they are, block types dequantised to float32.
    public func tensor(named name: String) throws -> Tensor {
        let info = try requireInfo(name)
        return try load(info, as: info.type.tensorDType ?? .float32)
    }

    /// Loads a tensor converted to `dtype`.
    public func tensor(named name: String, as dtype: DType) throws -> Tensor {
        try load(try requireInfo(name), as: dtype)
    }

    /// The blocks of a 2-D block-quantised tensor stored in rows along its last axis (a copy, the
    /// file's pages released), or nil for any other tensor, which ``tensor(named:)`` loads dense.
    public func quantizedMatrix(named name: String) throws -> QuantizedMatrix? {
        let info = try requireInfo(name)
        guard info.type.isBlockQuantized, info.shape.count == 2, info.storedShape == info.shape else { return nil }
        let storage = try Storage(allocatingHostBytes: info.byteRange.count, zeroed: false)
        guard let destination = storage.hostPointer else { preconditionFailure("host storage expected") }
        withBytes(info) { destination.copyMemory(from: $0, byteCount: info.byteRange.count) }
        return try QuantizedMatrix(type: info.type, shape: info.shape, storage: storage)
    }
}
