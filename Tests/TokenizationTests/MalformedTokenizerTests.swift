import Tensor
import Testing
import Tokenization

/// Broken tokenizer.json files: each is a ``TokenizerError`` with one plain line naming the field,
/// never a crash or a read outside the file's arrays.
@Suite struct MalformedTokenizerTests {
    /// A minimal valid tokenizer.json with the given sections replaced.
    static func document(_ changes: [String: JSONValue] = [:]) -> JSONValue {
        var root: [String: JSONValue] = [
            "version": .string("1.0"),
            "normalizer": .null,
            "pre_tokenizer": .object(["type": .string("Metaspace"), "replacement": .string("\u{2581}")]),
            "added_tokens": .array([]),
            "post_processor": .null,
            "model": .object([
                "type": .string("Unigram"), "unk_id": .int(0),
                "vocab": .array([.array([.string("<unk>"), .double(0)]), .array([.string("\u{2581}a"), .double(-1)])]),
            ]),
        ]
        root.merge(changes) { $1 }
        return .object(root)
    }

    static func failure(_ json: JSONValue) -> TokenizerError? {
        do {
            _ = try UnigramTokenizer(json: json)
            return nil
        } catch {
            return error as? TokenizerError
        }
    }

    static func model(_ fields: [String: JSONValue]) -> JSONValue {
        var model: [String: JSONValue] = ["type": .string("Unigram"), "unk_id": .int(0),
                                          "vocab": .array([.array([.string("<unk>"), .double(0)])])]
        model.merge(fields) { $1 }
        return .object(model)
    }

    static func precompiled(_ blob: [UInt8]) -> JSONValue {
        .object(["type": .string("Precompiled"), "precompiled_charsmap": .string(base64(blob))])
    }

