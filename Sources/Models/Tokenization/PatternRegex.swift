/// A small backtracking regular expression engine for the `Regex` patterns of tokenizer.json
/// (`Replace` normalizers). tokenizers compiles them with Oniguruma in its Ruby syntax, so this
/// follows Ruby semantics on Unicode scalars: `^`/`$` are line anchors, `.` skips only "\n", `\s`
/// `\d` `\w` are the Unicode classes, alternatives are tried in order and quantifiers are greedy
/// unless followed by `?`. Constructs outside that subset (lookaround, backreferences, named or
/// flagged groups, `\p{..}`, POSIX classes, possessive quantifiers) are rejected when the file loads.
struct PatternRegex: Sendable {
    let pattern: String
    private let root: RegexNode

    init(_ pattern: String) throws(RegexSyntaxError) {
        self.pattern = pattern
        var parser = RegexParser(Array(pattern.unicodeScalars))
        root = try parser.parseAll()
    }

    /// A pattern that matches `literal` exactly (a `String` pattern).
    init(literal: String) {
        pattern = literal
        root = .sequence(literal.unicodeScalars.map { .scalar($0) })
    }

    /// The byte ranges of successive matches in `text`, with the onig crate's `find_iter` rules: an
    /// empty match right where the previous match ended is skipped by one character.
    func matches(in text: NormalizedText) -> [Range<Int>] {
        // tokenizers' `find_matches` reports no match at all in empty text.
        guard !text.isEmpty else { return [] }
        let items = text.scalars()
        let scalars = items.map(\.scalar)
        let matcher = RegexMatcher(text: scalars)
        func byteOffset(_ index: Int) -> Int { index < items.count ? items[index].range.lowerBound : text.bytes.count }
        var out: [Range<Int>] = []
        var searchFrom = 0
        var lastMatchEnd: Int? = nil
        while searchFrom <= scalars.count {
            guard let found = firstMatch(matcher, from: searchFrom) else { break }
            if found.isEmpty && lastMatchEnd == found.upperBound {
                searchFrom += 1
                continue
            }
            searchFrom = found.upperBound
            lastMatchEnd = found.upperBound
            out.append(byteOffset(found.lowerBound)..<byteOffset(found.upperBound))
        }
        return out
    }

    /// The leftmost match starting at or after `start`, as a range of scalar indices.
    private func firstMatch(_ matcher: RegexMatcher, from start: Int) -> Range<Int>? {
        for begin in start...matcher.text.count {
            var end = -1
            if matcher.match(root, begin, { end = $0; return true }) { return begin..<end }
            if matcher.exhausted { return nil }
        }
        return nil
    }
}

/// Why a pattern cannot be used.
struct RegexSyntaxError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

indirect enum RegexNode: Sendable {
    case scalar(Unicode.Scalar)
    case set(ScalarSet)
    case sequence([RegexNode])
    case alternation([RegexNode])
    case repetition(RegexNode, min: Int, max: Int?, greedy: Bool)
    case assertion(RegexAssertion)
}

enum RegexAssertion: Sendable {
    case textStart, textEnd, textEndBeforeNewline, lineStart, lineEnd, wordBoundary, notWordBoundary
}

/// A character class: ranges and named classes, possibly negated.
struct ScalarSet: Sendable {
    enum Named: Sendable { case space, digit, word, hexDigit, anyButNewline }
    var ranges: [ClosedRange<UInt32>] = []
    var named: [(Named, negated: Bool)] = []
    var negated = false

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        var found = ranges.contains { $0.contains(scalar.value) }
        if !found {
            found = named.contains { kind, negated in Self.test(kind, scalar) != negated }
        }
        return found != negated
    }

    static func test(_ kind: Named, _ scalar: Unicode.Scalar) -> Bool {
        switch kind {
        case .space: return isUnicodeWhitespace(scalar)
        case .digit: return scalar.properties.generalCategory == .decimalNumber
        case .word: return isWordScalar(scalar)
        case .hexDigit: return scalar.isASCII && scalar.properties.isASCIIHexDigit
        case .anyButNewline: return scalar != "\n"
        }
    }
}

/// Oniguruma's and Rust regex's Unicode `\w`: letters, marks, decimal digits, connector punctuation.
func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
    let properties = scalar.properties
    if properties.isAlphabetic || properties.isJoinControl { return true }
    switch properties.generalCategory {
    case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
    default: return false
    }
}

