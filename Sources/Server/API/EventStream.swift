import Hummingbird
import JobQueue
import Tensor

/// `GET /v1/videos/{id}/events`: Server-Sent Events with the video object each time it changes
/// (`event: video`), until it is completed or failed; a comment line every 15 s keeps idle
/// connections open. A deleted video ends the stream with `event: error`. Changes made by workers in
/// other processes arrive through the store's wake-ups, or its re-read every second.
struct EventStream: Sendable {
    let store: any JobStore
    let id: String

    /// The longest a stream stays open.
    static let maximumDuration: Duration = .seconds(6 * 3600)

    func response() -> Response {
        let store = self.store, id = self.id
        let body = ResponseBody { writer in
            let clock = ContinuousClock()
            let end = clock.now + Self.maximumDuration
            var lastSent: String?
            var lastWrite = clock.now
            while clock.now < end {
                guard let job = try await store.job(id: id) else {
                    let error = APIError.notFound(String(id.prefix(128))).body.serialized
                    try await writer.write(ByteBuffer(string: "event: error\ndata: \(error)\n\n"))
                    break
                }
                let text = VideoObject.json(job).serialized
                if text != lastSent {
                    try await writer.write(ByteBuffer(string: "event: video\ndata: \(text)\n\n"))
                    lastSent = text
                    lastWrite = clock.now
                } else if clock.now - lastWrite > .seconds(15) {
                    try await writer.write(ByteBuffer(string: ": waiting\n\n"))
                    lastWrite = clock.now
                }
                if job.status == .completed || job.status == .failed { break }
                await store.waitForChange(timeout: .seconds(1))
                try Task.checkCancellation()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
