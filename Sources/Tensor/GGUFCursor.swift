/// Reads the little-endian fields of a GGUF header from a mapped file, front to back. Every read
/// checks that its bytes lie inside the file, so a truncated or lying header throws instead of
/// reading past the end.
struct GGUFCursor {
    let bytes: UnsafeRawBufferPointer
    let path: String
    /// The offset of the next field.
    private(set) var offset = 0
    /// Metadata values read so far, array elements included.
    private(set) var valueCount = 0

    /// The most metadata values (array elements included) a file may hold: a tokenizer's arrays
    /// run to a few hundred thousand each; a hostile file's millions of one-byte elements would each
    /// become a Swift value many times that size.
    static let maximumValues = 1 << 23

    init(_ bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    /// The bytes left after the cursor.
    var remaining: Int { bytes.count - offset }

    /// A one-line error about the file.
    func failure(_ message: String, tensor: String? = nil) -> WeightFileError {
        WeightFileError(path: path, tensor: tensor, .invalidEntry(message))
    }

    /// Advances over `count` bytes that must be in the file; `what` names them in the error.
    mutating func take(_ count: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else {
            throw failure("\(what()) at byte \(offset) needs \(count) bytes, but the file ends after \(remaining) more "
                + "(it is \(bytes.count) bytes; truncated?)")
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }

    mutating func integer<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let slice = try take(MemoryLayout<T>.size, what())
        return T(littleEndian: slice.loadUnaligned(as: T.self))
    }

    mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 { try integer(UInt32.self, what()) }
    mutating func u64(_ what: @autoclosure () -> String) throws -> UInt64 { try integer(UInt64.self, what()) }

    /// A count or size field: a u64 that must fit an `Int` and be at most `limit`.
    mutating func count(_ what: @autoclosure () -> String, atMost limit: Int) throws -> Int {
        let at = offset
        let value = try u64(what())
        guard value <= UInt64(max(limit, 0)) else {
            throw failure("\(what()) at byte \(at) is \(value), more than the \(limit) the rest of the file could hold")
        }
        return Int(value)
    }

    /// A GGUF string: a u64 byte length and that many bytes of UTF-8 (invalid sequences replaced).
    mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let length = try count("the length of \(what())", atMost: remaining - 8)
        return String(decoding: try take(length, what()), as: UTF8.self)
    }

    /// One metadata value of GGUF type `id`; arrays nest at most `depth` deep.
    mutating func value(type id: UInt32, _ what: @autoclosure () -> String, depth: Int = 0) throws -> GGUFValue {
        guard let type = GGUFValue.TypeID(rawValue: id) else {
            throw failure("\(what()) has unknown value type \(id) (GGUF defines 0-12)")
        }
        valueCount += 1
        guard valueCount <= Self.maximumValues else {
            throw failure("the metadata holds more than \(Self.maximumValues) values (at \(what()))")
        }
        switch type {
        case .uint8: return .uint8(try integer(UInt8.self, what()))
        case .int8: return .int8(try integer(Int8.self, what()))
        case .uint16: return .uint16(try integer(UInt16.self, what()))
        case .int16: return .int16(try integer(Int16.self, what()))
        case .uint32: return .uint32(try integer(UInt32.self, what()))
        case .int32: return .int32(try integer(Int32.self, what()))
        case .uint64: return .uint64(try integer(UInt64.self, what()))
        case .int64: return .int64(try integer(Int64.self, what()))
        case .float32: return .float32(Float(bitPattern: try integer(UInt32.self, what())))
        case .float64: return .float64(Double(bitPattern: try integer(UInt64.self, what())))
        case .bool:
            let byte = try integer(UInt8.self, what())
            guard byte <= 1 else { throw failure("\(what()) is a bool stored as \(byte), not 0 or 1") }
            return .bool(byte == 1)
        case .string: return .string(try string(what()))
        case .array:
            guard depth < 4 else { throw failure("\(what()) nests arrays more than 4 deep") }
            let elementID = try u32("the element type of \(what())")
            guard let elementType = GGUFValue.TypeID(rawValue: elementID) else {
                throw failure("\(what()) is an array of unknown value type \(elementID) (GGUF defines 0-12)")
            }
            // Each element takes at least its type's smallest size, which bounds the count by the file.
            let count = try count("the element count of \(what())", atMost: (remaining - 8) / elementType.minimumBytes)
            guard count <= Self.maximumValues - valueCount else {
                throw failure("\(what()) has \(count) elements, more than the \(Self.maximumValues) metadata values read")
            }
            var elements: [GGUFValue] = []
            elements.reserveCapacity(count)
            for i in 0..<count {
                elements.append(try value(type: elementID, "element \(i) of \(what())", depth: depth + 1))
            }
            return .array(elementType: elementID, elements)
        }
    }
}
