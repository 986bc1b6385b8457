import NN
import Tensor
import Tokenization
import UMT5

/// Prompts to the text context the Wan transformer reads (diffusers' `WanPipeline.encode_prompt`,
/// docs/wan-reference.md §3.4): clean the prompt (HTML unescaping, whitespace collapsing), tokenize to
/// exactly `maxLength` ids, run UMT5, keep each prompt's own rows and zero the padding rows.
public struct PromptEncoder: Sendable {
    public let tokenizer: UnigramTokenizer
    public let textEncoder: UMT5Encoder
    /// Text rows per prompt; the pipeline always uses 512.
    public let maxLength: Int

    public init(tokenizer: UnigramTokenizer, textEncoder: UMT5Encoder, maxLength: Int = 512) {
        self.tokenizer = tokenizer
        self.textEncoder = textEncoder
        self.maxLength = maxLength
    }

    /// The ids and attention mask of one prompt, after cleaning, as the pipeline tokenizes it.
    /// Throws ``TokenizerError`` naming the tokenizer file (and `padding.pad_id` or the `<pad>`
    /// token when it is the pad id) for an id the text encoder has no embedding for.
    public func tokenize(_ prompt: String) throws -> TokenEncoding {
        let encoding = try tokenizer.encode(PromptCleaner.clean(prompt), maxLength: maxLength)
        let vocabulary = textEncoder.config.vocabSize
        for (id, mask) in zip(encoding.ids, encoding.attentionMask) where !(0..<vocabulary).contains(id) {
            let outside = "outside the text encoder's vocabulary 0..<\(vocabulary) (its config.json vocab_size)"
            let file = tokenizer.path ?? "tokenizer.json"
            if mask == 0 { throw TokenizerError(path: file, field: tokenizer.padTokenSource, .invalidValue("is \(id), \(outside)")) }
            throw TokenizerError(path: file, .invalidValue("token id \(id) is \(outside)"))
        }
        return encoding
    }

    /// The text context of `prompts`: `[B, maxLength, d_model]` in the text encoder's precision,
    /// rows past each prompt's length exactly zero.
    public func encode(_ prompts: [String], on backend: any Backend, taps: Taps? = nil) throws -> Tensor {
        let encodings = try prompts.map(tokenize)
        return try textEncoder.promptEmbeddings(ids: encodings.map(\.ids), attentionMask: encodings.map(\.attentionMask),
                                                on: backend, taps: taps)  // [B, L, D]
    }
}
