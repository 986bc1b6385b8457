import JobQueue
import Tensor

/// The API's JSON for jobs: the video object (`VideoResource`, every field present, null where empty),
/// the list page and the deletion receipt.
enum VideoObject {
    static func json(_ job: VideoJob) -> JSONValue {
        func optional(_ value: Int64?) -> JSONValue { value.map { .int(Int($0)) } ?? .null }
        var error = JSONValue.null
        if let failure = job.error { error = .object(["code": .string(failure.code), "message": .string(failure.message)]) }
        return .object([
            "id": .string(job.id), "object": .string("video"), "model": .string(job.model),
            "status": .string(job.status.rawValue), "progress": .int(job.progress),
            "created_at": .int(Int(job.createdAt)), "completed_at": optional(job.completedAt),
            "expires_at": optional(job.expiresAt), "prompt": job.prompt.map(JSONValue.string) ?? .null,
            "size": .string(job.size), "seconds": .string(job.seconds),
            "remixed_from_video_id": job.remixedFromVideoID.map(JSONValue.string) ?? .null, "error": error,
        ])
    }

    static func list(_ page: JobPage) -> JSONValue {
        .object([
            "object": .string("list"), "data": .array(page.jobs.map(json)),
            "first_id": page.jobs.first.map { .string($0.id) } ?? .null,
            "last_id": page.jobs.last.map { .string($0.id) } ?? .null, "has_more": .bool(page.hasMore),
        ])
    }

    static func deleted(_ id: String) -> JSONValue {
        .object(["id": .string(id), "object": .string("video.deleted"), "deleted": .bool(true)])
    }

    /// Seconds as the API writes them: `"2"`, `"2.5"`.
    static func seconds(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return "0" }
        let rounded = (value * 1000).rounded() / 1000  // a millisecond is precise enough, and "2.125" reads better than 2.1250000001
        return rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
    }
}
