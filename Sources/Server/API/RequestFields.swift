import Hummingbird
import MultipartKit
import Tensor

/// A file part of a multipart request.
struct Upload: Sendable {
    var filename: String?
    var contentType: String?
    var bytes: [UInt8]
}

/// The fields of a create, remix, edit or extension request, whichever way they came: multipart form
/// parts (what the official client sends, nested objects in bracket notation: `video[id]`) or a JSON
/// object (nested objects flattened to the same names). Text values are strings either way.
struct RequestFields: Sendable {
    var strings: [String: String] = [:]
    var files: [String: Upload] = [:]

    /// The most parts, and the most bytes of one text field, a request may have.
    static let maximumParts = 64
    static let maximumTextBytes = 256 * 1024

    subscript(name: String) -> String? { strings[name] }

    /// Reads the request's body (at most `limit` bytes: 413 beyond) as multipart or JSON, by its
    /// Content-Type; anything else is a 400.
    static func read(_ request: inout Request, limit: Int) async throws -> RequestFields {
        let contentType = request.headers[.contentType] ?? ""
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "the request body is larger than the \(limit) bytes allowed",
                           code: "request_too_large")
        }
        let bytes = Array(body.readableBytesView)
        let media = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch media {
        case "multipart/form-data":
            return try multipart(bytes, contentType: contentType)
        case "application/json", "":
            if media.isEmpty, bytes.isEmpty { return RequestFields() }
            return try json(bytes)
        case "application/x-www-form-urlencoded":
            return try urlEncoded(bytes)
        default:
            throw APIError.invalid("Content-Type \(media) is not accepted: send multipart/form-data, application/json or a URL-encoded form",
                                   code: "unsupported_content_type")
        }
    }

    static func json(_ bytes: [UInt8]) throws -> RequestFields {
        let value: JSONValue
        do {
            value = try bytes.withUnsafeBytes { try JSONValue(parsing: $0) }
        } catch {
            throw APIError.invalid("the body is not valid JSON: \(error)", code: "invalid_json")
        }
        guard case .object(let members) = value else {
            throw APIError.invalid("the body must be a JSON object, not \(value.kindDescription)", code: "invalid_json")
        }
        var fields = RequestFields()
        try fields.flatten(members, prefix: nil, depth: 0)
        return fields
    }

    private mutating func flatten(_ members: [String: JSONValue], prefix: String?, depth: Int) throws {
        guard depth < 4 else { throw APIError.invalid("the JSON body nests too deeply", code: "invalid_json") }
        for (key, value) in members {
            let name = prefix.map { "\($0)[\(key)]" } ?? key
            switch value {
            case .null: continue
            case .string(let text): strings[name] = text
            case .int(let number): strings[name] = String(number)
            case .double(let number): strings[name] = "\(number)"
            case .bool(let flag): strings[name] = flag ? "true" : "false"
            case .object(let inner): try flatten(inner, prefix: name, depth: depth + 1)
            case .array: throw APIError.invalid("\(name) must not be a list", param: name)
            }
            guard strings.count <= Self.maximumParts else { throw APIError.invalid("the body has too many fields", code: "invalid_json") }
        }
    }

    /// `a=1&b=two+words` (what `curl -d` and HTML forms send), `+` and `%XX` decoded.
    static func urlEncoded(_ bytes: [UInt8]) throws -> RequestFields {
        var fields = RequestFields()
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecoded(parts[0]), !name.isEmpty,
                  let value = percentDecoded(parts.count > 1 ? parts[1] : []) else {
                throw APIError.invalid("the form body is not valid URL-encoded UTF-8", code: "invalid_form")
            }
            fields.strings[name] = value
            guard fields.strings.count <= maximumParts else {
                throw APIError.invalid("the form has more than \(maximumParts) fields", code: "invalid_form")
            }
        }
        return fields
    }

    private static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex,
                      let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else { return nil }
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    static func multipart(_ bytes: [UInt8], contentType: String) throws -> RequestFields {
        guard let boundary = MultipartHeader.parameter("boundary", in: contentType), !boundary.isEmpty, boundary.utf8.count <= 200 else {
            throw APIError.invalid("a multipart/form-data request needs a boundary in its Content-Type", code: "invalid_multipart")
        }
        let parser = MultipartParser(boundary: boundary)
        var parts: [(headers: [(String, String)], body: [UInt8])] = []
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        var tooMany = false
        parser.onHeader = { name, value in if headers.count < 32 { headers.append((name, value)) } }
        parser.onBody = { buffer in body.append(contentsOf: buffer.readableBytesView) }
        parser.onPartComplete = {
            if parts.count < Self.maximumParts { parts.append((headers, body)) } else { tooMany = true }
            headers = []; body = []
        }
        do {
            try parser.execute(bytes)
        } catch {
            throw APIError.invalid("the multipart body cannot be parsed", code: "invalid_multipart")
        }
        guard !tooMany else { throw APIError.invalid("the request has more than \(Self.maximumParts) parts", code: "invalid_multipart") }
        var fields = RequestFields()
        for part in parts {
            let disposition = part.headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? ""
            guard let name = MultipartHeader.parameter("name", in: disposition), !name.isEmpty else {
                throw APIError.invalid("a multipart part has no name", code: "invalid_multipart")
            }
            let filename = MultipartHeader.parameter("filename", in: disposition)
            let type = part.headers.first { $0.0.lowercased() == "content-type" }?.1
            if filename != nil || (type.map { !$0.lowercased().hasPrefix("text/") } ?? false) {
                fields.files[name] = Upload(filename: filename, contentType: type, bytes: part.body)
            } else {
                guard part.body.count <= Self.maximumTextBytes, let text = String(validating: part.body, as: UTF8.self) else {
                    throw APIError.invalid("the field \(name) must be UTF-8 text of at most \(Self.maximumTextBytes) bytes", param: name)
                }
                fields.strings[name] = text
            }
        }
        return fields
    }
}

/// Parameters of `Content-Type` and `Content-Disposition` header values: `name="x"`, `boundary=y`.
enum MultipartHeader {
    static func parameter(_ wanted: String, in header: String) -> String? {
        var rest = Substring(header)
        while let semicolon = rest.firstIndex(of: ";") {
            rest = rest[rest.index(after: semicolon)...].drop { $0 == " " || $0 == "\t" }
            guard let equals = rest.firstIndex(of: "=") else { return nil }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = rest[rest.index(after: equals)...]
            var text = ""
            if value.first == "\"" {
                value = value.dropFirst()
                var escaped = false
                var end = value.endIndex
                for index in value.indices {
                    let character = value[index]
                    if escaped { text.append(character); escaped = false; continue }
                    if character == "\\" { escaped = true; continue }
                    if character == "\"" { end = index; break }
                    text.append(character)
                }
                rest = end < value.endIndex ? value[value.index(after: end)...] : ""
            } else {
                let end = value.firstIndex(of: ";") ?? value.endIndex
                text = value[..<end].trimmingCharacters(in: .whitespaces)
                rest = value[end...]
            }
            if key == wanted { return text }
        }
        return nil
    }
}
