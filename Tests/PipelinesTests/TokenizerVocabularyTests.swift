import CPUBackend
import Foundation
import Pipelines
import Tensor
import TestSupport
import Testing
import Tokenization

/// A tokenizer whose ids the text encoder has no rows for is blamed on the tokenizer file and its
/// field, not on "UMT5 input" (issue 20).
@Suite struct TokenizerVocabularyTests {
    /// The tiny Wan pipeline's tokenizer.json with one added token, id 108 (past the text encoder's
    /// 108 rows), and `padding.pad_id` set to `padID`.
    static func tokenizer(padID: Int) throws -> UnigramTokenizer {
        let path = fixturePath("wan_pipeline/tiny-wan/tokenizer/tokenizer.json")
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let added = #"{"id": 108, "content": "<zz>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}, "#
        text = text.replacingOccurrences(of: #""added_tokens": ["#, with: #""added_tokens": ["# + added)
        text = text.replacingOccurrences(of: #""padding": null"#, with: #""padding": {"pad_id": \#(padID)}"#)
        return try UnigramTokenizer(bytes: Array(text.utf8))
    }

    @Test func aPadIDTheTextEncoderLacksNamesTheTokenizerField() throws {
        let files = try WanModelFiles(folder: fixturePath("wan_pipeline/tiny-wan"))
        let textEncoder = try files.loadTextEncoder(precision: .f32)
        #expect(try PromptEncoder(tokenizer: try Self.tokenizer(padID: 0), textEncoder: textEncoder).tokenize("a fox").ids.count == 512)
        let encoder = PromptEncoder(tokenizer: try Self.tokenizer(padID: 108), textEncoder: textEncoder)
        let error = #expect(throws: TokenizerError.self) { try encoder.tokenize("a fox") }
        #expect(error?.description
            == "tokenizer.json: padding.pad_id: is 108, outside the text encoder's vocabulary 0..<108 (its config.json vocab_size)")
        let token = #expect(throws: TokenizerError.self) { try encoder.tokenize("a <zz> fox") }
        #expect(token?.description.hasPrefix("tokenizer.json: token id 108 is outside the text encoder's vocabulary") == true)
    }
}
