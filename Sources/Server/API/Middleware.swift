import Hummingbird
import Logging

/// Requires `Authorization: Bearer KEY` with one of the configured keys (401 in the OpenAI envelope).
/// Keys are compared in constant time.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let keys: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !keys.isEmpty else { return try await next(request, context) }
        let header = request.headers[.authorization] ?? ""
        guard header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, "You didn't provide an API key: send Authorization: Bearer KEY",
                           type: "invalid_request_error", code: "missing_api_key")
        }
        let given = Array(header.dropFirst(7).utf8)
        guard keys.contains(where: { Self.equal(Array($0.utf8), given) }) else {
            throw APIError(.unauthorized, "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key")
        }
        return try await next(request, context)
    }

    private static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}

/// Every error under `/v1` leaves in the OpenAI envelope: the API's own, Hummingbird's (unknown route,
/// body too large) and anything unexpected (a 500 whose message is logged, not sent).
struct ErrorEnvelopeMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            throw APIError(error.status, error.body ?? error.status.reasonPhrase,
                           type: error.status.code >= 500 ? "server_error" : "invalid_request_error")
        } catch let error as any HTTPResponseError where error.status.code < 500 {
            throw APIError(error.status, error.status.reasonPhrase, type: "invalid_request_error")
        } catch {
            context.logger.error("\(request.method) \(request.uri.path): \(error)")
            throw APIError(.internalServerError, "The server had an error while processing the request", type: "server_error")
        }
    }
}