    static let cases: [(name: String, json: JSONValue, field: String?, reason: TokenizerError.Reason?)] = [
        ("root not an object", .array([]), nil, .wrongKind(expected: "a JSON object", found: "an array")),
        ("no model", document(["model": .null]), "model", .missing),
        ("BPE model", document(["model": model(["type": .string("BPE")])]), "model", .unsupported("model type \"BPE\"")),
        ("vocab not an array", document(["model": model(["vocab": .string("x")])]), "model.vocab",
         .wrongKind(expected: "an array", found: "a string")),
        ("vocab entry not a pair", document(["model": model(["vocab": .array([.array([.string("a")])])])]),
         "model.vocab[0]", .invalidValue("should be a [piece, score] pair")),
        ("score not a number", document(["model": model(["vocab": .array([.array([.string("a"), .string("x")])])])]),
         "model.vocab[0][1]", .wrongKind(expected: "a number", found: "a string")),
        ("unk_id out of range", document(["model": model(["unk_id": .int(5)])]), "model.unk_id", nil),
        ("unk_id negative", document(["model": model(["unk_id": .int(-1)])]), "model.unk_id", nil),
        ("no unk_id", document(["model": model(["unk_id": .null])]), "model.unk_id", nil),
        ("empty vocab", document(["model": model(["vocab": .array([])])]), "model", nil),
        ("unknown normalizer", document(["normalizer": .object(["type": .string("Sequence"), "normalizers": .array([
            .object(["type": .string("Strip"), "strip_left": .bool(true), "strip_right": .bool(true)]),
            .object(["type": .string("NFKC")])])])]), "normalizer.normalizers[1]", .unsupported("normalizer type \"NFKC\"")),
        ("normalizer without type", document(["normalizer": .object([:])]), "normalizer.type", .missing),
        ("bad regex", document(["normalizer": .object(["type": .string("Replace"), "pattern": .object(["Regex": .string("(?=a)")]),
                                                        "content": .string("")])]), "normalizer.pattern.Regex", nil),
        ("unclosed group", document(["normalizer": .object(["type": .string("Replace"), "pattern": .object(["Regex": .string("(a")]),
                                                             "content": .string("")])]), "normalizer.pattern.Regex", nil),
        ("replace pattern of no kind", document(["normalizer": .object(["type": .string("Replace"), "pattern": .object([:]),
                                                                        "content": .string("")])]), "normalizer.pattern", nil),
        ("charsmap not base64", document(["normalizer": .object(["type": .string("Precompiled"), "precompiled_charsmap": .string("ab$=")])]),
         "normalizer.precompiled_charsmap", .invalidCharsMap("not valid base64")),
        ("charsmap bad padding", document(["normalizer": .object(["type": .string("Precompiled"), "precompiled_charsmap": .string("A===")])]),
         "normalizer.precompiled_charsmap", .invalidCharsMap("not valid base64")),
        ("charsmap too short", document(["normalizer": precompiled([1, 0])]), "normalizer.precompiled_charsmap", nil),
        ("charsmap trie past the end", document(["normalizer": precompiled([0, 1, 0, 0, 1, 2, 3])]), "normalizer.precompiled_charsmap", nil),
        ("charsmap empty trie", document(["normalizer": precompiled([0, 0, 0, 0, 65, 0])]), "normalizer.precompiled_charsmap", nil),
        ("charsmap value past the strings", document(["normalizer": precompiled(charsmap(value: 100, strings: Array("b\0".utf8)))]),
         "normalizer.precompiled_charsmap", nil),
        ("charsmap value inside a character", document(["normalizer": precompiled(charsmap(value: 1, strings: Array("é\0".utf8)))]),
         "normalizer.precompiled_charsmap", nil),
        ("charsmap strings not UTF-8", document(["normalizer": precompiled(charsmap(value: 0, strings: [0xFF, 0]))]),
         "normalizer.precompiled_charsmap", nil),
        ("charsmap leaf past the trie", document(["normalizer": precompiled(charsmap(value: 0, strings: Array("b\0".utf8), leafOffset: 4096))]),
         "normalizer.precompiled_charsmap", nil),
        ("unknown pre-tokenizer", document(["pre_tokenizer": .object(["type": .string("ByteLevel")])]), "pre_tokenizer",
         .unsupported("pre-tokenizer type \"ByteLevel\"")),
        ("two-character replacement", document(["pre_tokenizer": .object(["type": .string("Metaspace"), "replacement": .string("__")])]),
         "pre_tokenizer.replacement", nil),
        ("unknown prepend scheme", document(["pre_tokenizer": .object(["type": .string("Metaspace"), "replacement": .string("_"),
                                                                       "prepend_scheme": .string("sometimes")])]), "pre_tokenizer.prepend_scheme", nil),
        ("add_prefix_space false without never", document(["pre_tokenizer": .object(["type": .string("Metaspace"), "replacement": .string("_"),
                                                                                      "add_prefix_space": .bool(false)])]), "pre_tokenizer.add_prefix_space", nil),
        ("unknown post-processor", document(["post_processor": .object(["type": .string("BertProcessing")])]), "post_processor",
         .unsupported("post-processor type \"BertProcessing\"")),
        ("template with unknown special", document(["post_processor": .object([
            "type": .string("TemplateProcessing"), "single": .array([.string("$A"), .string("</s>")]), "special_tokens": .object([:])])]),
         "post_processor.single[1]", nil),
        ("added token without content", document(["added_tokens": .array([.object(["id": .int(0)])])]), "added_tokens[0].content", .missing),
        ("version 2", document(["version": .string("2.0")]), "version", nil),
    ]

