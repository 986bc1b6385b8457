/// The `normalizer` of tokenizer.json: the kinds SentencePiece-based tokenizers use.
indirect enum Normalizer: Sendable {
    case sequence([Normalizer])
    /// SentencePiece's rules (`Precompiled`).
    case precompiled(PrecompiledCharsMap)
    /// Every match of the pattern becomes `content` (`Replace`, with a `String` or `Regex` pattern).
    case replace(PatternRegex, content: [Unicode.Scalar])
    /// Leading and/or trailing Unicode whitespace removed (`Strip`).
    case strip(left: Bool, right: Bool)
    /// `prefix` put before non-empty text (`Prepend`).
    case prepend([Unicode.Scalar])
    /// Every character replaced by its full Unicode lowercase mapping (`Lowercase`).
    case lowercase

    init(_ field: JSONField) throws {
        switch try field.typeName() {
        case "Sequence":
            self = .sequence(try field.member("normalizers").array().map(Normalizer.init))
        case "Precompiled":
            let charsmap = try field.member("precompiled_charsmap")
            guard let blob = decodeBase64(try charsmap.string()) else {
                throw charsmap.error(.invalidCharsMap("not valid base64"))
            }
            do {
                self = .precompiled(try PrecompiledCharsMap(blob))
            } catch {
                throw charsmap.error(.invalidCharsMap(error.message))
            }
        case "Replace":
            let pattern = try field.member("pattern")
            let content = Array(try field.member("content").string().unicodeScalars)
            if let literal = pattern.optionalMember("String") {
                self = .replace(PatternRegex(literal: try literal.string()), content: content)
            } else if let regex = pattern.optionalMember("Regex") {
                let text = try regex.string()
                do {
                    self = .replace(try PatternRegex(text), content: content)
                } catch {
                    throw regex.error(.invalidRegex(pattern: text, message: error.message))
                }
            } else {
                throw pattern.error(.wrongKind(expected: "{\"String\": ...} or {\"Regex\": ...}", found: pattern.value.kindDescription))
            }
        case "Strip":
            self = .strip(left: try field.member("strip_left").bool(), right: try field.member("strip_right").bool())
        case "Prepend":
            self = .prepend(Array(try field.member("prepend").string().unicodeScalars))
        case "Lowercase":
            self = .lowercase
        case let other:
            throw field.error(.unsupported("normalizer type \(quotedLine(other))"))
        }
    }

    /// Applies the normalizer in place, as tokenizers does to a `NormalizedString`.
    func normalize(_ text: inout NormalizedText) {
        switch self {
        case .sequence(let normalizers):
            for normalizer in normalizers { normalizer.normalize(&text) }
        case .precompiled(let charsmap):
            charsmap.normalize(&text)
        case .replace(let pattern, let content):
            text.replace(pattern.matches(in: text), with: content)
        case .strip(let left, let right):
            text.strip(left: left, right: right)
        case .prepend(let prefix):
            text.prepend(prefix)
        case .lowercase:
            text.lowercase()
        }
    }
}