/// Continuation-passing backtracking over scalars. The patterns come from a file, so the work of
/// the searches over one text and the depth of their recursion are bounded, like Oniguruma's retry limit: a search
/// that runs out ends the matching (a pathological pattern then matches less, and cannot hang or
/// exhaust the stack).
private final class RegexMatcher {
    let text: [Unicode.Scalar]
    private var steps = 0
    private var depth = 0
    /// Plenty for patterns that run in linear time, which take a few steps per character.
    private let maximumSteps: Int
    private static let maximumDepth = 1_000

    init(text: [Unicode.Scalar]) {
        self.text = text
        maximumSteps = 1_000_000 + 100 * text.count
    }

    var exhausted: Bool { steps > maximumSteps }

    func match(_ node: RegexNode, _ at: Int, _ next: (Int) -> Bool) -> Bool {
        steps += 1
        guard steps <= maximumSteps, depth < Self.maximumDepth else { return false }
        depth += 1
        defer { depth -= 1 }
        switch node {
        case .scalar(let scalar):
            return at < text.count && text[at] == scalar && next(at + 1)
        case .set(let set):
            return at < text.count && set.contains(text[at]) && next(at + 1)
        case .sequence(let nodes):
            return matchSequence(nodes[...], at, next)
        case .alternation(let options):
            return options.contains { match($0, at, next) }
        case .assertion(let assertion):
            return holds(assertion, at) && next(at)
        case .repetition(let inner, let min, let max, let greedy):
            if let single = singleScalarTest(inner) {
                // One character per step: count the run, then try lengths in preference order.
                var count = 0
                while max.map({ count < $0 }) ?? true, at + count < text.count, single(text[at + count]) { count += 1 }
                guard count >= min else { return false }
                let lengths = greedy ? Array((min...count).reversed()) : Array(min...count)
                return lengths.contains { next(at + $0) }
            }
            return repeatGeneral(inner, min: min, max: max, greedy: greedy, count: 0, at, next)
        }
    }

    private func matchSequence(_ nodes: ArraySlice<RegexNode>, _ at: Int, _ next: (Int) -> Bool) -> Bool {
        // Single characters in a row need no backtracking point: match them in a loop.
        var position = at
        var rest = nodes
        while let first = rest.first, let test = singleScalarTest(first) {
            guard position < text.count, test(text[position]) else { return false }
            position += 1
            rest = rest.dropFirst()
        }
        guard let first = rest.first else { return next(position) }
        return match(first, position) { self.matchSequence(rest.dropFirst(), $0, next) }
    }

    private func repeatGeneral(_ inner: RegexNode, min: Int, max: Int?, greedy: Bool, count: Int,
                               _ at: Int, _ next: (Int) -> Bool) -> Bool {
        let canRepeat = max.map { count < $0 } ?? true
        if greedy, canRepeat, iterate(inner, min: min, max: max, greedy: greedy, count: count, at, next) { return true }
        if count >= min, next(at) { return true }
        if !greedy, canRepeat, iterate(inner, min: min, max: max, greedy: greedy, count: count, at, next) { return true }
        // Below the minimum, an inner match that consumes nothing can fill every missing iteration.
        return canRepeat && count < min && match(inner, at) { $0 == at && next($0) }
    }

    /// One more iteration of `inner`, then the rest of the repetition. An iteration that consumes
    /// nothing ends the loop, so that empty repetitions cannot go on forever.
    private func iterate(_ inner: RegexNode, min: Int, max: Int?, greedy: Bool, count: Int,
                         _ at: Int, _ next: (Int) -> Bool) -> Bool {
        match(inner, at) { end in
            end != at && repeatGeneral(inner, min: min, max: max, greedy: greedy, count: count + 1, end, next)
        }
    }

    private func singleScalarTest(_ node: RegexNode) -> ((Unicode.Scalar) -> Bool)? {
        switch node {
        case .scalar(let scalar): return { $0 == scalar }
        case .set(let set): return { set.contains($0) }
        default: return nil
        }
    }

    private func holds(_ assertion: RegexAssertion, _ at: Int) -> Bool {
        switch assertion {
        case .textStart: return at == 0
        case .textEnd: return at == text.count
        case .textEndBeforeNewline: return at == text.count || (at == text.count - 1 && text[at] == "\n")
        case .lineStart: return at == 0 || text[at - 1] == "\n"
        case .lineEnd: return at == text.count || text[at] == "\n"
        case .wordBoundary, .notWordBoundary:
            let before = at > 0 && isWordScalar(text[at - 1])
            let after = at < text.count && isWordScalar(text[at])
            return (before != after) == (assertion == .wordBoundary)
        }
    }
}
