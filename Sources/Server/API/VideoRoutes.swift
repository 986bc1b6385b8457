import HTTPTypes
import Hummingbird
import JobQueue
import Pipelines
import Tensor

/// The OpenAI Videos API under `/v1` (docs/server.md): each route reads the request, asks
/// ``VideoRequests`` to check it, and reads or writes the job store. No generation happens here.
struct VideoRoutes: Sendable {
    let store: any JobStore
    let requests: VideoRequests
    let configuration: ServerConfiguration
    let scratch: ScratchFolder

    func register(on group: RouterGroup<BasicRequestContext>) {
        group.post("videos") { request, _ in try await create(request) }
        group.get("videos") { request, _ in try await list(request) }
        group.post("videos/extensions") { request, _ in try await derived(request, extend: true) }
        group.post("videos/edits") { request, _ in try await derived(request, extend: false) }
        group.post("videos/characters") { _, _ -> Response in throw Self.noCharacters }
        group.get("videos/characters/:id") { _, _ -> Response in throw Self.noCharacters }
        group.get("videos/:id") { _, context in try await retrieve(try context.parameters.require("id")) }
        group.delete("videos/:id") { _, context in try await delete(try context.parameters.require("id")) }
        group.get("videos/:id/content") { request, context in
            try await content(try context.parameters.require("id"), request: request)
        }
        group.get("videos/:id/events") { _, context in
            EventStream(store: store, id: try context.parameters.require("id")).response()
        }
        group.post("videos/:id/remix") { request, context in
            var request = request
            let source = try await existing(try context.parameters.require("id"))
            let fields = try await RequestFields.read(&request, limit: configuration.maxRequestBytes)
            return try await insert(try requests.remix(of: source, fields), files: [])
        }
        group.get("models") { _, _ in try models() }
    }

    static let noCharacters = APIError.invalid("characters are not supported by this server", code: "unsupported_feature")

    private func create(_ request: Request) async throws -> Response {
        var request = request
        let fields = try await RequestFields.read(&request, limit: configuration.maxRequestBytes)
        let (job, upload) = try requests.create(fields)
        var files: [JobFile] = []
        if let upload {
            try await onOwnThread { [scratch] in try ImageUpload.checkDecodes(upload, scratch: scratch) }
            files.append(JobFile(name: "input_reference", contentType: upload.contentType ?? "application/octet-stream", bytes: upload.bytes))
        }
        return try await insert(job, files: files)
    }

    /// An extension or an edit of `video[id]`, or of an uploaded `video` file (what the official
    /// client sends).
    private func derived(_ request: Request, extend: Bool) async throws -> Response {
        var request = request
        let fields = try await RequestFields.read(&request, limit: configuration.maxRequestBytes)
        if let upload = fields.files["video"] {
            let target = try requests.uploadTarget(fields)
            let maxFrames = Int(configuration.maxSeconds * Double(target.fps)) + 1
            let frames = try await onOwnThread { [scratch] in
                try VideoUpload.frameCount(upload, width: target.width, height: target.height, maxFrames: maxFrames, scratch: scratch)
            }
            let job = try requests.derived(fromUpload: frames, target: target, extend: extend, fields)
            let kind = VideoUpload.kind(of: upload.bytes) ?? "mp4"
            let file = JobFile(name: "source_video", contentType: kind == "gif" ? "image/gif" : "video/\(kind)", bytes: upload.bytes)
            return try await insert(job, files: [file])
        }
        guard let id = fields["video[id]"] ?? fields["video"] else {
            throw APIError.invalid("video is required: {\"id\": \"video_...\"} or a video file", param: "video",
                                   code: "missing_required_parameter")
        }
        let source = try await existing(id)
        let job = extend ? try requests.extend(source, fields) : try requests.remix(of: source, fields)
        return try await insert(job, files: [])
    }

    private func insert(_ job: VideoJob, files: [JobFile]) async throws -> Response {
        do {
            try await store.insert(job, files: files, queueLimit: configuration.queueLimit)
        } catch JobStoreError.queueFull(let limit) {
            var error = APIError(.tooManyRequests, "The queue is full (\(limit) videos waiting or in progress); try again shortly",
                                 type: "requests", code: "rate_limit_exceeded")
            error.headers[.retryAfter] = "5"
            throw error
        }
        return JSONResponse.make(VideoObject.json(job))
    }

