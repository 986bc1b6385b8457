import Foundation

/// Runs blocking work (ffmpeg decodes, model code) on a thread of its own and awaits its result, so
/// that it never holds one of the few threads Swift concurrency and the HTTP server share.
func onOwnThread<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