    @Test(arguments: 0..<cases.count)
    func malformedDocumentsThrowATypedError(_ index: Int) throws {
        let (name, json, field, reason) = Self.cases[index]
        let error = try #require(Self.failure(json), "\(name): loaded without an error")
        #expect(error.field == field, "\(name): \(error)")
        if let reason { #expect(error.reason == reason, "\(name): \(error)") }
        #expect(!error.description.contains("\n"), "\(name)")
    }

    @Test func aHandMadeCharsmapWorks() throws {
        let tokenizer = try UnigramTokenizer(json: Self.document(["normalizer": Self.precompiled(Self.charsmap(value: 0, strings: Array("b\0".utf8)))]))
        #expect(try tokenizer.normalize("xay") == "xby")
    }

    @Test func filesAreNamedInErrors() throws {
        let missing = Fixtures.directory + "/no-such-file.json"
        #expect(throws: TokenizerError.self) { try UnigramTokenizer(contentsOf: missing) }
        do {
            _ = try UnigramTokenizer(contentsOf: Fixtures.directory)
        } catch let error as TokenizerError {
            #expect(error.path == Fixtures.directory)
            #expect(error.description == Fixtures.directory + ": is a folder, not a file")
        }
        do {
            _ = try UnigramTokenizer(contentsOf: Fixtures.path("prompts.json"))
        } catch let error as TokenizerError {
            #expect(error.description == Fixtures.path("prompts.json") + ": model: is missing")
        }
    }

    @Test func badJSONText() {
        for text in ["", "{", "{\"model\": }", "[1,]", "\u{FEFF}{}"] {
            #expect(throws: TokenizerError.self, "\(text)") { try UnigramTokenizer(bytes: Array(text.utf8)) }
        }
    }

    @Test func requestsTheTokenizerCannotServe() throws {
        let tokenizer = try UnigramTokenizer(json: Self.document(["post_processor": .object([
            "type": .string("TemplateProcessing"),
            "single": .array([.object(["Sequence": .object(["id": .string("A"), "type_id": .int(0)])]),
                              .object(["SpecialToken": .object(["id": .string("<unk>"), "type_id": .int(0)])])]),
            "special_tokens": .object(["<unk>": .object(["id": .string("<unk>"), "ids": .array([.int(0)]),
                                                           "tokens": .array([.string("<unk>")])])]),
        ])]))
        #expect(tokenizer.padTokenID == nil)
        #expect(throws: TokenizerError(.noPadToken)) { try tokenizer.encode("a", maxLength: 8) }
        #expect(throws: TokenizerError(.maxLengthTooSmall(maxLength: 0, specialTokens: 1))) { try tokenizer.encode("a", maxLength: 0) }
        #expect(try tokenizer.encode("a a", maxLength: 3).ids == [1, 1, 0])
    }

    /// Flipped bits and cut-off copies of a real charsmap load or fail with a TokenizerError, and a
    /// charsmap that loads normalizes text without trapping.
    @Test func mutatedCharsmapsNeverCrash() throws {
        let base = try Fixtures.baseJSON("spm4k")
        let charsmap = try #require(base["normalizer"]?["precompiled_charsmap"]?.stringValue)
        let blob = try #require(decodeBase64ForTest(charsmap))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var loaded = 0
        for round in 0..<24 {
            var mutated = blob
            if round % 4 == 3 {
                mutated = Array(mutated.prefix(random(mutated.count)))
            } else {
                for _ in 0..<(1 + random(64)) { mutated[random(mutated.count)] ^= UInt8(1 << random(8)) }
            }
            guard let tokenizer = try? UnigramTokenizer(json: Self.document(["normalizer": Self.precompiled(mutated)])) else { continue }
            loaded += 1
            _ = try tokenizer.normalize("ＡＢＣ ﬁ Å e\u{301} 👍🏽 한국어 ①™ \u{0} x")
            _ = try tokenizer.encode(text((0x20..<0x3000).compactMap(Unicode.Scalar.init)))
        }
        #expect(loaded > 0)
    }

    /// A charsmap whose trie maps "a" to the string at `value` of `strings`: root base 256, the "a"
    /// unit at 256 ^ 0x61, its leaf at that ^ `leafOffset`; 2048 units.
    static func charsmap(value: UInt32, strings: [UInt8], leafOffset: UInt32 = 1024) -> [UInt8] {
        var units = [UInt32](repeating: 0, count: 2048)
        units[0] = 256 << 10
        let child = 256 ^ 0x61
        units[child] = 0x61 | 1 << 8 | leafOffset << 10
        let leaf = child ^ Int(leafOffset)
        if leaf < units.count { units[leaf] = value }
        var blob = littleEndian(UInt32(units.count * 4))
        for unit in units { blob += littleEndian(unit) }
        return blob + strings
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}

private let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

func base64(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    for start in stride(from: 0, to: bytes.count, by: 3) {
        let chunk = Array(bytes[start..<min(start + 3, bytes.count)])
        let bits = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * $1.offset) }
        for k in 0..<4 {
            out.append(k <= chunk.count ? base64Alphabet[Int((bits >> (18 - 6 * k)) & 63)] : UInt8(ascii: "="))
        }
    }
    return String(decoding: out, as: UTF8.self)
}

func decodeBase64ForTest(_ text: String) -> [UInt8]? {
    var bits: UInt32 = 0
    var count = 0
    var out: [UInt8] = []
    for byte in text.utf8 where byte != UInt8(ascii: "=") {
        guard let digit = base64Alphabet.firstIndex(of: byte) else { return nil }
        bits = bits << 6 | UInt32(digit)
        count += 6
        if count >= 8 {
            count -= 8
            out.append(UInt8(truncatingIfNeeded: bits >> UInt32(count)))
        }
    }
    return out
}
