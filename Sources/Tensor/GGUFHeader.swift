/// One tensor listed in a GGUF header.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The file's name for the tensor.
    public let name: String
    /// The element or block type.
    public let type: GGMLType
    /// The shape in PyTorch's order: the stored dimensions reversed (GGUF lists the fastest-varying
    /// first), or the `comfy.gguf.orig_shape.<name>` metadata of a tensor stored reshaped.
    public let shape: [Int]
    /// The stored dimensions in PyTorch's order (rows of blocks run along the last).
    public let storedShape: [Int]
    /// The bytes, relative to the start of the data section.
    public let byteRange: Range<Int>

    /// Number of elements.
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A validated GGUF header: version, metadata, tensor list and where the data section starts.
///
/// Layout (all little-endian): magic `GGUF`, u32 version (2 or 3), u64 tensor count, u64 metadata
/// count; each metadata entry a string key, a u32 value type and the value; each tensor a string
/// name, u32 dimension count, u64 dimensions (fastest first), u32 type and u64 offset into the data
/// section; then padding to the alignment (`general.alignment`, default 32) and the data. A string
/// is a u64 length and that many bytes.
struct GGUFHeader {
    var version: UInt32 = 0
    var metadata: [String: GGUFValue] = [:]
    var metadataKeys: [String] = []
    var tensors: [GGUFTensorInfo] = []
    var alignment = 32
    var dataStart = 0

    /// The most tensors a file may list: a 14B Wan transformer has about 1,100, the largest language
    /// models a few thousand.
    static let maximumTensors = 1 << 20

    /// The most dimensions a tensor may have (GGML has 4; ComfyUI's Wan files add a 5-D one).
    static let maximumDimensions = 8

    init(file bytes: UnsafeRawBufferPointer, path: String) throws {
        var cursor = GGUFCursor(bytes, path: path)
        guard bytes.count >= 4, Array(bytes[0..<4]) == Array("GGUF".utf8) else {
            let start = bytes.prefix(4).map { String($0, radix: 16) }.joined(separator: " ")
            throw cursor.failure("is not a GGUF file: it starts with bytes [\(start)], not the magic \"GGUF\"")
        }
        _ = try cursor.take(4, "the magic")
        version = try cursor.u32("the version")
        guard version == 2 || version == 3 else {
            let hint = version == 1 ? " (version 1, from 2023, is not read)"
                : (version.byteSwapped <= 3 ? " (a big-endian file?)" : "")
            throw cursor.failure("has GGUF version \(version); versions 2 and 3 are read\(hint)")
        }
        // The smallest tensor entry is 24 bytes (empty name, no dimensions, type, offset), the smallest
        // metadata entry 13 (empty key, type, one byte); the counts cannot promise more than the file holds.
        let tensorCount = try cursor.count("the tensor count", atMost: (cursor.remaining - 16) / 24)
        guard tensorCount <= Self.maximumTensors else {
            throw cursor.failure("lists \(tensorCount) tensors, more than the \(Self.maximumTensors) read")
        }
        let metadataCount = try cursor.count("the metadata count", atMost: (cursor.remaining - 8) / 13)

        for i in 0..<metadataCount {
            let key = try cursor.string("the key of metadata entry \(i)")
            guard metadata[key] == nil else { throw cursor.failure("metadata key \(quoted(key)) appears twice") }
            let type = try cursor.u32("the value type of metadata \(quoted(key))")
            metadata[key] = try cursor.value(type: type, "metadata \(quoted(key))")
            metadataKeys.append(key)
        }
        if let value = metadata["general.alignment"] {
            guard let alignment = value.intValue, alignment > 0, alignment <= 1 << 20, alignment & (alignment - 1) == 0 else {
                throw cursor.failure("general.alignment is \(value), not a power of two up to 1 MiB")
            }
            self.alignment = alignment
        }

        var raw: [(name: String, dims: [Int], type: GGMLType, offset: Int)] = []
        var seen = Set<String>()
        for i in 0..<tensorCount {
            let name = try cursor.string("the name of tensor \(i)")
            guard seen.insert(name).inserted else { throw cursor.failure("tensor name appears twice", tensor: name) }
            let rank = try cursor.u32("the dimension count of tensor \(quoted(name))")
            guard rank >= 1, rank <= Self.maximumDimensions else {
                throw cursor.failure("has \(rank) dimensions; 1 to \(Self.maximumDimensions) are read", tensor: name)
            }
            var dims: [Int] = []
            for axis in 0..<Int(rank) {
                let size = try cursor.u64("dimension \(axis) of tensor \(quoted(name))")
                guard size <= UInt64(Int.max) else { throw cursor.failure("dimension \(axis) is \(size), too large", tensor: name) }
                dims.append(Int(size))
            }
            let typeID = try cursor.u32("the type of tensor \(quoted(name))")
            guard let type = GGMLType(rawValue: typeID) else {
                throw cursor.failure("has type \(GGMLType.name(ofID: typeID)), which is not read (read: "
                    + GGMLType.allCases.map(\.name).joined(separator: ", ") + ")", tensor: name)
            }
            let offset = try cursor.u64("the data offset of tensor \(quoted(name))")
            guard offset <= UInt64(Int.max) else { throw cursor.failure("data offset \(offset) is too large", tensor: name) }
            raw.append((name, dims, type, Int(offset)))
        }

        let (padded, overflow) = cursor.offset.addingReportingOverflow(alignment - 1)
        dataStart = overflow ? Int.max : padded / alignment * alignment
        let dataSize = max(0, bytes.count - dataStart)
        for entry in raw {
            tensors.append(try Self.tensor(entry, dataSize: dataSize, alignment: alignment, metadata: metadata, cursor: cursor))
        }
        try Self.checkOverlaps(tensors, cursor: cursor)
    }

