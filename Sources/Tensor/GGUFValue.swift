/// A metadata value of a GGUF file: a number, a bool, a string or an array of values.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double)
    case bool(Bool)
    case string(String)
    /// The element type's GGUF id and the elements (all of that type).
    case array(elementType: UInt32, [GGUFValue])

    /// The value as an integer when it is one that fits an `Int`.
    public var intValue: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(v)
        default: return nil
        }
    }

    /// The string, when the value is one.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The elements, when the value is an array.
    public var arrayValue: [GGUFValue]? {
        if case .array(_, let elements) = self { return elements }
        return nil
    }

    /// GGUF's value type ids.
    enum TypeID: UInt32 {
        case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
        case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

        /// The fewest bytes one value of this type takes in a file (a string: its 8-byte length).
        var minimumBytes: Int {
            switch self {
            case .uint8, .int8, .bool: return 1
            case .uint16, .int16: return 2
            case .uint32, .int32, .float32: return 4
            case .uint64, .int64, .float64, .string: return 8
            case .array: return 12
            }
        }
    }
}
