/// One tensor listed in a safetensors header.
public struct SafeTensorsEntry: Sendable, Equatable {
    /// The checkpoint's name for the tensor.
    public let name: String
    /// The element type in the file.
    public let dtype: SafeTensorsDType
    /// Sizes of each axis, outermost first.
    public let shape: [Int]
    /// The bytes, relative to the start of the data section (the header's `data_offsets`).
    public let byteRange: Range<Int>

    public init(name: String, dtype: SafeTensorsDType, shape: [Int], byteRange: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.byteRange = byteRange
    }

    /// Number of elements (the shape's product; validated not to overflow when read from a file).
    public var elementCount: Int { shape.reduce(1, *) }
    /// Size of the data in bytes.
    public var byteCount: Int { byteRange.count }
}

/// A validated safetensors header: metadata and entries in data order.
struct SafeTensorsHeader {
    var metadata: [String: String] = [:]
    var entries: [SafeTensorsEntry] = []

    /// Parses and validates the JSON header `bytes` of the file at `path`, whose data section holds
    /// `dataSectionSize` bytes.
    init(bytes: UnsafeRawBufferPointer, dataSectionSize: Int, path: String) throws {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: bytes)
        } catch let error as JSONParseError {
            throw WeightFileError(path: path, .headerNotJSON(error.description))
        }
        guard case .object(let members) = json else {
            throw WeightFileError(path: path, .headerNotObject(json.kindDescription))
        }
        // Sorted so that a file with several problems always reports the same one.
        for name in members.keys.sorted() {
            guard let value = members[name] else { continue }
            if name == "__metadata__" {
                metadata = try Self.metadata(value, path: path)
            } else {
                entries.append(try Self.entry(name: name, value, dataSectionSize: dataSectionSize, path: path))
            }
        }
        entries.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound) }
        try Self.checkOverlaps(entries, path: path)
    }

    private static func metadata(_ value: JSONValue, path: String) throws -> [String: String] {
        guard case .object(let members) = value else {
            throw WeightFileError(path: path, .invalidEntry("__metadata__ is \(value.kindDescription), not an object"))
        }
        var metadata: [String: String] = [:]
        for (key, value) in members {
            guard let text = value.stringValue else {
                throw WeightFileError(path: path, .invalidEntry(
                    "__metadata__ value for \(quoted(key)) is \(value.kindDescription), not a string"))
            }
            metadata[key] = text
        }
        return metadata
    }

    private static func entry(name: String, _ value: JSONValue, dataSectionSize: Int, path: String) throws -> SafeTensorsEntry {
        func failure(_ reason: WeightFileError.Reason) -> WeightFileError {
            WeightFileError(path: path, tensor: name, reason)
        }
        guard case .object = value else {
            throw failure(.invalidEntry("entry is \(value.kindDescription), not an object"))
        }
        guard let dtypeText = value["dtype"]?.stringValue else {
            throw failure(.invalidEntry("entry has no \"dtype\" string"))
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeText) else { throw failure(.unknownDType(dtypeText)) }

        guard let shapeValues = value["shape"]?.arrayValue else {
            throw failure(.invalidEntry("entry has no \"shape\" array"))
        }
        var shape: [Int] = []
        for element in shapeValues {
            guard case .int(let size) = element else {
                throw failure(.badShape("shape \((value["shape"] ?? .null).serialized) holds \(element.serialized), not an integer"))
            }
            shape.append(size)
        }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw failure(.badShape("shape \(shape) has a negative size")) }
        var elementCount = 1
        for size in shape {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow else { throw failure(.badShape("shape \(shape) has more elements than fit in 64 bits")) }
            elementCount = product
        }
        let (bits, overflow) = elementCount.multipliedReportingOverflow(by: dtype.bitSize)
        guard !overflow else { throw failure(.badShape("shape \(shape) of \(dtypeText) has more bytes than fit in 64 bits")) }
        guard bits % 8 == 0 else {
            throw failure(.badShape("shape \(shape) of \(dtypeText) (\(dtype.bitSize)-bit) does not fill a whole number of bytes"))
        }
        let byteCount = bits / 8

        guard let offsets = value["data_offsets"]?.arrayValue, offsets.count == 2,
              case .int(let begin) = offsets[0], case .int(let end) = offsets[1], begin >= 0 else {
            throw failure(.invalidEntry("data_offsets \((value["data_offsets"] ?? .null).serialized) "
                + "are not two non-negative integers"))
        }
        guard begin <= end, end <= dataSectionSize else {
            throw failure(.offsetsOutOfRange(begin: begin, end: end, dataSectionSize: dataSectionSize))
        }
        guard end - begin == byteCount else {
            throw failure(.sizeMismatch(shape: shape, dtype: dtypeText, expected: byteCount, actual: end - begin))
        }
        return SafeTensorsEntry(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    /// Entries sorted by offset may not share bytes. Empty tensors occupy none and are skipped.
    private static func checkOverlaps(_ entries: [SafeTensorsEntry], path: String) throws {
        var previous: SafeTensorsEntry? = nil
        for entry in entries where !entry.byteRange.isEmpty {
            if let previous, entry.byteRange.lowerBound < previous.byteRange.upperBound {
                throw WeightFileError(path: path, tensor: entry.name, .overlap(
                    other: previous.name, range: entry.byteRange, otherRange: previous.byteRange))
            }
            previous = entry
        }
    }
}
