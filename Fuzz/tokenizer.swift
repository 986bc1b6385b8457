// A Hugging Face tokenizer.json (UnigramTokenizer(bytes:): the JSON, the normalizers with their
// Replace regexes and Precompiled charsmap, the pre-tokenizers, the Unigram vocabulary, the added
// tokens, the post-processor), then a prompt tokenized with it as the pipeline does
// (PromptCleaner.clean, then encode to 512 ids).
//
// Input: the tokenizer.json bytes, optionally followed by a NUL byte and the prompt (JSON text
// cannot hold a raw NUL, so the split is unambiguous). Without a NUL a fixed prompt is used.
import Tokenization

private let defaultPrompt = "A cat walks on the grass, realistic &amp; detailed —  4K　ﬁne  "

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzBytes(data, size)
    let split = bytes.firstIndex(of: 0)
    let json = Array(bytes[..<(split ?? bytes.endIndex)])
    let prompt = split.map { String(decoding: bytes[($0 + 1)...], as: UTF8.self) } ?? defaultPrompt
    ignoringErrors {
        let tokenizer = try UnigramTokenizer(bytes: json)
        _ = try tokenizer.normalize(prompt)
        // The content's ids come from the vocabulary; the post-processor's and the padding's are the
        // file's own numbers (tokenizers does not check them either; the text encoder refuses ids
        // outside its vocabulary).
        let ids = try tokenizer.encode(prompt, addSpecialTokens: false)
        let size = tokenizer.vocabularySize
        precondition(ids.allSatisfy { $0 >= 0 && $0 < size }, "an id outside the vocabulary: \(ids)")
        _ = try tokenizer.encode(prompt)
        _ = tokenizer.tokenID(for: prompt)
        ignoringErrors {
            let encoding = try tokenizer.encode(PromptCleaner.clean(prompt), maxLength: 512)
            precondition(encoding.ids.count == 512 && encoding.attentionMask.count == 512)
        }
    }
    return 0
}
