import Tensor

/// A value inside tokenizer.json together with its path (`model.vocab[3]`), so that every complaint
/// names the field it is about.
struct JSONField {
    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String) {
        self.value = value
        self.path = path
    }

    func error(_ reason: TokenizerError.Reason) -> TokenizerError {
        TokenizerError(field: path.isEmpty ? nil : path, reason)
    }

    private func child(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// The member `key`; throws if it is absent or null.
    func member(_ key: String) throws -> JSONField {
        guard let field = optionalMember(key) else {
            guard value.objectValue != nil else { throw error(.wrongKind(expected: "an object", found: value.kindDescription)) }
            throw TokenizerError(field: child(key), .missing)
        }
        return field
    }

    /// The member `key`, or nil if it is absent or null.
    func optionalMember(_ key: String) -> JSONField? {
        guard let member = value[key], !member.isNull else { return nil }
        return JSONField(member, path: child(key))
    }

    func string() throws -> String {
        guard let text = value.stringValue else { throw error(.wrongKind(expected: "a string", found: value.kindDescription)) }
        return text
    }

    func bool() throws -> Bool {
        guard let flag = value.boolValue else { throw error(.wrongKind(expected: "a boolean", found: value.kindDescription)) }
        return flag
    }

    func int() throws -> Int {
        guard let number = value.intValue else { throw error(.wrongKind(expected: "an integer", found: value.kindDescription)) }
        return number
    }

    func double() throws -> Double {
        guard let number = value.doubleValue else { throw error(.wrongKind(expected: "a number", found: value.kindDescription)) }
        return number
    }

    func array() throws -> [JSONField] {
        guard let elements = value.arrayValue else { throw error(.wrongKind(expected: "an array", found: value.kindDescription)) }
        return elements.enumerated().map { JSONField($1, path: "\(path)[\($0)]") }
    }

    /// The members, sorted by key so that iteration is deterministic.
    func objectMembers() throws -> [(key: String, field: JSONField)] {
        guard let members = value.objectValue else { throw error(.wrongKind(expected: "an object", found: value.kindDescription)) }
        return members.keys.sorted().compactMap { key in members[key].map { (key, JSONField($0, path: child(key))) } }
    }

    /// A boolean member that may be absent (then `defaultValue`).
    func flag(_ key: String, default defaultValue: Bool) throws -> Bool {
        try optionalMember(key)?.bool() ?? defaultValue
    }

    /// The `type` member.
    func typeName() throws -> String { try member("type").string() }
}

/// Strict standard base64 (RFC 4648 alphabet, canonical `=` padding, zero trailing bits), as the
/// `base64` crate's STANDARD engine that tokenizers uses for `precompiled_charsmap` accepts it.
func decodeBase64(_ text: String) -> [UInt8]? {
    let input = Array(text.utf8)
    guard input.count % 4 == 0 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(input.count / 4 * 3)
    var index = 0
    while index < input.count {
        var quad: [UInt32] = [0, 0, 0, 0]
        var padding = 0
        for k in 0..<4 {
            let byte = input[index + k]
            if byte == UInt8(ascii: "=") {
                // Padding only in the last two places of the last quad, and nothing after it.
                guard index + 4 == input.count, k >= 2 else { return nil }
                padding += 1
                continue
            }
            guard padding == 0, let digit = base64Digit(byte) else { return nil }
            quad[k] = digit
        }
        let bits = quad[0] << 18 | quad[1] << 12 | quad[2] << 6 | quad[3]
        out.append(UInt8(bits >> 16))
        if padding < 2 { out.append(UInt8((bits >> 8) & 0xFF)) }
        if padding < 1 { out.append(UInt8(bits & 0xFF)) }
        // Canonical: the bits that padding drops must be zero.
        if padding == 1, bits & 0xFF != 0 { return nil }
        if padding == 2, bits & 0xFFFF != 0 { return nil }
        index += 4
    }
    return out
}

private func base64Digit(_ byte: UInt8) -> UInt32? {
    switch byte {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(byte - UInt8(ascii: "A"))
    case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(byte - UInt8(ascii: "a")) + 26
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0")) + 52
    case UInt8(ascii: "+"): return 62
    case UInt8(ascii: "/"): return 63
    default: return nil
    }
}
