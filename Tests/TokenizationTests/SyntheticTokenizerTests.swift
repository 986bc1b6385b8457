import Tensor
import Testing
import Tokenization

/// Small hand-made tokenizers against the library (synthetic.json): `Replace` regexes as
/// Oniguruma runs them, and Unigram edge cases (score ties, pieces listed twice, unknown characters,
/// byte fallback, an unknown id that is not 0).
@Suite struct SyntheticTokenizerTests {
    /// A minimal Unigram tokenizer.json around `normalizer`.
    static func tokenizer(normalizer: JSONValue) throws -> UnigramTokenizer {
        try UnigramTokenizer(json: .object([
            "version": .string("1.0"),
            "normalizer": normalizer,
            "pre_tokenizer": .null,
            "added_tokens": .array([]),
            "model": .object([
                "type": .string("Unigram"), "unk_id": .int(0),
                "vocab": .array([.array([.string("<unk>"), .double(0)])]),
            ]),
        ]))
    }

    @Test func replaceRegexesMatchOniguruma() throws {
        let inputs = Fixtures.synthetic["replace_inputs"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let cases = Fixtures.synthetic["replace"]?.arrayValue ?? []
        #expect(cases.count >= 20)
        var failures: [String] = []
        for entry in cases {
            let pattern = try #require(entry["pattern"]?.stringValue)
            let content = try #require(entry["content"]?.stringValue)
            let outputs = entry["outputs"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let tokenizer = try Self.tokenizer(normalizer: .object([
                "type": .string("Replace"), "pattern": .object(["Regex": .string(pattern)]), "content": .string(content),
            ]))
            for (input, expected) in zip(inputs, outputs) {
                let got = try tokenizer.normalize(input)
                if !sameScalars(got, expected) {
                    failures.append("/\(escaped(pattern))/ on \"\(escaped(input))\": got \"\(escaped(got))\" expected \"\(escaped(expected))\"")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) differ:\n\(failures.prefix(10).joined(separator: "\n"))")
    }

    @Test(arguments: ["ties", "duplicates", "unknowns", "byte-fallback", "unk-last"])
    func unigramEdgeCasesMatchTheLibrary(_ name: String) throws {
        let entry = try #require(Fixtures.synthetic["models"]?[name])
        let tokenizer = try UnigramTokenizer(json: try #require(entry["tokenizer"]))
        let texts = entry["texts"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let expected = entry["ids"]?.arrayValue?.map { $0.arrayValue?.compactMap(\.intValue) ?? [] } ?? []
        #expect(!texts.isEmpty && texts.count == expected.count)
        for (text, ids) in zip(texts, expected) {
            #expect(try tokenizer.encode(text) == ids, "\(name): \"\(escaped(text))\"")
        }
    }

    /// Patterns come from files: exponential backtracking and deep nesting end (bounded work and
    /// depth) instead of hanging or exhausting the stack.
    @Test func pathologicalPatternsEnd() throws {
        func replacing(_ pattern: String) throws -> UnigramTokenizer {
            try Self.tokenizer(normalizer: .object([
                "type": .string("Replace"), "pattern": .object(["Regex": .string(pattern)]), "content": .string("X"),
            ]))
        }
        let a = String(repeating: "a", count: 40)
        #expect(try replacing("(a*)*b").normalize(a) == a)
        #expect(try replacing("(?:ab)+").normalize(String(repeating: "ab", count: 200) + "c") == "Xc")
        let long = String(repeating: "xy", count: 5_000)
        #expect(try replacing(long).normalize("-" + long + "-") == "-X-")
        _ = try replacing("(" + String(repeating: "(?:a|b)", count: 64) + ")+").normalize(String(repeating: "ab", count: 3_000))
    }

    @Test func stringPatternsAreLiteral() throws {
        let tokenizer = try Self.tokenizer(normalizer: .object([
            "type": .string("Sequence"), "normalizers": .array([
                .object(["type": .string("Replace"), "pattern": .object(["String": .string("a.b*")]), "content": .string("X")]),
                .object(["type": .string("Strip"), "strip_left": .bool(true), "strip_right": .bool(true)]),
                .object(["type": .string("Prepend"), "prepend": .string("\u{2581}")]),
            ]),
        ]))
        #expect(try tokenizer.normalize("  a.b* aab\u{3000}") == "\u{2581}X aab")
        #expect(try tokenizer.normalize(" \t ") == "")
    }
}
