/// A type ``JSONValueDecoder`` reads straight from one JSON value, with its strict conversions.
protocol JSONScalar {
    static func unbox(_ value: JSONValue, at path: [any CodingKey]) throws -> Self
}

extension JSONValue: JSONScalar {
    static func unbox(_ value: JSONValue, at path: [any CodingKey]) throws -> JSONValue { value }
}

extension Bool: JSONScalar {
    static func unbox(_ value: JSONValue, at path: [any CodingKey]) throws -> Bool {
        guard case .bool(let flag) = value else { throw JSONValue.mismatch(Bool.self, expected: "true or false", found: value, at: path) }
        return flag
    }
}

extension String: JSONScalar {
    static func unbox(_ value: JSONValue, at path: [any CodingKey]) throws -> String {
        guard case .string(let text) = value else { throw JSONValue.mismatch(String.self, expected: "a string", found: value, at: path) }
        return text
    }
}

extension Double: JSONScalar {
    static func unbox(_ value: JSONValue, at path: [any CodingKey]) throws -> Double {
        switch value {
        case .int(let integer): return Double(integer)
        case .double(let number):
            // The parser turns a literal beyond Double's range (1e999) into an infinity.
            guard number.isFinite else { throw DecodingError.invalidValue(at: path, "must be a finite number, not \(value.shortDescription)") }
            return number
        default: throw JSONValue.mismatch(Double.self, expected: "a number", found: value, at: path)
        }
    }
}

extension Float: JSONScalar {
    static func unbox(_ value: JSONValue, at path: [any CodingKey]) throws -> Float {
        let number = Float(try Double.unbox(value, at: path))
        guard number.isFinite else {
            throw DecodingError.invalidValue(
                at: path, "must be a number within ±\(Float.greatestFiniteMagnitude), not \(value.shortDescription)")
        }
        return number
    }
}

/// The integer types: a whole number in range, from an integer literal or an integral double.
protocol JSONInteger: FixedWidthInteger, JSONScalar {}

extension JSONInteger {
    static func unbox(_ value: JSONValue, at path: [any CodingKey]) throws -> Self {
        let converted: Self?
        switch value {
        case .int(let integer):
            converted = Self(exactly: integer)
        case .double(let number) where number.isFinite && number.rounded(.towardZero) == number:
            converted = Self(exactly: number)
        default:
            throw JSONValue.mismatch(Self.self, expected: "a whole number", found: value, at: path)
        }
        guard let converted else {
            throw DecodingError.invalidValue(
                at: path, "must be a whole number from \(Self.min) to \(Self.max), not \(value.shortDescription)")
        }
        return converted
    }
}

extension Int: JSONInteger {}
extension Int8: JSONInteger {}
extension Int16: JSONInteger {}
extension Int32: JSONInteger {}
extension Int64: JSONInteger {}
extension UInt: JSONInteger {}
extension UInt8: JSONInteger {}
extension UInt16: JSONInteger {}
extension UInt32: JSONInteger {}
extension UInt64: JSONInteger {}

extension JSONValue {
    /// The value for a message: its JSON text when that is short (`"x"`, `2.5`, `[1,2]`), otherwise
    /// what kind of value it is (`an array of 40 entries`).
    public var shortDescription: String {
        if case .double(let number) = self, !number.isFinite {
            return number > 0 ? "a number too large for a Double" : "a number too small for a Double"
        }
        let text = serialized
        if text.count <= 40 { return text }
        switch self {
        case .array(let elements): return "an array of \(elements.count) entries"
        case .object(let members): return "an object of \(members.count) members"
        default: return kindDescription
        }
    }

    /// "must be `expected`, not `found`": `valueNotFound` when `found` is null, else `typeMismatch`.
    static func mismatch(_ type: Any.Type, expected: String, found: JSONValue, at path: [any CodingKey]) -> DecodingError {
        let context = DecodingError.Context.field(path, "must be \(expected), not \(found.shortDescription)")
        return found.isNull ? .valueNotFound(type, context) : .typeMismatch(type, context)
    }
}

extension JSONValue: Decodable {
    /// The value as it stands, from ``JSONValueDecoder``; from another decoder, rebuilt from what its
    /// containers give (integers first, then doubles).
    public init(from decoder: any Decoder) throws {
        if let decoder = decoder as? ValueDecoder {
            self = decoder.value
        } else if let object = try? decoder.container(keyedBy: JSONCodingKey.self) {
            var members: [String: JSONValue] = [:]
            for key in object.allKeys { members[key.stringValue] = try object.decode(JSONValue.self, forKey: key) }
            self = .object(members)
        } else if var array = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            while !array.isAtEnd { elements.append(try array.decode(JSONValue.self)) }
            self = .array(elements)
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                self = .null
            } else if let flag = try? single.decode(Bool.self) {
                self = .bool(flag)
            } else if let integer = try? single.decode(Int.self) {
                self = .int(integer)
            } else if let number = try? single.decode(Double.self) {
                self = .double(number)
            } else {
                self = .string(try single.decode(String.self))
            }
        }
    }
}
