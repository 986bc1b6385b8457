/// A tokenizer.json that cannot be read or interpreted, or an encoding request the tokenizer cannot
/// serve. The description is one plain line naming the file (when there is one) and the JSON field:
///
///     tokenizer.json: normalizer.normalizers[0].precompiled_charsmap: the trie is 12 bytes long but the data holds 8
public struct TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file the problem is in, as the caller spelled it; nil for bytes or JSON handed over directly.
    public let path: String?
    /// The JSON field concerned, as a path such as `model.vocab[3]`; nil when none is.
    public let field: String?
    /// What is wrong.
    public let reason: Reason

    /// An error about `field` of the file at `path` (either may be nil).
    public init(path: String? = nil, field: String? = nil, _ reason: Reason) {
        self.path = path
        self.field = field
        self.reason = reason
    }

    /// What is wrong with a tokenizer file or request.
    public enum Reason: Equatable, Sendable {
        /// The file is missing or cannot be read (the system's message).
        case unreadable(String)
        /// The text is not valid JSON (the parser's message).
        case invalidJSON(String)
        /// A required field is absent.
        case missing
        /// A field holds the wrong kind of value: what was expected, and what it is instead.
        case wrongKind(expected: String, found: String)
        /// A field holds a value out of range or otherwise invalid (what is wrong).
        case invalidValue(String)
        /// A component type or option this implementation does not interpret (which one).
        case unsupported(String)
        /// A `precompiled_charsmap` that is not valid base64 or not a valid SentencePiece charsmap.
        case invalidCharsMap(String)
        /// A regular expression this implementation cannot parse (the pattern and the problem).
        case invalidRegex(pattern: String, message: String)
        /// Padding was asked for but the tokenizer has no pad token.
        case noPadToken
        /// `maxLength` is smaller than the special tokens the post-processor adds.
        case maxLengthTooSmall(maxLength: Int, specialTokens: Int)
        /// A normalizer rule would make the text longer than the limit (at least `bytes` bytes).
        case normalizedTooLong(bytes: Int, limit: Int)
    }

    public var description: String {
        var line = ""
        if let path { line += singleLine(path) + ": " }
        if let field { line += field + ": " }
        return line + reasonText
    }

    private var reasonText: String {
        switch reason {
        case .unreadable(let message): return "cannot be read: \(singleLine(message))"
        case .invalidJSON(let message): return "is not valid JSON: \(singleLine(message))"
        case .missing: return "is missing"
        case .wrongKind(let expected, let found): return "should be \(expected) but is \(found)"
        case .invalidValue(let message): return singleLine(message)
        case .unsupported(let message): return "\(singleLine(message)) is not supported"
        case .invalidCharsMap(let message): return "invalid precompiled charsmap: \(singleLine(message))"
        case .invalidRegex(let pattern, let message):
            return "cannot use the regular expression \(quotedLine(pattern)): \(singleLine(message))"
        case .noPadToken: return "padding needs a pad token, and the tokenizer has none (no \"<pad>\" and no padding.pad_id)"
        case .maxLengthTooSmall(let maxLength, let specials):
            return "maxLength \(maxLength) leaves no room for the \(specials) special tokens the post-processor adds"
        case .normalizedTooLong(let bytes, let limit):
            return "this rule would make the normalized text \(bytes) bytes long, more than the \(limit) allowed"
        }
    }
}

/// `text` in double quotes, kept on one line.
func quotedLine(_ text: String) -> String { "\"" + singleLine(text) + "\"" }

/// `text` with control characters (newlines included) escaped, so that a message stays on one line.
func singleLine(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else {
        return text
    }
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
            out += "\\u{" + String(scalar.value, radix: 16) + "}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
