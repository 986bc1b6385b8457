import Foundation
import JobQueue
import Media
import Pipelines

/// Turns the API's create, remix, extension and edit requests into jobs: every field checked with
/// the OpenAI error envelope (the engine's own rules for sizes and lengths, the server's limits), the
/// seed drawn now so that a re-queued job makes the same video.
struct VideoRequests: Sendable {
    let models: ModelStore
    let configuration: ServerConfiguration

    /// The default strength of a remix or an edit: how far it may move from its source.
    static let defaultRemixStrength = 0.7

    /// A create request: text, an image to animate (`input_reference`), or a loop.
    func create(_ fields: RequestFields) throws -> (job: VideoJob, upload: Upload?) {
        let prompt = try self.prompt(fields)
        let model = try self.model(fields)
        let defaults = try modelDefaults(model)
        let (width, height) = try size(fields["size"], defaults: defaults)
        let upload = try ImageUpload.reference(in: fields)
        let loop = try flag(fields, "loop")
        if upload != nil, loop { throw APIError.invalid("a loop cannot animate an input_reference", param: "loop") }
        let mode: JobParameters.Mode = upload != nil ? .image : loop ? .loop : .text
        var parameters = try common(fields, mode: mode, prompt: prompt, width: width, height: height, defaults: defaults)
        parameters.seconds = try seconds(fields["seconds"]) ?? defaultSeconds(defaults, loop: loop)
        try check(parameters, model: model)
        return (job(parameters, model: model, seconds: parameters.seconds ?? 0), upload)
    }

    /// A remix (or an edit) of the completed video `source`: its size and length, a new prompt.
    func remix(of source: VideoJob, _ fields: RequestFields) throws -> VideoJob {
        var job = try remix(SourceVideo(source, parameters: try finished(source)), fields)
        job.remixedFromVideoID = source.id
        return job
    }

    /// An extension of the completed video `source` by `seconds` more: the new video is the source and its continuation.
    func extend(_ source: VideoJob, _ fields: RequestFields) throws -> VideoJob {
        try extend(SourceVideo(source, parameters: try finished(source)), fields)
    }

    /// Where an uploaded video (an edit's or an extension's `video` file) goes: the request's `size`
    /// (the model's by default), on which the worker fits it, and the model.
    func uploadTarget(_ fields: RequestFields) throws -> (model: String, width: Int, height: Int, fps: Int) {
        let model = try self.model(fields)
        let defaults = try modelDefaults(model)
        let (width, height) = try size(fields["size"], defaults: defaults)
        return (model, width, height, defaults.fps)
    }

    /// A remix or an extension of an uploaded video of `frames` frames, fitted to `target`; the worker
    /// reads it from the job's `source_video` file.
    func derived(fromUpload frames: Int, target: (model: String, width: Int, height: Int, fps: Int), extend: Bool,
                 _ fields: RequestFields) throws -> VideoJob {
        let source = SourceVideo(id: nil, model: target.model, width: target.width, height: target.height,
                                 seconds: Double(frames - 1) / Double(target.fps), frames: frames)
        return extend ? try self.extend(source, fields) : try remix(source, fields)
    }

    /// What a remix or an extension starts from: one of the server's videos, or an upload.
    private struct SourceVideo {
        var id: String?
        var model: String
        var width: Int
        var height: Int
        var seconds: Double
        /// Pixel frames, when known (an upload); a server video's follow from its seconds.
        var frames: Int?

        init(id: String?, model: String, width: Int, height: Int, seconds: Double, frames: Int?) {
            self.id = id; self.model = model; self.width = width; self.height = height; self.seconds = seconds; self.frames = frames
        }

        init(_ job: VideoJob, parameters: JobParameters) {
            self.init(id: job.id, model: job.model, width: parameters.width, height: parameters.height,
                      seconds: Double(job.seconds) ?? 0, frames: nil)
        }
    }

