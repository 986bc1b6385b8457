/// Decodes `Decodable` types from a parsed ``JSONValue``: the one reader behind the model and
/// scheduler `config.json` files.
///
/// Stricter than Foundation's `JSONDecoder` where a config could otherwise go silently wrong:
/// - an integer must be a whole number (`2.5` is refused, never truncated; `2.0` and `1e3` are
///   whole) that fits the type (`1e300` or 2⁶³ into `Int` is an error, never a wrap or a clamp);
/// - a `Double` is finite, and a `Float` must not overflow to infinity;
/// - nothing converts between kinds: `"16"` is not a number and `1` is not `true`.
///
/// Keys match exactly, so snake_case names are spelled out in the type's `CodingKeys`. Keys the type
/// does not ask for are ignored, as diffusers ignores them. `decodeIfPresent` reads `null` as absent;
/// `decode` refuses it. ``JSONValue`` itself is `Decodable`, for fields whose kind varies.
///
/// Every failure is a `DecodingError` whose context holds the key path and, as its debug
/// description, the rest of a sentence about that field (`must be a whole number, not 2.5`);
/// ``ConfigFieldError/init(_:file:)`` turns it into one plain sentence.
///
///     struct Sizes: Decodable {
///         var numLayers: Int
///         enum CodingKeys: String, CodingKey { case numLayers = "num_layers" }
///     }
///     let sizes = try JSONValueDecoder().decode(Sizes.self, from: JSONValue(parsing: #"{"num_layers": 30}"#))
public struct JSONValueDecoder: Sendable {
    /// A decoder; it has no settings.
    public init() {}

    /// Decodes a `T` from `value`. Throws `DecodingError` (see the type's description) or whatever
    /// `T.init(from:)` throws itself.
    public func decode<T: Decodable>(_ type: T.Type = T.self, from value: JSONValue) throws -> T {
        try ValueDecoder(value: value, codingPath: []).unbox(type)
    }
}

/// The `Decoder` over one value at one key path.
struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: JSONValue].self, expected: "an object") }
        return KeyedDecodingContainer(KeyedContainer<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch([JSONValue].self, expected: "a list") }
        return UnkeyedContainer(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleValueContainer(decoder: self) }

    /// The value as a `T`: scalars and ``JSONValue`` read directly, anything else through `T(from:)`.
    func unbox<T: Decodable>(_ type: T.Type) throws -> T {
        guard let scalar = type as? any JSONScalar.Type else { return try T(from: self) }
        guard let result = try scalar.unbox(value, at: codingPath) as? T else {
            throw DecodingError.typeMismatch(type, .field(codingPath, "could not be read as \(type)"))
        }
        return result
    }

    /// "must be `expected`, not …": a type mismatch, or a missing value when the value is null.
    func mismatch(_ type: Any.Type, expected: String) -> DecodingError {
        JSONValue.mismatch(type, expected: expected, found: value, at: codingPath)
    }
}

/// The one-value container: every read goes through ``ValueDecoder/unbox(_:)``.
struct SingleValueContainer: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.unbox(type) }
    func decode(_ type: String.Type) throws -> String { try decoder.unbox(type) }
    func decode(_ type: Double.Type) throws -> Double { try decoder.unbox(type) }
    func decode(_ type: Float.Type) throws -> Float { try decoder.unbox(type) }
    func decode(_ type: Int.Type) throws -> Int { try decoder.unbox(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.unbox(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.unbox(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.unbox(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.unbox(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.unbox(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.unbox(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.unbox(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.unbox(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.unbox(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.unbox(type) }
}
