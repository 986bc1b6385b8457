/// Prompt cleaning as the Wan pipelines of diffusers do it (`prompt_clean`) where ftfy is not
/// installed: `html.unescape` twice, strip, every run of whitespace to one space, strip.
///
/// Python's semantics are kept to the code point: `str.strip()` removes what `str.isspace()` calls
/// whitespace (Unicode White_Space and U+001C-U+001F), while the `regex` module's `\s` that diffusers
/// uses is White_Space alone. Work is done on Unicode scalars, never on grapheme clusters, so a
/// combining mark after a space keeps that space, as in Python.
public enum PromptCleaner {
    /// diffusers' `prompt_clean(text)` without ftfy.
    public static func clean(_ prompt: String) -> String {
        var scalars = unescapeHTML(unescapeHTML(Array(prompt.unicodeScalars)))
        scalars = stripped(scalars)
        var collapsed: [Unicode.Scalar] = []
        collapsed.reserveCapacity(scalars.count)
        var inRun = false
        for scalar in scalars {
            let isSpace = isUnicodeWhitespace(scalar)
            if !isSpace {
                collapsed.append(scalar)
            } else if !inRun {
                collapsed.append(" ")
            }
            inRun = isSpace
        }
        return string(stripped(collapsed))
    }

    /// Python's `html.unescape`: HTML5 named references (the longest known prefix of a name also
    /// counts), and numeric ones with the HTML5 replacements for invalid code points.
    public static func unescapeHTML(_ text: String) -> String {
        string(unescapeHTML(Array(text.unicodeScalars)))
    }

    static func unescapeHTML(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains("&") else { return s }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            guard s[i] == "&" else {
                out.append(s[i])
                i += 1
                continue
            }
            if let (end, replacement) = reference(in: s, at: i) {
                out += replacement
                i = end
            } else {
                out.append("&")
                i += 1
            }
        }
        return out
    }

    /// The reference starting with the "&" at `at`: where it ends and what replaces it, or nil where
    /// Python's pattern `&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)` does not match.
    private static func reference(in s: [Unicode.Scalar], at: Int) -> (Int, [Unicode.Scalar])? {
        let start = at + 1
        if start < s.count && s[start] == "#" {
            if let (end, value) = number(in: s, from: start + 1, radix: 10) { return (end, numericReference(value)) }
            let x = start + 1
            guard x < s.count, s[x] == "x" || s[x] == "X" else { return nil }
            if let (end, value) = number(in: s, from: x + 1, radix: 16) { return (end, numericReference(value)) }
            return nil
        }
        var k = start
        while k < s.count && k - start < 32 && !"\t\n\u{0C} <&#;".unicodeScalars.contains(s[k]) { k += 1 }
        guard k > start else { return nil }
        if k < s.count && s[k] == ";" { k += 1 }
        return (k, namedReference(Array(s[start..<k])))
    }

    /// ASCII digits from `k` on (at least one), then an optional ";": the end and the value, which
    /// saturates above U+10FFFF (Python's integers do not overflow; all such values read the same).
    private static func number(in s: [Unicode.Scalar], from k: Int, radix: UInt32) -> (Int, UInt32)? {
        var end = k
        var value: UInt32 = 0
        while end < s.count, let digit = hexValue(s[end]), digit < radix {
            value = min(value * radix + digit, 0x11_0000)
            end += 1
        }
        guard end > k else { return nil }
        if end < s.count && s[end] == ";" { end += 1 }
        return (end, value)
    }

    private static func numericReference(_ value: UInt32) -> [Unicode.Scalar] {
        if let replacement = invalidCharacterReferences[value] { return [replacement] }
        if (0xD800...0xDFFF).contains(value) || value > 0x10FFFF { return ["\u{FFFD}"] }
        if isInvalidCodePoint(value) { return [] }
        return Unicode.Scalar(value).map { [$0] } ?? ["\u{FFFD}"]
    }

    /// `name` (with its ";" if it had one): the entity, else the entity of the longest prefix of at
    /// least two characters followed by the rest, else the text unchanged.
    private static func namedReference(_ name: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if let value = entity(name[...]) { return value }
        if name.count > 2 {
            for length in stride(from: name.count - 1, through: 2, by: -1) {
                if let value = entity(name[..<length]) { return value + name[length...] }
            }
        }
        return ["&"] + name
    }

    private static func entity(_ name: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar]? {
        // Names are ASCII; compare code points exactly (a String key would match U+212A to "K").
        guard name.allSatisfy(\.isASCII) else { return nil }
        return htmlEntities[name.map { UInt8($0.value) }]
    }

    /// Python's `str.strip()` with no argument.
    private static func stripped(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard let first = s.firstIndex(where: { !isPythonWhitespace($0) }),
              let last = s.lastIndex(where: { !isPythonWhitespace($0) }) else { return [] }
        return Array(s[first...last])
    }

    private static func string(_ scalars: [Unicode.Scalar]) -> String {
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        return text
    }
}

/// What Python's `str.isspace()` accepts: Unicode White_Space and the separators U+001C-U+001F.
func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    isUnicodeWhitespace(scalar) || (0x1C...0x1F).contains(scalar.value)
}

/// The named references of ``htmlEntityTable`` by the ASCII bytes of their names.
private let htmlEntities: [[UInt8]: [Unicode.Scalar]] = {
    var table: [[UInt8]: [Unicode.Scalar]] = [:]
    table.reserveCapacity(htmlEntityTable.count)
    for (name, value) in htmlEntityTable { table[Array(name.utf8)] = Array(value.unicodeScalars) }
    return table
}()

/// Python's `html._invalid_charrefs`: numeric references the HTML5 standard reads as other characters.
private let invalidCharacterReferences: [UInt32: Unicode.Scalar] = [
    0x00: "\u{FFFD}", 0x0D: "\r", 0x80: "\u{20AC}", 0x81: "\u{81}", 0x82: "\u{201A}", 0x83: "\u{0192}",
    0x84: "\u{201E}", 0x85: "\u{2026}", 0x86: "\u{2020}", 0x87: "\u{2021}", 0x88: "\u{02C6}", 0x89: "\u{2030}",
    0x8A: "\u{0160}", 0x8B: "\u{2039}", 0x8C: "\u{0152}", 0x8D: "\u{8D}", 0x8E: "\u{017D}", 0x8F: "\u{8F}",
    0x90: "\u{90}", 0x91: "\u{2018}", 0x92: "\u{2019}", 0x93: "\u{201C}", 0x94: "\u{201D}", 0x95: "\u{2022}",
    0x96: "\u{2013}", 0x97: "\u{2014}", 0x98: "\u{02DC}", 0x99: "\u{2122}", 0x9A: "\u{0161}", 0x9B: "\u{203A}",
    0x9C: "\u{0153}", 0x9D: "\u{9D}", 0x9E: "\u{017E}", 0x9F: "\u{0178}",
]

/// Python's `html._invalid_codepoints`: numeric references that produce nothing.
private func isInvalidCodePoint(_ value: UInt32) -> Bool {
    switch value {
    case 0x1...0x8, 0xB, 0xE...0x1F, 0x7F...0x9F, 0xFDD0...0xFDEF: return true
    default: return value <= 0x10FFFF && value & 0xFFFE == 0xFFFE
    }
}
