import Foundation
import HTTPTypes
import Hummingbird

/// Serves a stored file whole, or one byte range of it (`Range: bytes=a-b`, `a-`, `-n`) with 206 and
/// `Content-Range`; a range outside the file is a 416. Several ranges in one header are answered with
/// the whole file, which HTTP allows.
enum ByteRanges {
    static func response(_ bytes: [UInt8], contentType: String, range header: String?, filename: String) throws -> Response {
        var headers: HTTPFields = [
            .contentType: contentType, .acceptRanges: "bytes", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            .contentDisposition: "inline; filename=\"\(filename)\"", .cacheControl: "private, max-age=3600",
        ]
        let count = bytes.count
        guard let header, let range = try parse(header, count: count) else {
            headers[.contentLength] = String(count)
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(count)"
        headers[.contentLength] = String(range.count)
        return Response(status: .partialContent, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes[range])))
    }

    /// The half-open range a `Range` header asks for; nil to send the whole file; throws 416.
    static func parse(_ header: String, count: Int) throws -> Range<Int>? {
        guard header.hasPrefix("bytes=") else { return nil }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(",") else { return nil }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count <= 18 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else {
            throw unsatisfiable(count)
        }
        let first = Int(parts[0]), last = Int(parts[1])
        switch (first, last) {
        case let (start?, end?):
            guard start <= end, start < count else { throw unsatisfiable(count) }
            return start..<min(end + 1, count)
        case let (start?, nil):
            guard start < count else { throw unsatisfiable(count) }
            return start..<count
        case let (nil, suffix?):
            guard suffix > 0, count > 0 else { throw unsatisfiable(count) }
            return max(0, count - suffix)..<count
        case (nil, nil):
            throw unsatisfiable(count)
        }
    }

    private static func unsatisfiable(_ count: Int) -> APIError {
        var error = APIError(.rangeNotSatisfiable, "the requested range is not within the file's \(count) bytes", param: "Range",
                             code: "range_not_satisfiable")
        error.headers[.contentRange] = "bytes */\(count)"
        return error
    }
}