    private static func tensor(_ entry: (name: String, dims: [Int], type: GGMLType, offset: Int), dataSize: Int,
                               alignment: Int, metadata: [String: GGUFValue], cursor: GGUFCursor) throws -> GGUFTensorInfo {
        let (name, dims, type) = (entry.name, entry.dims, entry.type)
        func failure(_ message: String) -> WeightFileError { cursor.failure(message, tensor: name) }
        let stored = Array(dims.reversed())
        guard let count = Tensor.checkedElementCount(stored) else {
            throw failure("dimensions \(dims) have more elements than fit in 64 bits")
        }
        guard dims[0] % type.blockSize == 0 else {
            throw failure("rows of \(dims[0]) values are not whole \(type.name) blocks of \(type.blockSize)")
        }
        guard let byteCount = GGMLType.byteCount(elements: count, type: type) else {
            throw failure("dimensions \(dims) of \(type.name) have more bytes than fit in 64 bits")
        }
        guard entry.offset % alignment == 0 else {
            throw failure("data offset \(entry.offset) is not a multiple of the alignment \(alignment)")
        }
        let (end, overflow) = entry.offset.addingReportingOverflow(byteCount)
        guard !overflow, end <= dataSize else {
            throw failure("its \(byteCount) bytes at data offset \(entry.offset) run past the end of the data section "
                + "(\(dataSize) bytes; truncated?)")
        }
        var shape = stored
        if let value = metadata["comfy.gguf.orig_shape.\(name)"] {
            guard let elements = value.arrayValue, !elements.isEmpty, elements.count <= maximumDimensions else {
                throw failure("comfy.gguf.orig_shape is \(value), not an array of 1 to \(maximumDimensions) sizes")
            }
            let sizes = elements.compactMap(\.intValue)
            guard sizes.count == elements.count, Tensor.checkedElementCount(sizes) == count else {
                throw failure("comfy.gguf.orig_shape [\(elements.map { $0.intValue.map(String.init) ?? "?" }.joined(separator: ", "))] does not "
                    + "hold the \(count) stored values")
            }
            shape = sizes
        }
        return GGUFTensorInfo(name: name, type: type, shape: shape, storedShape: stored, byteRange: entry.offset..<end)
    }

    /// Tensors sorted by offset may not share bytes; empty ones occupy none.
    private static func checkOverlaps(_ tensors: [GGUFTensorInfo], cursor: GGUFCursor) throws {
        var previous: GGUFTensorInfo?
        for tensor in tensors.sorted(by: { $0.byteRange.lowerBound < $1.byteRange.lowerBound }) where !tensor.byteRange.isEmpty {
            if let previous, tensor.byteRange.lowerBound < previous.byteRange.upperBound {
                throw cursor.failure("its bytes [\(tensor.byteRange.lowerBound), \(tensor.byteRange.upperBound)) overlap "
                    + "those of tensor \(quoted(previous.name)) [\(previous.byteRange.lowerBound), \(previous.byteRange.upperBound))",
                    tensor: tensor.name)
            }
            previous = tensor
        }
    }
}
