/// An object's members by exact key. Members the type does not ask for are ignored.
struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { members.keys.sorted().compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    /// The decoder of member `key`; throws `keyNotFound` when it is absent.
    private func member(_ key: Key) throws -> ValueDecoder {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .field(codingPath, "is missing"))
        }
        return ValueDecoder(value: value, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { try member(key).value.isNull }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try member(key).unbox(type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try member(key).unbox(type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try member(key).unbox(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try member(key).unbox(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try member(key).unbox(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try member(key).unbox(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try member(key).unbox(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try member(key).unbox(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try member(key).unbox(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try member(key).unbox(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try member(key).unbox(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try member(key).unbox(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try member(key).unbox(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try member(key).unbox(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try member(key).unbox(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type,
                                               forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try member(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try member(key).unkeyedContainer()
    }

    /// The member `"super"` (null when absent), as Foundation's decoder gives it.
    func superDecoder() throws -> any Decoder {
        ValueDecoder(value: members["super"] ?? .null, codingPath: codingPath + [JSONCodingKey(name: "super")])
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try member(key) }
}

/// A list's elements in order. A read that fails leaves the position where it was.
struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0

    init(elements: [JSONValue], codingPath: [any CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    /// The decoder of the current element; throws `valueNotFound` past the end.
    private func current<T>(_ type: T.Type) throws -> ValueDecoder {
        let path = codingPath + [JSONCodingKey(index: currentIndex)]
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .field(path, "is missing: the list has only \(elements.count) entries"))
        }
        return ValueDecoder(value: elements[currentIndex], codingPath: path)
    }

    /// Reads the current element with `read` and moves past it only if that succeeded.
    private mutating func next<T>(_ read: (ValueDecoder) throws -> T) throws -> T {
        let result = try read(try current(T.self))
        currentIndex += 1
        return result
    }

    mutating func decodeNil() throws -> Bool {
        guard try current(JSONValue.self).value.isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next { try $0.unbox(type) } }
    mutating func decode(_ type: String.Type) throws -> String { try next { try $0.unbox(type) } }
    mutating func decode(_ type: Double.Type) throws -> Double { try next { try $0.unbox(type) } }
    mutating func decode(_ type: Float.Type) throws -> Float { try next { try $0.unbox(type) } }
    mutating func decode(_ type: Int.Type) throws -> Int { try next { try $0.unbox(type) } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next { try $0.unbox(type) } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next { try $0.unbox(type) } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next { try $0.unbox(type) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next { try $0.unbox(type) } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next { try $0.unbox(type) } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next { try $0.unbox(type) } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next { try $0.unbox(type) } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next { try $0.unbox(type) } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next { try $0.unbox(type) } }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next { try $0.unbox(type) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey> {
        try next { try $0.container(keyedBy: type) }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next { try $0.unkeyedContainer() }
    }

    mutating func superDecoder() throws -> any Decoder { try next { $0 } }
}

/// A key made at run time: a list element's (`[3]` in a key path), `super`, or any member name.
struct JSONCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(index: Int) {
        stringValue = "Index \(index)"
        intValue = index
    }

    init(name: String) {
        stringValue = name
        intValue = nil
    }

    init?(stringValue: String) { self.init(name: stringValue) }
    init?(intValue: Int) { self.init(index: intValue) }
}
