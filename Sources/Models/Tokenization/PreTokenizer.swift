/// The `pre_tokenizer` of tokenizer.json: the kinds SentencePiece-based tokenizers use.
indirect enum PreTokenizer: Sendable {
    case sequence([PreTokenizer])
    /// Splits on Unicode whitespace and drops it (`WhitespaceSplit`).
    case whitespaceSplit
    /// Spaces become `replacement`, which may be prepended, then the text is split before each
    /// `replacement` (`Metaspace`).
    case metaspace(replacement: Unicode.Scalar, prepend: PrependScheme, split: Bool)

    /// When Metaspace puts `replacement` in front of a piece that does not start with it.
    enum PrependScheme: Sendable {
        case always, first, never
    }

    init(_ field: JSONField) throws {
        switch try field.typeName() {
        case "Sequence":
            self = .sequence(try field.member("pretokenizers").array().map(PreTokenizer.init))
        case "WhitespaceSplit":
            self = .whitespaceSplit
        case "Metaspace":
            let replacementField = try field.member("replacement")
            let replacement = Array(try replacementField.string().unicodeScalars)
            guard replacement.count == 1 else {
                throw replacementField.error(.invalidValue("should be exactly one character"))
            }
            var scheme = PrependScheme.always
            if let schemeField = field.optionalMember("prepend_scheme") {
                switch try schemeField.string() {
                case "always": scheme = .always
                case "first": scheme = .first
                case "never": scheme = .never
                case let other: throw schemeField.error(.invalidValue("unknown prepend scheme \(quotedLine(other))"))
                }
            }
            // Files written before prepend_scheme existed say add_prefix_space; false must agree.
            if let legacy = field.optionalMember("add_prefix_space"), try legacy.bool() == false {
                guard scheme == .never else {
                    throw legacy.error(.invalidValue("add_prefix_space false does not match prepend_scheme"))
                }
                scheme = .never
            }
            self = .metaspace(replacement: replacement[0], prepend: scheme, split: try field.flag("split", default: true))
        case let other:
            throw field.error(.unsupported("pre-tokenizer type \(quotedLine(other))"))
        }
    }

    /// Splits each piece further, dropping empty results, as tokenizers' `pre_tokenize` does.
    func split(_ pieces: [NormalizedText]) -> [NormalizedText] {
        switch self {
        case .sequence(let steps):
            return steps.reduce(pieces) { $1.split($0) }
        case .whitespaceSplit:
            return pieces.flatMap { piece in
                spans(of: piece, where: isUnicodeWhitespace).filter { !$0.isMatch }.map { piece.slice($0.range) }
            }
        case .metaspace(let replacement, let prepend, let split):
            return pieces.flatMap { original -> [NormalizedText] in
                var piece = original
                piece.replace(spans(of: piece, where: { $0 == " " }).filter(\.isMatch).map(\.range), with: [replacement])
                let startsWithReplacement = piece.scalars().first?.scalar == replacement
                if !startsWithReplacement && (prepend == .always || prepend == .first && piece.originalShift == 0) {
                    piece.prepend([replacement])
                }
                guard split else { return [piece] }
                return mergedWithNext(spans(of: piece, where: { $0 == replacement })).map { piece.slice($0) }
            }
        }
    }
}

/// The text cut into runs of single matching scalars and the non-matching spans between them
/// (tokenizers' `find_matches` for a character predicate).
private func spans(of text: NormalizedText, where isMatch: (Unicode.Scalar) -> Bool) -> [(range: Range<Int>, isMatch: Bool)] {
    var out: [(Range<Int>, Bool)] = []
    var last = 0
    for (scalar, range) in text.scalars() where isMatch(scalar) {
        if last < range.lowerBound { out.append((last..<range.lowerBound, false)) }
        out.append((range, true))
        last = range.upperBound
    }
    if last < text.bytes.count { out.append((last..<text.bytes.count, false)) }
    return out
}

/// tokenizers' `MergedWithNext` split behaviour: each delimiter joins the span after it, unless
/// that span is another delimiter or there is none.
private func mergedWithNext(_ spans: [(range: Range<Int>, isMatch: Bool)]) -> [Range<Int>] {
    var out: [Range<Int>] = []
    var previousMatch = false
    for (range, isMatch) in spans.reversed() {
        if isMatch && !previousMatch, let last = out.popLast() {
            out.append(range.lowerBound..<last.upperBound)
        } else {
            out.append(range)
        }
        previousMatch = isMatch
    }
    return out.reversed().filter { !$0.isEmpty }
}
