/// The wording of a field's problem, carried as a `DecodingError`'s underlying error so that
/// ``ConfigFieldError`` can tell it from other decoders' prose.
struct FieldDetail: Error {
    let text: String
}

extension DecodingError.Context {
    /// A context at `path` whose debug description is `detail`, the rest of a sentence about the field.
    static func field(_ path: [any CodingKey], _ detail: String) -> DecodingError.Context {
        DecodingError.Context(codingPath: path, debugDescription: detail, underlyingError: FieldDetail(text: detail))
    }

    var fieldDetail: String? { (underlyingError as? FieldDetail)?.text }
}

extension DecodingError {
    /// A refusal of the value at `codingPath`, where `detail` is the rest of a sentence about the
    /// field (`is 0, but must be positive`), as ``ConfigFieldError`` will print it.
    public static func invalidValue(at codingPath: [any CodingKey], _ detail: String) -> DecodingError {
        .dataCorrupted(.field(codingPath, detail))
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `defaultValue` when the key is absent. `null` is refused, as by `decode`.
    public func decode<T: Decodable>(_ type: T.Type = T.self, forKey key: Key, default defaultValue: T) throws -> T {
        contains(key) ? try decode(type, forKey: key) : defaultValue
    }

    /// The value at `key`, or `defaultValue` when the key is absent or `null` (diffusers' `save_config`
    /// writes `null` for settings left unset).
    public func decodeIfPresent<T: Decodable>(_ type: T.Type = T.self, forKey key: Key,
                                              default defaultValue: T) throws -> T {
        try decodeIfPresent(type, forKey: key) ?? defaultValue
    }

    /// A refusal of the value at `key`; `detail` is the rest of a sentence about the field.
    public func invalidValue(forKey key: Key, _ detail: String) -> DecodingError {
        .invalidValue(at: codingPath + [key], detail)
    }

    /// "must be `expected`, not <the value at `key`>": for a field refused as a whole, such as a
    /// list of the wrong length or with a wrong element.
    public func mismatch(forKey key: Key, expected: String) -> DecodingError {
        guard contains(key), let found = try? decode(JSONValue.self, forKey: key) else {
            return invalidValue(forKey: key, "is missing; it must be \(expected)")
        }
        return invalidValue(forKey: key, "must be \(expected), not \(found.shortDescription)")
    }
}
