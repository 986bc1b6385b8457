import Tensor
import Testing
import Tokenization

/// `PromptCleaner` against diffusers' `prompt_clean` (without ftfy) and Python's `html.unescape`.
@Suite struct PromptCleanerTests {
    @Test func promptsAreCleanedLikeDiffusers() {
        let expected = Fixtures.cleaning["clean"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(expected.count == Fixtures.prompts.count)
        var failures: [String] = []
        for (index, prompt) in Fixtures.prompts.enumerated() where index < expected.count {
            let cleaned = PromptCleaner.clean(prompt)
            if !sameScalars(cleaned, expected[index]) {
                failures.append("prompt \(index): got \"\(escaped(cleaned))\" expected \"\(escaped(expected[index]))\"")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) differ:\n\(failures.prefix(5).joined(separator: "\n"))")
    }

    /// Every HTML5 entity name with and without its ";", followed by junk (longest-prefix rule), and
    /// numeric references over the invalid and out-of-range code points.
    @Test func referencesAreUnescapedLikePython() {
        let inputs = Fixtures.cleaning["entity_inputs"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let unescaped = Fixtures.cleaning["unescape"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let cleaned = Fixtures.cleaning["entity_clean"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(inputs.count > 30 && inputs.count == unescaped.count && inputs.count == cleaned.count)
        for (index, input) in inputs.enumerated() where index < min(unescaped.count, cleaned.count) {
            let once = PromptCleaner.unescapeHTML(input)
            #expect(sameScalars(once, unescaped[index]), "unescape of entity text \(index): \(firstDifference(once, unescaped[index]))")
            let clean = PromptCleaner.clean(input)
            #expect(sameScalars(clean, cleaned[index]), "clean of entity text \(index): \(firstDifference(clean, cleaned[index]))")
        }
    }

    /// For every scalar c below U+3100: c + "a" + c + c + "b" + c cleaned, in chunks of 256, joined by
    /// NUL and digested; this pins down which scalars `strip()` and `\s+` treat as whitespace.
    @Test func whitespaceIsPythons() {
        let digests = Fixtures.cleaning["whitespace_sweep_fnv"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let scalars = (0..<0x3100).compactMap { (0xD800..<0xE000).contains($0) ? nil : Unicode.Scalar(UInt32($0)) }
        let texts = scalars.map { c in text([c, "a", c, c, "b", c]) }
        var chunks: [String] = []
        for start in stride(from: 0, to: texts.count, by: 256) {
            chunks.append(fnv1a64(texts[start..<min(start + 256, texts.count)].map(PromptCleaner.clean).joined(separator: "\0").utf8))
        }
        #expect(chunks == digests)
    }

    @Test func examples() {
        #expect(PromptCleaner.clean("  A  cat\t\n&amp;amp; dog  ") == "A cat & dog")
        #expect(PromptCleaner.clean("\u{1C}x\u{1C}\u{1C}y\u{1C}") == "x\u{1C}\u{1C}y")
        #expect(sameScalars(PromptCleaner.clean("a \u{301}"), "a \u{301}"))
        #expect(sameScalars(PromptCleaner.unescapeHTML("&notit; &#x110000; &#128; &#1;x &Kopf; &\u{212A}opf;"),
                            "\u{AC}it; \u{FFFD} \u{20AC} x \u{1D542} &\u{212A}opf;"))
        #expect(PromptCleaner.clean("") == "")
    }

    private func firstDifference(_ a: String, _ b: String) -> String {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        let i = (0..<min(x.count, y.count)).first { x[$0] != y[$0] } ?? min(x.count, y.count)
        return "at scalar \(i): got \"\(escaped(text(x[i..<min(i + 20, x.count)])))\" expected \"\(escaped(text(y[i..<min(i + 20, y.count)])))\""
    }
}
