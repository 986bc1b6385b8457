// A prompt, as the command line and the server take it from users: PromptCleaner.clean (HTML
// unescaping, whitespace), then the real tokenizer's normalizers, pre-tokenizer and Unigram model,
// to 512 ids. The tokenizer is the test model's tokenizer.json (a real umT5-style file with a
// Precompiled charsmap), or the file ZOETROPE_FUZZ_TOKENIZER names.
#if canImport(Glibc)
import Glibc
#endif
import Tokenization

private let tokenizer = fuzzSetUpTokenizer()

/// Loaded once. Its name starts with fuzzSetUp so that Fuzz/lsan.supp keeps LeakSanitizer quiet
/// about it at exit: Swift keeps some pointers with spare bits set (inside enums), which LSan does not
/// recognize, so an object reachable only through a global looks leaked.
@inline(never)
private func fuzzSetUpTokenizer() -> UnigramTokenizer {
    let path = getenv("ZOETROPE_FUZZ_TOKENIZER").map { String(cString: $0) }
        ?? "Tests/Fixtures/wan_pipeline/tiny-wan/tokenizer/tokenizer.json"
    do { return try UnigramTokenizer(contentsOf: path) } catch {
        fatalError("the prompt harness needs a tokenizer.json (run it from the repository root or set ZOETROPE_FUZZ_TOKENIZER): \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPrompt(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let prompt = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    let cleaned = PromptCleaner.clean(prompt)
    let size = tokenizer.vocabularySize
    ignoringErrors {
        // Throws only for a normalized text over the tokenizer's bound, which no fuzz input reaches.
        let ids = try tokenizer.encode(prompt)
        precondition(ids.allSatisfy { $0 >= 0 && $0 < size }, "an id outside the vocabulary")
        let encoding = try tokenizer.encode(cleaned, maxLength: 512)
        precondition(encoding.ids.count == 512 && encoding.ids.allSatisfy { $0 >= 0 && $0 < size })
    }
    return 0
}
