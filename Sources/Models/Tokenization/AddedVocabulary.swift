/// The `added_tokens` of tokenizer.json: strings (special tokens such as `</s>`, sentinels such as
/// `<extra_id_0>`) that are cut out of the text before the model sees it and never split.
/// Tokens with `normalized: false` are found in the raw text; the others in the normalized text.
struct AddedVocabulary: Sendable {
    struct Token: Sendable {
        let content: [UInt8]
        let id: Int
        let singleWord: Bool
        let leftStrip: Bool
        let rightStrip: Bool
        let normalized: Bool
        let special: Bool
    }

    /// The tokens by id, the last definition of an id winning, as in tokenizers' reverse map.
    private(set) var tokens: [Int: Token] = [:]
    private var contentIDs: [ArraySlice<UInt8>: Int] = [:]
    private(set) var raw = Matcher()
    private(set) var normalizedMatcher = Matcher()

    /// Reads the tokens in file order and gives ids the way tokenizers' `add_tokens` does when it
    /// loads a file: the id of an earlier added token or model piece with the same content, else the
    /// next id after the model's vocabulary. The file's own `id` fields are not consulted.
    init(_ field: JSONField?, model: UnigramModel, normalizer: Normalizer?) throws {
        var nextID = model.pieces.count
        for entry in try field?.array() ?? [] {
            let content = Array(try entry.member("content").string().utf8)
            guard !content.isEmpty else { continue }
            let special = try entry.flag("special", default: false)
            let id: Int
            if let known = contentIDs[content[...]] ?? model.id(of: content[...]) {
                id = known
            } else {
                id = nextID
                nextID += 1
            }
            contentIDs[content[...]] = id
            tokens[id] = Token(
                content: content, id: id, singleWord: try entry.flag("single_word", default: false),
                leftStrip: try entry.flag("lstrip", default: false), rightStrip: try entry.flag("rstrip", default: false),
                normalized: try entry.flag("normalized", default: !special), special: special)
        }
        for token in tokens.values.sorted(by: { $0.id < $1.id }) {
            if token.normalized {
                var text = NormalizedText(original: token.content[...], at: 0)
                try normalizer?.normalize(&text)
                guard !text.isEmpty else { continue }
                try normalizedMatcher.add(text.bytes, id: token.id, field: field)
            } else {
                try raw.add(token.content, id: token.id, field: field)
            }
        }
    }

    /// The id of an added token with exactly this content.
    func id(of content: ArraySlice<UInt8>) -> Int? { contentIDs[content] }

    /// The largest id an added token has, if any.
    var largestID: Int? { tokens.keys.max() }

    /// tokenizers' `find_matches`: `text` cut into added tokens (with their id) and the spans between
    /// (id nil), with the single-word and strip rules applied to the matches.
    func split(_ text: [UInt8], with matcher: Matcher) -> [(range: Range<Int>, id: Int?)] {
        guard !text.isEmpty else { return [] }
        var out: [(Range<Int>, Int?)] = []
        var consumed = 0
        for (match, id) in matcher.leftmostLongest(in: text) {
            guard let token = tokens[id] else { continue }
            var start = match.lowerBound
            var stop = match.upperBound
            if token.singleWord {
                let wordBefore = start > 0 && lastScalar(text[..<start]).map(isWordScalar) == true
                let wordAfter = stop < text.count && firstScalar(text[stop...]).map(isWordScalar) == true
                if wordBefore || wordAfter { continue }
            }
            if token.leftStrip {
                start = max(start - trailingWhitespaceBytes(text[..<start]), consumed)
            }
            if token.rightStrip {
                stop += leadingWhitespaceBytes(text[stop...])
            }
            if consumed < start { out.append((consumed..<start, nil)) }
            out.append((start..<stop, id))
            consumed = stop
        }
        if consumed < text.count { out.append((consumed..<text.count, nil)) }
        return out
    }

    /// A set of byte patterns found leftmost-longest and without overlap, like the daachorse
    /// automaton tokenizers builds with `MatchKind::LeftmostLongest`.
    struct Matcher: Sendable {
        private var patterns: [ArraySlice<UInt8>: Int] = [:]
        private var lengths: [Int] = []

        var isEmpty: Bool { patterns.isEmpty }

        mutating func add(_ pattern: [UInt8], id: Int, field: JSONField?) throws {
            guard patterns.updateValue(id, forKey: pattern[...]) == nil else {
                let text = String(decoding: pattern, as: UTF8.self)
                throw TokenizerError(field: field?.path, .invalidValue("two added tokens match the same text \(quotedLine(text))"))
            }
            if !lengths.contains(pattern.count) {
                lengths.append(pattern.count)
                lengths.sort(by: >)
            }
        }

        func leftmostLongest(in text: [UInt8]) -> [(Range<Int>, Int)] {
            guard !patterns.isEmpty else { return [] }
            var out: [(Range<Int>, Int)] = []
            var start = 0
            scan: while start < text.count {
                for length in lengths where start + length <= text.count {
                    if let id = patterns[text[start..<start + length]] {
                        out.append((start..<start + length, id))
                        start += length
                        continue scan
                    }
                }
                start += 1
            }
            return out
        }
    }
}

private func firstScalar(_ bytes: ArraySlice<UInt8>) -> Unicode.Scalar? {
    String(decoding: bytes.prefix(4), as: UTF8.self).unicodeScalars.first
}

private func lastScalar(_ bytes: ArraySlice<UInt8>) -> Unicode.Scalar? {
    var start = bytes.endIndex
    while start > bytes.startIndex {
        start -= 1
        if !isContinuationByte(bytes[start]) { break }
    }
    return String(decoding: bytes[start...], as: UTF8.self).unicodeScalars.first
}

/// The byte length of the whitespace run that ends `bytes`.
private func trailingWhitespaceBytes(_ bytes: ArraySlice<UInt8>) -> Int {
    let scalars = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
    return scalars.reversed().prefix(while: isUnicodeWhitespace).reduce(0) { $0 + UTF8.width($1) }
}

/// The byte length of the whitespace run that starts `bytes`.
private func leadingWhitespaceBytes(_ bytes: ArraySlice<UInt8>) -> Int {
    String(decoding: bytes, as: UTF8.self).unicodeScalars.prefix(while: isUnicodeWhitespace).reduce(0) { $0 + UTF8.width($1) }
}
