import Tensor
import Testing
import Tokenization

/// Ids against the `tokenizers` library on the fixture prompts, for both trained tokenizers and for
/// every overlay of variants.json (other normalizers, pre-tokenizers and added-token flags).
@Suite struct TokenizerParityTests {
    static let keys = ["spm1k", "spm4k", "spm4k/legacy-umt5", "spm4k/legacy-t5", "spm1k/spm-proto", "spm1k/first",
                       "spm1k/never-nosplit", "spm1k/whitespace-first", "spm1k/first-offsets", "spm1k/lowercase", "spm1k/strip-both",
                       "spm4k/added-flags", "spm1k/first-added-flags"]

    @Test func fixturesAreThere() {
        #expect(Fixtures.prompts.count >= 200)
        #expect(Set(Self.keys) == Set((Fixtures.expected["tokenizers"]?.objectValue ?? [:]).keys))
    }

    @Test(arguments: keys)
    func plainIdsMatchTheLibrary(_ key: String) throws {
        let tokenizer = try Fixtures.tokenizer(key)
        let expected = try Fixtures.expectations(key).ids
        #expect(expected.count == Fixtures.prompts.count)
        var failures: [String] = []
        for (index, prompt) in Fixtures.prompts.enumerated() where index < expected.count {
            let ids = try tokenizer.encode(prompt)
            if ids != expected[index] {
                failures.append("prompt \(index) \"\(escaped(String(prompt.prefix(60))))\": got \(ids.prefix(40)) expected \(expected[index].prefix(40))")
            }
        }
        #expect(failures.isEmpty, "\(key): \(failures.count) of \(Fixtures.prompts.count) prompts differ:\n\(failures.prefix(8).joined(separator: "\n"))")
    }

    /// The pipeline's call: padding="max_length", max_length=512, truncation=True. The script
    /// checked that the library's ids are the plain ids cut to 511 + </s>, then <pad>, and its mask
    /// that many ones then zeros.
    @Test(arguments: keys)
    func paddedIdsAndMasksMatchTheLibrary(_ key: String) throws {
        let tokenizer = try Fixtures.tokenizer(key)
        let (plain, maskOnes) = try Fixtures.expectations(key)
        let maxLength = Fixtures.maxLength
        let eos = try #require(tokenizer.tokenID(for: "</s>"))
        let pad = try #require(tokenizer.padTokenID)
        var failures: [Int] = []
        var truncated = 0
        for (index, prompt) in Fixtures.prompts.enumerated() where index < plain.count {
            let content = plain[index].last == eos ? Array(plain[index].dropLast()) : plain[index]
            let kept = Array(content.prefix(maxLength - 1)) + [eos]
            if content.count > maxLength - 1 { truncated += 1 }
            let expectedIDs = kept + Array(repeating: pad, count: maxLength - kept.count)
            let expectedMask = Array(repeating: 1, count: maskOnes[index]) + Array(repeating: 0, count: maxLength - maskOnes[index])
            let encoding = try tokenizer.encode(prompt, maxLength: maxLength)
            if encoding.ids != expectedIDs || encoding.attentionMask != expectedMask || encoding.length != maskOnes[index] {
                failures.append(index)
            }
        }
        #expect(truncated >= 2, "the fixtures should hold prompts that need truncation")
        #expect(failures.isEmpty, "\(key): padded encodings differ for prompts \(failures.prefix(20))")
    }

    @Test(arguments: ["spm1k", "spm4k"])
    func normalizerMatchesTheLibrary(_ key: String) throws {
        let tokenizer = try Fixtures.tokenizer(key)
        let expected = Fixtures.expected["tokenizers"]?[key]?["normalized"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(expected.count == Fixtures.prompts.count)
        var failures: [String] = []
        for (index, prompt) in Fixtures.prompts.enumerated() where index < expected.count {
            let normalized = try tokenizer.normalize(prompt)
            if !sameScalars(normalized, expected[index]) {
                failures.append("prompt \(index): got \"\(escaped(normalized))\" expected \"\(escaped(expected[index]))\"")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) differ:\n\(failures.prefix(5).joined(separator: "\n"))")
    }

    /// Every scalar below U+30000 in chunks of 4096, run together (so neighbours form grapheme
    /// clusters) and separated by spaces: FNV digests of the normalized text and of the ids.
    @Test(arguments: ["spm1k", "spm4k"])
    func scalarSweepMatchesTheLibrary(_ key: String) throws {
        let tokenizer = try Fixtures.tokenizer(key)
        let entry = Fixtures.expected["tokenizers"]?[key]
        let normalizedDigests = entry?["sweep_normalized_fnv"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let idDigests = entry?["sweep_ids_fnv"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let scalars = (0..<0x30000).compactMap { (0xD800..<0xE000).contains($0) ? nil : Unicode.Scalar(UInt32($0)) }
        var texts: [String] = []
        for start in stride(from: 0, to: scalars.count, by: 4096) {
            let chunk = scalars[start..<min(start + 4096, scalars.count)]
            texts.append(text(chunk))
            texts.append(chunk.map { String($0) }.joined(separator: " "))
        }
        #expect(texts.count == normalizedDigests.count && texts.count == idDigests.count)
        var failures: [String] = []
        for (index, sweep) in texts.enumerated() where index < min(normalizedDigests.count, idDigests.count) {
            let chunk = "chunk \(index / 2) (\(index % 2 == 0 ? "joined" : "spaced"))"
            if fnv1a64(try tokenizer.normalize(sweep).utf8) != normalizedDigests[index] { failures.append("\(chunk): normalized") }
            let idBytes = try tokenizer.encode(sweep).flatMap { id in (0..<4).map { UInt8(truncatingIfNeeded: id >> (8 * $0)) } }
            if fnv1a64(idBytes) != idDigests[index] { failures.append("\(chunk): ids") }
        }
        #expect(failures.isEmpty, "\(key): \(failures.joined(separator: ", "))")
    }

    @Test func idsOfSpecialTokens() throws {
        let tokenizer = try Fixtures.tokenizer("spm4k")
        #expect(tokenizer.tokenID(for: "<pad>") == 0)
        #expect(tokenizer.tokenID(for: "</s>") == 1)
        #expect(tokenizer.unknownTokenID == 2)
        #expect(tokenizer.padTokenID == 0)
        #expect(tokenizer.tokenID(for: "<extra_id_0>") == 4299)
        #expect(tokenizer.vocabularySize == 4300)
        #expect(try tokenizer.encode("") == [1])
        #expect(try tokenizer.encode("", maxLength: 512).length == 1)
        #expect(try tokenizer.encode("<extra_id_0>", addSpecialTokens: false) == [4299])
    }
}