    /// The parameters of a remix or an extension of `source`: the shared fields at the source's size.
    private func derived(_ mode: JobParameters.Mode, of source: SourceVideo, _ fields: RequestFields) throws
        -> (JobParameters, GenerationDefaults) {
        let prompt = try self.prompt(fields)
        let defaults = try modelDefaults(source.model)
        var parameters = try common(fields, mode: mode, prompt: prompt, width: source.width, height: source.height, defaults: defaults)
        parameters.source = source.id
        parameters.sourceUploaded = source.id == nil
        return (parameters, defaults)
    }

    private func remix(_ source: SourceVideo, _ fields: RequestFields) throws -> VideoJob {
        var (parameters, defaults) = try derived(.remix, of: source, fields)
        parameters.strength = try number(fields, "strength") ?? Self.defaultRemixStrength
        try check(parameters, model: source.model)
        // A remix keeps the whole latent frames of its source: 4k+1 frames.
        let tc = defaults.geometry.temporalCompression
        let seconds = source.frames.map { Double(($0 - 1) / tc * tc) / Double(defaults.fps) } ?? source.seconds
        return job(parameters, model: source.model, seconds: seconds)
    }

    private func extend(_ source: SourceVideo, _ fields: RequestFields) throws -> VideoJob {
        var (parameters, defaults) = try derived(.extend, of: source, fields)
        let added = try seconds(fields["seconds"]) ?? defaultSeconds(defaults, loop: true)
        parameters.seconds = added
        let total = source.seconds + added
        guard total <= configuration.maxSeconds else {
            throw APIError.invalid("the extended video would be \(VideoObject.seconds(total)) s, more than the \(VideoObject.seconds(configuration.maxSeconds)) s allowed", param: "seconds", code: "invalid_seconds")
        }
        try check(parameters, model: source.model)
        return job(parameters, model: source.model, seconds: total)
    }

    // MARK: Fields

    private func prompt(_ fields: RequestFields) throws -> String {
        guard let prompt = fields["prompt"], !prompt.allSatisfy(\.isWhitespace) else {
            throw APIError.invalid("prompt is required", param: "prompt", code: "missing_required_parameter")
        }
        guard prompt.count <= 32_000 else {
            throw APIError.invalid("prompt has \(prompt.count) characters; at most 32000 are allowed", param: "prompt")
        }
        return prompt
    }

    private func model(_ fields: RequestFields) throws -> String {
        guard let model = fields["model"] else { return models.defaultID }
        guard models.ids.contains(model) else {
            throw APIError.invalid("The model '\(model)' does not exist; this server offers \(models.ids.joined(separator: ", "))",
                                   param: "model", code: "model_not_found")
        }
        return model
    }

    private func modelDefaults(_ model: String) throws -> GenerationDefaults {
        do {
            return try models.defaults(for: model)
        } catch {
            throw APIError(.internalServerError, "the model '\(model)' cannot be read: \(error)", type: "server_error")
        }
    }

    private func size(_ text: String?, defaults: GenerationDefaults) throws -> (Int, Int) {
        guard let text else { return (defaults.width, defaults.height) }
        let sides = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard sides.count == 2, sides.allSatisfy({ !$0.isEmpty && $0.count <= 6 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let width = Int(sides[0]), let height = Int(sides[1]) else {
            throw APIError.invalid("size must be WIDTHxHEIGHT, such as \(defaults.width)x\(defaults.height), not '\(text.prefix(40))'",
                                   param: "size", code: "invalid_size")
        }
        guard width <= configuration.maxSide, height <= configuration.maxSide else {
            throw APIError.invalid("size \(width)x\(height) is larger than the \(configuration.maxSide) pixels a side this server allows",
                                   param: "size", code: "invalid_size")
        }
        return (width, height)
    }

    private func seconds(_ text: String?) throws -> Double? {
        guard let text else { return nil }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0 else {
            throw APIError.invalid("seconds must be a positive number, such as \"4\", not '\(text.prefix(40))'", param: "seconds",
                                   code: "invalid_seconds")
        }
        guard value <= configuration.maxSeconds else {
            throw APIError.invalid("seconds \(text) is more than the \(VideoObject.seconds(configuration.maxSeconds)) this server allows",
                                   param: "seconds", code: "invalid_seconds")
        }
        return value
    }

    private func defaultSeconds(_ defaults: GenerationDefaults, loop: Bool) -> Double {
        let tc = defaults.geometry.temporalCompression
        let frames = loop ? max(tc, (defaults.frames - 1) / tc * tc) : defaults.frames - 1
        return Double(frames) / Double(defaults.fps)
    }

    private func flag(_ fields: RequestFields, _ name: String) throws -> Bool {
        guard let text = fields[name] else { return false }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError.invalid("\(name) must be true or false, not '\(text.prefix(40))'", param: name)
        }
    }

    private func number(_ fields: RequestFields, _ name: String) throws -> Double? {
        guard let text = fields[name] else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw APIError.invalid("\(name) must be a number, not '\(text.prefix(40))'", param: name)
        }
        return value
    }

