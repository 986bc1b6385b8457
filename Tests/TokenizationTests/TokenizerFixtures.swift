#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor
import TestSupport
import Tokenization

/// The files of tools/fixtures/make_tokenizer_fixtures.py in Tests/Fixtures/tokenizer, read once.
enum Fixtures {
    static let directory = fixturePath("tokenizer")

    static func path(_ name: String) -> String { directory + "/" + name }

    static func bytes(_ name: String) throws -> [UInt8] {
        let fd = open(path(name), O_RDONLY)
        guard fd >= 0 else { throw FixtureError("cannot open \(path(name))") }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            out += chunk[0..<count]
        }
        return out
    }

    static func json(_ name: String) throws -> JSONValue {
        try bytes(name).withUnsafeBytes { try JSONValue(parsing: $0) }
    }

    /// The prompts, in the order of every expected list.
    static let prompts: [String] = (try? json("prompts.json"))?["prompts"]?.arrayValue?.compactMap(\.stringValue) ?? []
    static let expected: JSONValue = (try? json("expected.json")) ?? .null
    static let cleaning: JSONValue = (try? json("cleaning.json")) ?? .null
    static let synthetic: JSONValue = (try? json("synthetic.json")) ?? .null
    static let variants: JSONValue = (try? json("variants.json")) ?? .null
    static let maxLength: Int = expected["max_length"]?.intValue ?? 512

    /// The base tokenizer file (`spm1k`, `spm4k`) as parsed JSON.
    static func baseJSON(_ name: String) throws -> JSONValue { try json("\(name).tokenizer.json") }

    /// A tokenizer by its key in expected.json: a base file, or `base/variant` (an overlay applied).
    static func tokenizer(_ key: String) throws -> UnigramTokenizer {
        let parts = key.split(separator: "/").map(String.init)
        if parts.count == 1 { return try UnigramTokenizer(contentsOf: path("\(key).tokenizer.json")) }
        guard let overlay = variants[key] else { throw FixtureError("no variant \(key)") }
        return try UnigramTokenizer(json: applyOverlay(overlay, to: try baseJSON(parts[0])))
    }

    /// The expected plain ids and mask-one counts of every prompt for a key, a variant's differences
    /// applied to its base's lists.
    static func expectations(_ key: String) throws -> (ids: [[Int]], maskOnes: [Int]) {
        guard let entry = expected["tokenizers"]?[key] else { throw FixtureError("no expectations for \(key)") }
        if let base = entry["base"]?.stringValue {
            var (ids, ones) = try expectations(base)
            for (index, value) in entry["ids"]?.objectValue ?? [:] {
                guard let i = Int(index), let list = value.arrayValue else { continue }
                ids[i] = list.compactMap(\.intValue)
            }
            for (index, value) in entry["mask_ones"]?.objectValue ?? [:] {
                guard let i = Int(index), let count = value.intValue else { continue }
                ones[i] = count
            }
            return (ids, ones)
        }
        let ids = entry["ids"]?.arrayValue?.map { $0.arrayValue?.compactMap(\.intValue) ?? [] } ?? []
        let ones = entry["mask_ones"]?.arrayValue?.compactMap(\.intValue) ?? []
        return (ids, ones)
    }

    /// The Python script's `apply_variant`: replaces top-level sections, filling `Precompiled`
    /// nodes that have no charsmap with the base's, and patches `added_tokens`.
    static func applyOverlay(_ overlay: JSONValue, to base: JSONValue) throws -> JSONValue {
        guard var root = base.objectValue, let patch = overlay.objectValue else { throw FixtureError("bad overlay") }
        let charsmap = findCharsmap(base["normalizer"] ?? .null) ?? .null
        for (key, value) in patch where key != "added_tokens_patch" {
            root[key] = fillCharsmap(value, charsmap)
        }
        var added = root["added_tokens"]?.arrayValue ?? []
        let vocabCount = base["model"]?["vocab"]?.arrayValue?.count ?? 0
        var nextID = (added.compactMap { $0["id"]?.intValue } + [vocabCount - 1]).max().map { $0 + 1 } ?? 0
        for change in overlay["added_tokens_patch"]?.arrayValue ?? [] {
            guard var fields = change.objectValue else { continue }
            if fields.removeValue(forKey: "new") == .bool(true) {
                var token: [String: JSONValue] = [
                    "id": .int(nextID), "single_word": .bool(false), "lstrip": .bool(false),
                    "rstrip": .bool(false), "normalized": .bool(true), "special": .bool(false),
                ]
                nextID += 1
                token.merge(fields) { $1 }
                added.append(.object(token))
            } else if let index = added.firstIndex(where: { $0["content"] == fields["content"] }),
                      var token = added[index].objectValue {
                token.merge(fields) { $1 }
                added[index] = .object(token)
            }
        }
        root["added_tokens"] = .array(added)
        return .object(root)
    }

    private static func findCharsmap(_ node: JSONValue) -> JSONValue? {
        if node["type"]?.stringValue == "Precompiled" { return node["precompiled_charsmap"] }
        for child in node.arrayValue ?? Array((node.objectValue ?? [:]).values) {
            if let found = findCharsmap(child) { return found }
        }
        return nil
    }

    private static func fillCharsmap(_ node: JSONValue, _ charsmap: JSONValue) -> JSONValue {
        switch node {
        case .array(let items): return .array(items.map { fillCharsmap($0, charsmap) })
        case .object(var members):
            for (key, value) in members { members[key] = fillCharsmap(value, charsmap) }
            if members["type"] == .string("Precompiled") && members["precompiled_charsmap"] == nil {
                members["precompiled_charsmap"] = charsmap
            }
            return .object(members)
        default: return node
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// FNV-1a, 64 bits, as hex: the fixture script's digest of long outputs.
func fnv1a64(_ bytes: some Sequence<UInt8>) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

/// Two strings with the same scalars (Swift's `==` would also accept canonically equivalent ones).
func sameScalars(_ a: String, _ b: String) -> Bool { a.unicodeScalars.elementsEqual(b.unicodeScalars) }

/// A string made of `scalars`.
func text(_ scalars: some Sequence<Unicode.Scalar>) -> String {
    var out = ""
    out.unicodeScalars.append(contentsOf: scalars)
    return out
}

/// Debug form of a string: its scalars, escaped when not printable ASCII.
func escaped(_ s: String) -> String {
    s.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined()
}
