/// Parses the Ruby-syntax subset of ``PatternRegex`` into a ``RegexNode`` tree.
struct RegexParser {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var depth = 0

    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

    private var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private mutating func take() -> Unicode.Scalar? {
        guard index < scalars.count else { return nil }
        defer { index += 1 }
        return scalars[index]
    }

    private func fail(_ message: String) -> RegexSyntaxError {
        RegexSyntaxError("\(message) at character \(index)")
    }

    mutating func parseAll() throws(RegexSyntaxError) -> RegexNode {
        let node = try parseAlternation()
        guard index == scalars.count else { throw fail("unmatched \")\"") }
        return node
    }

    private mutating func parseAlternation() throws(RegexSyntaxError) -> RegexNode {
        var options = [try parseSequence()]
        while peek == "|" {
            index += 1
            options.append(try parseSequence())
        }
        return options.count == 1 ? options[0] : .alternation(options)
    }

    private mutating func parseSequence() throws(RegexSyntaxError) -> RegexNode {
        var items: [RegexNode] = []
        while let scalar = peek, scalar != "|", scalar != ")" {
            var atom = try parseAtom()
            while let quantified = try parseQuantifier(atom) { atom = quantified }
            items.append(atom)
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private mutating func parseAtom() throws(RegexSyntaxError) -> RegexNode {
        guard let scalar = take() else { throw fail("unexpected end of pattern") }
        switch scalar {
        case "(":
            if peek == "?" {
                guard index + 1 < scalars.count, scalars[index + 1] == ":" else {
                    throw fail("group options, lookaround and named groups (\"(?\") are not supported")
                }
                index += 2
            }
            depth += 1
            guard depth <= 64 else { throw fail("groups nested more than 64 deep") }
            let inner = try parseAlternation()
            depth -= 1
            guard take() == ")" else { throw fail("unclosed \"(\"") }
            return inner
        case "[": return .set(try parseClass())
        case ".": return .set(ScalarSet(named: [(.anyButNewline, false)]))
        case "^": return .assertion(.lineStart)
        case "$": return .assertion(.lineEnd)
        case "*", "+", "?": throw fail("quantifier \"\(scalar)\" with nothing to repeat")
        case "\\": return try parseEscape(inClass: false)
        default: return .scalar(scalar)
        }
    }

    /// A quantifier after `atom`, or nil (a `{` that is no valid interval is a literal, as in Ruby).
    private mutating func parseQuantifier(_ atom: RegexNode) throws(RegexSyntaxError) -> RegexNode? {
        guard let scalar = peek else { return nil }
        var bounds: (Int, Int?)
        switch scalar {
        case "*": bounds = (0, nil); index += 1
        case "+": bounds = (1, nil); index += 1
        case "?": bounds = (0, 1); index += 1
        case "{":
            guard let interval = parseInterval() else { return nil }
            bounds = interval
        default: return nil
        }
        if case .assertion = atom { throw fail("quantifier after an anchor") }
        var greedy = true
        if peek == "?" {
            greedy = false
            index += 1
        } else if peek == "+", scalar != "{" {
            throw fail("possessive quantifiers are not supported")
        }
        return .repetition(atom, min: bounds.0, max: bounds.1, greedy: greedy)
    }

    /// `{n}`, `{n,}`, `{n,m}` or `{,m}`; leaves the position alone and returns nil for anything else.
    private mutating func parseInterval() -> (Int, Int?)? {
        let start = index
        index += 1
        let low = digits()
        var high: Int?
        if peek == "," {
            index += 1
            high = digits()
            if low == nil && high == nil { index = start; return nil }
        } else {
            high = low
        }
        guard peek == "}", low != nil || high != nil else { index = start; return nil }
        index += 1
        let min = low ?? 0
        if let high, high < min { index = start; return nil }
        return (min, high)
    }

    private mutating func digits() -> Int? {
        var value: Int?
        while let scalar = peek, let digit = decimalValue(scalar) {
            value = min((value ?? 0) * 10 + digit, 100_000)
            index += 1
        }
        return value
    }

    private mutating func parseClass() throws(RegexSyntaxError) -> ScalarSet {
        var set = ScalarSet()
        if peek == "^" {
            set.negated = true
            index += 1
        }
        var first = true
        while true {
            guard let scalar = take() else { throw fail("unclosed \"[\"") }
            if scalar == "]" && !first { return set }
            first = false
            if scalar == "[" { throw fail("nested classes and POSIX brackets are not supported") }
            if scalar == "&", peek == "&" { throw fail("class intersection is not supported") }
            var low: Unicode.Scalar = scalar
            if scalar == "\\" {
                switch try parseEscape(inClass: true) {
                case .scalar(let escaped): low = escaped
                case .set(let named):
                    set.named += named.named
                    continue
                default: throw fail("unsupported escape in a class")
                }
            }
            if peek == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                index += 1
                guard var high = take() else { throw fail("unclosed \"[\"") }
                if high == "\\" {
                    guard case .scalar(let escaped) = try parseEscape(inClass: true) else {
                        throw fail("a class range must end in a character")
                    }
                    high = escaped
                }
                guard low.value <= high.value else { throw fail("empty class range") }
                set.ranges.append(low.value...high.value)
            } else {
                set.ranges.append(low.value...low.value)
            }
        }
    }

    private mutating func parseEscape(inClass: Bool) throws(RegexSyntaxError) -> RegexNode {
        guard let scalar = take() else { throw fail("pattern ends with a backslash") }
        func named(_ kind: ScalarSet.Named, _ negated: Bool) -> RegexNode {
            .set(ScalarSet(named: [(kind, negated)]))
        }
        switch scalar {
        case "s": return named(.space, false)
        case "S": return named(.space, true)
        case "d": return named(.digit, false)
        case "D": return named(.digit, true)
        case "w": return named(.word, false)
        case "W": return named(.word, true)
        case "h": return named(.hexDigit, false)
        case "H": return named(.hexDigit, true)
        case "t": return .scalar("\t")
        case "n": return .scalar("\n")
        case "r": return .scalar("\r")
        case "f": return .scalar("\u{0C}")
        case "v": return .scalar("\u{0B}")
        case "a": return .scalar("\u{07}")
        case "e": return .scalar("\u{1B}")
        case "x": return .scalar(try parseHexEscape())
        case "u": return .scalar(try parseHex(count: 4))
        case "A", "z", "Z", "b", "B", "G":
            guard !inClass else {
                if scalar == "b" { return .scalar("\u{08}") }
                throw fail("\\\(scalar) inside a class")
            }
            switch scalar {
            case "A": return .assertion(.textStart)
            case "z": return .assertion(.textEnd)
            case "Z": return .assertion(.textEndBeforeNewline)
            case "b": return .assertion(.wordBoundary)
            case "B": return .assertion(.notWordBoundary)
            default: throw fail("\\G is not supported")
            }
        default:
            if scalar.properties.isAlphabetic || decimalValue(scalar) != nil {
                throw fail("escape \\\(scalar) is not supported")
            }
            return .scalar(scalar)
        }
    }

    private mutating func parseHexEscape() throws(RegexSyntaxError) -> Unicode.Scalar {
        if peek == "{" {
            index += 1
            var value: UInt32 = 0
            var count = 0
            while let scalar = peek, scalar != "}" {
                guard let digit = hexValue(scalar), count < 8 else { throw fail("bad \\x{...} escape") }
                value = value << 4 | digit
                count += 1
                index += 1
            }
            guard take() == "}", count > 0, let result = Unicode.Scalar(value) else { throw fail("bad \\x{...} escape") }
            return result
        }
        var value: UInt32 = 0
        var count = 0
        while count < 2, let scalar = peek, let digit = hexValue(scalar) {
            value = value << 4 | digit
            count += 1
            index += 1
        }
        guard count > 0, let result = Unicode.Scalar(value) else { throw fail("bad \\x escape") }
        return result
    }

    private mutating func parseHex(count: Int) throws(RegexSyntaxError) -> Unicode.Scalar {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let scalar = take(), let digit = hexValue(scalar) else { throw fail("bad \\u escape") }
            value = value << 4 | digit
        }
        guard let result = Unicode.Scalar(value) else { throw fail("\\u escape names a surrogate") }
        return result
    }
}

private extension ScalarSet {
    init(named: [(Named, negated: Bool)]) {
        self.init()
        self.named = named
    }
}

func decimalValue(_ scalar: Unicode.Scalar) -> Int? {
    (0x30...0x39).contains(scalar.value) ? Int(scalar.value - 0x30) : nil
}

func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
    switch scalar.value {
    case 0x30...0x39: return scalar.value - 0x30
    case 0x41...0x46: return scalar.value - 0x41 + 10
    case 0x61...0x66: return scalar.value - 0x61 + 10
    default: return nil
    }
}
