import Tensor
import Testing
import Tokenization

/// tokenizer.json rules that would make a normalized text huge, and pad ids outside the vocabulary:
/// refused as a ``TokenizerError`` naming the rule, never an allocation of gigabytes (issue 20).
@Suite struct HostileNormalizerTests {
    static func replace(_ pattern: String, with content: String) -> JSONValue {
        .object(["type": .string("Replace"), "pattern": .object(["String": .string(pattern)]), "content": .string(content)])
    }

    static func tokenizer(normalizer: JSONValue) throws -> UnigramTokenizer {
        try UnigramTokenizer(json: MalformedTokenizerTests.document(["normalizer": normalizer]))
    }

    // Before the bound, 100 matches of a 64 KiB replacement built a 6.5 MB piece with an 8-byte
    // origin per byte; a long prompt asked for gigabytes.
    @Test func aLongReplacementForEveryCharacterIsRefused() throws {
        let tokenizer = try Self.tokenizer(normalizer: Self.replace("a", with: String(repeating: "x", count: 65_536)))
        let text = String(repeating: "a", count: 100)
        let error = #expect(throws: TokenizerError.self) { try tokenizer.encode(text) }
        #expect(error?.field == "normalizer")
        #expect(error?.reason == .normalizedTooLong(bytes: 100 * 65_536, limit: 4 << 20))
        #expect(error?.description == "normalizer: this rule would make the normalized text 6553600 bytes long, more than the 4194304 allowed")
        #expect(throws: TokenizerError.self) { try tokenizer.normalize(text) }
        // The same rule on a short text is within the bound and applied as tokenizers applies it.
        #expect(try tokenizer.normalize("bab") == "b" + String(repeating: "x", count: 65_536) + "b")
    }

    // Each rule alone grows the text 64 times; the third of the chain crosses the bound.
    @Test func chainedReplacementsAreStoppedAtTheRuleThatCrossesTheBound() throws {
        let grow = Self.replace("a", with: String(repeating: "a", count: 64))
        let tokenizer = try Self.tokenizer(normalizer: .object(["type": .string("Sequence"), "normalizers": .array([grow, grow, grow])]))
        let error = #expect(throws: TokenizerError.self) { try tokenizer.normalize(String(repeating: "a", count: 20)) }
        #expect(error?.field == "normalizer.normalizers[2]")
        #expect(error?.reason == .normalizedTooLong(bytes: 20 * 64 * 64 * 64, limit: 4 << 20))
        #expect(try tokenizer.normalize("a").utf8.count == 64 * 64 * 64)
    }

    @Test(arguments: [100_000, -1])
    func aPadIDOutsideTheVocabularyNamesTheField(_ id: Int) throws {
        let json = MalformedTokenizerTests.document(["padding": .object(["pad_id": .int(id)])])
        let error = #expect(throws: TokenizerError.self) { try UnigramTokenizer(json: json) }
        #expect(error?.field == "padding.pad_id")
        #expect(error?.description == "padding.pad_id: is \(id), outside the tokenizer's vocabulary 0..<2")
    }

    @Test func theSourceOfThePadIDIsKept() throws {
        let padded = try UnigramTokenizer(json: MalformedTokenizerTests.document(["padding": .object(["pad_id": .int(1)])]))
        #expect(padded.padTokenID == 1 && padded.padTokenSource == "padding.pad_id")
        let plain = try UnigramTokenizer(json: MalformedTokenizerTests.document())
        #expect(plain.padTokenID == nil && plain.padTokenSource == "the \"<pad>\" token")
    }
}