    private func existing(_ id: String) async throws -> VideoJob {
        guard id.utf8.count <= 128, let job = try await store.job(id: id) else { throw APIError.notFound(String(id.prefix(128))) }
        return job
    }

    private func retrieve(_ id: String) async throws -> Response {
        let job = try await existing(id)
        var headers: HTTPFields = [:]
        if job.status == .queued || job.status == .inProgress {
            headers[HTTPField.Name("openai-poll-after-ms")!] = String(configuration.pollAfterMilliseconds)
        }
        return JSONResponse.make(VideoObject.json(job), headers: headers)
    }

    private func delete(_ id: String) async throws -> Response {
        guard id.utf8.count <= 128, try await store.delete(id: id) else { throw APIError.notFound(String(id.prefix(128))) }
        return JSONResponse.make(VideoObject.deleted(id))
    }

    private func list(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        var limit = 20
        if let text = query["limit"] {
            guard let value = Int(text), (0...100).contains(value) else {
                throw APIError.invalid("limit must be a whole number from 0 to 100, not '\(text.prefix(20))'", param: "limit")
            }
            limit = value
        }
        let order = query["order"].map(String.init) ?? "desc"
        guard order == "asc" || order == "desc" else {
            throw APIError.invalid("order must be asc or desc, not '\(order.prefix(20))'", param: "order")
        }
        let after = query["after"].map(String.init)
        do {
            var page = try await store.list(after: after, limit: max(limit, 1), ascending: order == "asc")
            if limit == 0 { page = JobPage(jobs: [], hasMore: !page.jobs.isEmpty) }
            return JSONResponse.make(VideoObject.list(page))
        } catch JobStoreError.unknownCursor(let id) {
            throw APIError.invalid("after: no video '\(id.prefix(128))'", param: "after", code: "invalid_cursor")
        }
    }

    private func content(_ id: String, request: Request) async throws -> Response {
        let variant = request.uri.queryParameters["variant"].map(String.init) ?? "video"
        guard ["video", "thumbnail", "spritesheet"].contains(variant) else {
            throw APIError.invalid("variant must be video, thumbnail or spritesheet, not '\(variant.prefix(20))'", param: "variant")
        }
        let job = try await existing(id)
        guard job.status == .completed else {
            throw APIError(.notFound, "Video '\(id)' is \(job.status.rawValue); its content is there once it is completed",
                           param: "video_id", code: "video_not_ready")
        }
        guard let file = try await store.file(jobID: id, name: variant) else {
            throw APIError(.notFound, "Video '\(id)' has no \(variant)", param: "variant", code: "variant_not_found")
        }
        let extensionName = variant == "video" ? "mp4" : "webp"
        return try ByteRanges.response(file.bytes, contentType: file.contentType, range: request.headers[.range],
                                       filename: "\(id)\(variant == "video" ? "" : "-\(variant)").\(extensionName)")
    }

    private func models() throws -> Response {
        var data: [JSONValue] = []
        for id in requests.models.ids {
            guard let defaults = try? requests.models.defaults(for: id) else { continue }
            let seconds = Double(defaults.frames - 1) / Double(defaults.fps)
            data.append(.object([
                "id": .string(id), "object": .string("model"), "created": .int(0), "owned_by": .string("zoetrope"),
                "default": .bool(id == requests.models.defaultID),
                "size": .string("\(defaults.width)x\(defaults.height)"), "seconds": .string(VideoObject.seconds(seconds)),
                "fps": .int(defaults.fps), "frames": .int(defaults.frames), "size_multiple": .int(defaults.sizeMultiple),
                "max_side": .int(configuration.maxSide), "max_seconds": .double(configuration.maxSeconds),
                "modes": .array(["text", "image", "remix", "extend", "edit", "loop"].map(JSONValue.string)),
            ]))
        }
        return JSONResponse.make(.object(["object": .string("list"), "data": .array(data)]))
    }
}
