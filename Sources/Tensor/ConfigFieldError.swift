/// A config field that could not be decoded or is refused, as one plain sentence naming the file and
/// the field's key path:
///
///     transformer/config.json: "patch_size" must be a list of 3 whole numbers, not "x"
///
/// ``init(_:file:)`` is the one place where a `DecodingError` becomes such a sentence. The model and
/// scheduler configs carry its ``field`` and ``detail`` in their own error types.
public struct ConfigFieldError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The ``field`` of a problem with the document itself (a list where an object belongs, say).
    public static let document = "(document)"

    /// The file, as the caller names it; nil when the JSON came from elsewhere.
    public var file: String?
    /// The key path as written in the file (`patch_size`, `patch_size[1]`, `blocks[2].dim`), or
    /// ``document``.
    public var field: String
    /// The rest of the sentence about the field: `must be a whole number, not 2.5`, `is missing`.
    public var detail: String

    /// A problem with `field` of `file`.
    public init(file: String? = nil, field: String, detail: String) {
        self.file = file
        self.field = field
        self.detail = detail
    }

    /// The sentence a `DecodingError` stands for. Errors from ``JSONValueDecoder`` and from the
    /// `KeyedDecodingContainer` helpers carry their own wording; any other `DecodingError` is
    /// described from its case.
    public init(_ error: DecodingError, file: String? = nil) {
        let path: [any CodingKey]
        let detail: String
        switch error {
        case .typeMismatch(let type, let context):
            path = context.codingPath
            detail = context.fieldDetail ?? "must be \(describe(type))"
        case .valueNotFound(let type, let context):
            path = context.codingPath
            detail = context.fieldDetail ?? "must be \(describe(type)), not null"
        case .keyNotFound(let key, let context):
            path = context.codingPath + [key]
            detail = context.fieldDetail ?? "is missing"
        case .dataCorrupted(let context):
            path = context.codingPath
            detail = context.fieldDetail ?? "is not valid: \(context.debugDescription)"
        @unknown default:
            path = []
            detail = "could not be decoded: \(error)"
        }
        self.init(file: file, field: keyPath(path), detail: detail)
    }

    public var description: String {
        let source = file ?? "config"
        return field == Self.document ? "\(source) \(detail)" : "\(source): \"\(field)\" \(detail)"
    }
}

/// `patch_size[1]`, `blocks[2].dim`; ``ConfigFieldError/document`` for the root.
private func keyPath(_ path: [any CodingKey]) -> String {
    var text = ""
    for key in path {
        if let index = key.intValue, key is JSONCodingKey || key.stringValue == "Index \(index)" {
            text += "[\(index)]"
        } else {
            text += (text.isEmpty ? "" : ".") + key.stringValue
        }
    }
    return text.isEmpty ? ConfigFieldError.document : text
}

/// What a value of `type` is, for errors from decoders other than ``JSONValueDecoder``.
private func describe(_ type: Any.Type) -> String {
    switch type {
    case is any BinaryInteger.Type: return "a whole number"
    case is any BinaryFloatingPoint.Type: return "a number"
    case is String.Type: return "a string"
    case is Bool.Type: return "true or false"
    default: return "a value of type \(type)"
    }
}