    private func integer(_ fields: RequestFields, _ name: String) throws -> Int? {
        guard let text = fields[name] else { return nil }
        guard let value = Int(text) else { throw APIError.invalid("\(name) must be a whole number, not '\(text.prefix(40))'", param: name) }
        return value
    }

    /// The fields every mode shares: negative prompt, seed, steps, guidance.
    private func common(_ fields: RequestFields, mode: JobParameters.Mode, prompt: String, width: Int, height: Int,
                        defaults: GenerationDefaults) throws -> JobParameters {
        var seed = UInt64.random(in: 0...UInt64(UInt32.max))
        if let text = fields["seed"] {
            guard let value = UInt64(text) else { throw APIError.invalid("seed must be a whole number from 0, not '\(text.prefix(40))'", param: "seed") }
            seed = value
        }
        return JobParameters(mode: mode, prompt: prompt, negativePrompt: fields["negative_prompt"], width: width, height: height,
                             seconds: nil, fps: defaults.fps, steps: try integer(fields, "steps"),
                             guidance: try number(fields, "guidance"), seed: seed, strength: nil, source: nil)
    }

    /// The source of a remix or extension, which must have finished.
    private func finished(_ source: VideoJob) throws -> JobParameters {
        guard source.status == .completed else {
            throw APIError.invalid("video '\(source.id)' is \(source.status.rawValue); only a completed video can be remixed or extended",
                                   param: "video_id", code: "video_not_ready")
        }
        do {
            return try JobParameters(json: source.parameters)
        } catch {
            throw APIError(.internalServerError, "video '\(source.id)': \(error)", type: "server_error")
        }
    }

    /// The engine's own rules (sizes, frame counts, steps, guidance, strength), run on stand-in frames.
    private func check(_ parameters: JobParameters, model: String) throws {
        do {
            let grey = try VideoFrames.grey(width: parameters.width, height: parameters.height, count: 1)
            let request = parameters.generationRequest(model: model, image: grey, video: grey)
            _ = try models.validate(request)
        } catch let error as GenerationError {
            guard case .invalidRequest(let reason) = error else { throw APIError.invalid(error.description) }
            throw APIError.invalid(reason, param: Self.param(of: reason), code: "invalid_value")
        }
    }

    /// The request field an engine message is about.
    static func param(of reason: String) -> String? {
        for (word, param) in [("width", "size"), ("height", "size"), ("larger than", "size"), ("frames", "seconds"), ("seconds", "seconds"),
                              ("steps", "steps"), ("guidance", "guidance"), ("strength", "strength"), ("prompt", "prompt")]
        where reason.contains(word) { return param }
        return nil
    }

    private func job(_ parameters: JobParameters, model: String, seconds: Double) -> VideoJob {
        VideoJob(id: VideoJob.newID(), model: model, prompt: parameters.prompt, size: "\(parameters.width)x\(parameters.height)",
                 seconds: VideoObject.seconds(seconds), createdAt: Int64(Date().timeIntervalSince1970),
                 parameters: parameters.json.serialized)
    }
}
