/// The `normalizer` of tokenizer.json: the kinds SentencePiece-based tokenizers use.
indirect enum Normalizer: Sendable {
    case sequence([Normalizer])
    /// SentencePiece's rules (`Precompiled`); `field` is its path in the file, for errors.
    case precompiled(PrecompiledCharsMap, field: String)
    /// Every match of the pattern becomes `content` (`Replace`, with a `String` or `Regex` pattern);
    /// `field` is its path in the file, for errors.
    case replace(PatternRegex, content: [Unicode.Scalar], field: String)
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
                self = .precompiled(try PrecompiledCharsMap(blob), field: field.path)
            } catch {
                throw charsmap.error(.invalidCharsMap(error.message))
            }
        case "Replace":
            let pattern = try field.member("pattern")
            let content = Array(try field.member("content").string().unicodeScalars)
            if let literal = pattern.optionalMember("String") {
                self = .replace(PatternRegex(literal: try literal.string()), content: content, field: field.path)
            } else if let regex = pattern.optionalMember("Regex") {
                let text = try regex.string()
                do {
                    self = .replace(try PatternRegex(text), content: content, field: field.path)
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

    /// Applies the normalizer in place, as tokenizers does to a `NormalizedString`. Throws
    /// ``TokenizerError/Reason/normalizedTooLong(bytes:limit:)`` naming the rule that would grow the
    /// text past ``NormalizedText/maximumBytes``.
    func normalize(_ text: inout NormalizedText) throws {
        func limited(_ field: String, _ body: (inout NormalizedText) throws -> Void) throws {
            do { try body(&text) } catch let error as NormalizationTooLong {
                throw TokenizerError(field: field.isEmpty ? nil : field, .normalizedTooLong(bytes: error.bytes, limit: NormalizedText.maximumBytes))
            }
        }
        switch self {
        case .sequence(let normalizers):
            for normalizer in normalizers { try normalizer.normalize(&text) }
        case .precompiled(let charsmap, let field):
            try limited(field) { try charsmap.normalize(&$0) }
        case .replace(let pattern, let content, let field):
            let matches = pattern.matches(in: text)
            // Counted before anything is built: a long content for every character asks for gigabytes.
            let width = content.reduce(0) { $0 + UTF8.width($1) }
            try limited(field) { try $0.checkGrowth(to: $0.byteCount(replacing: matches, withBytes: width)) }
            text.replace(matches, with: content)
        case .strip(let left, let right):
            text.strip(left: left, right: right)
        case .prepend(let prefix):
            text.prepend(prefix)  // once per piece: the file's own length
        case .lowercase:
            text.lowercase()  // at most 3 bytes per byte (Unicode's longest lowercase mappings)
        }
    }
}
