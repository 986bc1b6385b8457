import Hummingbird
import Tensor

/// An HTTP error in the OpenAI envelope, which the official clients unwrap into their exception
/// classes by status: `{"error": {"message": ..., "type": ..., "param": ..., "code": ...}}` (all four
/// keys present, `param` and `code` null when they do not apply).
public struct APIError: Error, HTTPResponseError, CustomStringConvertible, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?
    /// Extra headers, such as `Retry-After` on a 429.
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ message: String, type: String = "invalid_request_error",
                param: String? = nil, code: String? = nil) {
        self.status = status; self.message = message; self.type = type; self.param = param; self.code = code
    }

    public var description: String { "\(status.code) \(code ?? type): \(message)" }

    /// The envelope's JSON.
    public var body: JSONValue {
        .object(["error": .object([
            "message": .string(message), "type": .string(type),
            "param": param.map(JSONValue.string) ?? .null, "code": code.map(JSONValue.string) ?? .null,
        ])])
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(body, status: status)
        for field in headers { response.headers.append(field) }
        return response
    }

    /// A 400 about one field of the request.
    public static func invalid(_ message: String, param: String? = nil, code: String = "invalid_value") -> APIError {
        APIError(.badRequest, message, param: param, code: code)
    }

    public static func notFound(_ id: String) -> APIError {
        APIError(.notFound, "Video '\(id)' not found", param: "video_id", code: "video_not_found")
    }
}

/// JSON responses made from ``JSONValue`` (the project's strict JSON type, sorted keys).
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: value.serialized)))
    }
}
