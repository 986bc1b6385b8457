/// A safetensors file, memory-mapped read-only, its header parsed and fully validated at open.
/// Tensors are loaded one at a time, on request, into fresh aligned host memory.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON header, then the data section.
/// The header maps each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets
/// relative to the data section) and may hold a `__metadata__` object of strings.
public final class SafeTensorsFile: Sendable {
    /// The path the file was opened with.
    public let path: String
    /// The header's `__metadata__` (empty when absent).
    public let metadata: [String: String]
    /// Every tensor, in data order.
    public let entries: [SafeTensorsEntry]
    private let indexByName: [String: Int]
    private let mapping: FileMapping
    /// Offset of the data section in the file (8 + header length).
    private let dataStart: Int

    /// Opens and validates `path`. Throws ``WeightFileError`` for a missing, unreadable or malformed
    /// file; nothing is read beyond the header.
    public init(path: String) throws {
        let mapping = try FileMapping(path: path, minimumSize: 8)
        let headerLength = UInt64(littleEndian: mapping.base.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(mapping.byteCount - 8) else {
            throw WeightFileError(path: path, .headerPastEnd(headerLength: headerLength, fileSize: mapping.byteCount))
        }
        let dataStart = 8 + Int(headerLength)
        let header = try SafeTensorsHeader(
            bytes: UnsafeRawBufferPointer(start: mapping.base + 8, count: Int(headerLength)),
            dataSectionSize: mapping.byteCount - dataStart, path: path)
        self.path = path
        self.mapping = mapping
        self.dataStart = dataStart
        self.metadata = header.metadata
        self.entries = header.entries
        var indexByName: [String: Int] = [:]
        for (i, entry) in header.entries.enumerated() { indexByName[entry.name] = i }
        self.indexByName = indexByName
    }

    /// The entry for `name`, or nil.
    public func entry(named name: String) -> SafeTensorsEntry? {
        indexByName[name].map { entries[$0] }
    }

    /// Loads a tensor. F32, BF16 and F16 keep their dtype; F64, F8, integer and BOOL tensors become
    /// float32 (64-bit integers above 2^24 lose precision). Complex, F4 and F6 tensors throw.
    public func tensor(named name: String) throws -> Tensor {
        let entry = try requireEntry(name)
        return try load(entry, as: entry.dtype.tensorDType ?? .float32)
    }

    /// Loads a tensor converted to `dtype` (rounding to nearest even when narrowing).
    public func tensor(named name: String, as dtype: DType) throws -> Tensor {
        try load(try requireEntry(name), as: dtype)
    }

    /// Calls `body` with the tensor's raw little-endian bytes inside the mapping, without copying.
    /// The buffer is valid only during the call and is not necessarily aligned.
    public func withUnsafeBytes<R>(named name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let entry = try requireEntry(name)
        return try body(UnsafeRawBufferPointer(start: mapping.base + dataStart + entry.byteRange.lowerBound,
                                               count: entry.byteCount))
    }

    private func requireEntry(_ name: String) throws -> SafeTensorsEntry {
        guard let entry = entry(named: name) else {
            throw WeightFileError(path: path, tensor: name, .tensorNotFound)
        }
        return entry
    }

    private func load(_ entry: SafeTensorsEntry, as dtype: DType) throws -> Tensor {
        guard entry.dtype.isLoadable else {
            throw WeightFileError(path: path, tensor: entry.name, .unsupportedDType(entry.dtype.rawValue))
        }
        let tensor = Tensor(uninitialized: entry.shape, dtype: dtype)
        guard let destination = tensor.storage.hostPointer else {
            preconditionFailure("Tensor(uninitialized:) allocates host memory")
        }
        let source = mapping.base + dataStart + entry.byteRange.lowerBound
        // The format is little-endian, as are the hosts this runs on, so same-type loads are copies.
        if entry.dtype.tensorDType == dtype {
            destination.copyMemory(from: source, byteCount: entry.byteCount)
        } else {
            convertElements(from: source, dtype: entry.dtype, count: entry.elementCount, to: destination, as: dtype)
        }
        let start = dataStart + entry.byteRange.lowerBound
        mapping.release(start..<(start + entry.byteCount))
        return tensor
    }
}

extension SafeTensorsFile: WeightSource {
    /// Tensor names in data order.
    public var names: [String] { entries.map(\.name) }

    public var description: String { "\(path) (\(entries.count) tensor\(entries.count == 1 ? "" : "s"))" }
}
