import Foundation
import JobQueue
import Media
import Pipelines
import Synchronization
import Tensor

/// Runs one job's generation: its parameters and stored inputs into a ``GenerationRequest`` for the
/// ``Generator`` (a long clip window by window, as the CLI makes it), the frames streamed into an MP4,
/// then the thumbnail and the sprite sheet. It runs on its own thread (model code is synchronous and
/// CPU-bound) and checks `isCancelled` between steps.
struct JobRunner: Sendable {
    let generator: Generator
    let scratch: ScratchFolder

    /// Why a job failed, for the video object's `error`.
    struct Failure: Error {
        var code: String
        var message: String
    }

    /// The job's outputs: `video`, `thumbnail`, `spritesheet`.
    func run(_ job: VideoJob, inputs: JobInputs, progress: JobProgress, isCancelled: @escaping @Sendable () -> Bool) async throws -> [JobFile] {
        try await onOwnThread { try self.generate(job, inputs: inputs, progress: progress, isCancelled: isCancelled) }
    }

    private func generate(_ job: VideoJob, inputs: JobInputs, progress: JobProgress, isCancelled: () -> Bool) throws -> [JobFile] {
        let parameters: JobParameters
        do { parameters = try JobParameters(json: job.parameters) } catch { throw Failure(code: "invalid_job", message: "\(error)") }
        let request: ValidatedRequest
        do {
            request = try generator.validate(try generationRequest(parameters, model: job.model, inputs: inputs))
        } catch let error as GenerationError {
            throw Failure(code: "invalid_request", message: error.description)
        } catch let error as MediaError {
            throw Failure(code: "invalid_input", message: error.description)
        }
        // Refused here rather than killed for memory part-way (a long clip is made a window at a time).
        do {
            let defaults = try generator.store.defaults(for: request.model)
            let window = defaults.window ?? defaults.frames
            _ = try generator.checkMemory(request, window: request.frames > window ? window : nil)
        } catch let error as GenerationError {
            throw Failure(code: "insufficient_memory", message: error.description)
        }
        let output = scratch.newPath(suffix: ".mp4")
        let metadata = VideoMetadata.generation(prompt: request.prompt, seed: request.seed,
                                                settings: "\(request.width)x\(request.height), \(request.frames) frames at \(request.fps) fps, \(request.mode.rawValue), model \(job.model), job \(job.id)")
        let writer = try VideoWriter(path: output, width: request.width, height: request.height, fps: request.fps, metadata: metadata)
        var stills = StillSampler(totalFrames: request.outputFrames)
        do {
            if let story = try StoryboardGenerator.longClip(generator: generator, request: request) {
                let windows = story.plan.steps.count
                try story.run(onProgress: { step in
                    if let generation = step.generation { progress.record(generation, window: step.step, windows: windows) }
                }, onFrames: { frames in
                    try writer.append(frames: frames.frames)
                    stills.take(frames.frames)
                }, isCancelled: isCancelled)
            } else {
                _ = try generator.run(request, onProgress: { progress.record($0) }, onFrames: { chunk in
                    let frames = try RGBFrame.frames(decodedVideo: chunk)
                    try writer.append(frames: frames)
                    stills.take(frames)
                }, isCancelled: isCancelled)
            }
            try writer.finish()
        } catch {
            writer.cancel()
            throw error
        }
        defer { scratch.remove(output) }
        guard let video = FileManager.default.contents(atPath: output) else {
            throw Failure(code: "output_failed", message: "the encoded video could not be read back")
        }
        var files = [JobFile(name: "video", contentType: "video/mp4", bytes: [UInt8](video))]
        files += try stills.files()
        return files
    }

    /// The engine's request for `parameters`, its frames decoded from the stored inputs.
    private func generationRequest(_ parameters: JobParameters, model: String, inputs: JobInputs) throws -> GenerationRequest {
        let fit = FrameFit.cover(width: parameters.width, height: parameters.height)
        var image: VideoFrames?, video: VideoFrames?
        switch parameters.mode {
        case .text, .loop: break
        case .image:
            guard let file = inputs.image else { throw Failure(code: "invalid_job", message: "the job's input_reference is missing") }
            image = try decode(file, fit: fit, maxFrames: 1)
        case .remix, .extend:
            guard let file = inputs.sourceVideo else {
                throw Failure(code: "source_missing", message: "the video '\(parameters.source ?? "upload")' this job starts from was deleted")
            }
            video = try decode(file, fit: fit, maxFrames: nil)
        }
        return parameters.generationRequest(model: model, image: image, video: video)
    }

    private func decode(_ file: JobFile, fit: FrameFit, maxFrames: Int?) throws -> VideoFrames {
        let suffix = "." + (VideoUpload.kind(of: file.bytes) ?? ImageUpload.kind(of: file.bytes) ?? "bin")
        let path = try scratch.write(file.bytes, suffix: suffix)
        defer { scratch.remove(path) }
        return try MediaReader.read(path, fit: fit, maxFrames: maxFrames)
    }
}

/// What a job reads besides its parameters: the uploaded image, or the video it remixes or extends.
struct JobInputs: Sendable {
    var image: JobFile?
    var sourceVideo: JobFile?
}

/// Keeps a few evenly spaced frames of the output as it streams by, for the thumbnail (the middle
/// one) and the sprite sheet, without holding the whole video.
struct StillSampler {
    private var seen = 0
    private(set) var kept: [RGBFrame] = []
    private var wanted: Set<Int>

    init(totalFrames: Int) {
        wanted = Set(StillImage.evenlySpacedIndices(JobStills.sheetFrames, outOf: max(totalFrames, 1)))
    }

    mutating func take(_ frames: [RGBFrame]) {
        for frame in frames {
            if wanted.contains(seen) { kept.append(frame) }
            seen += 1
        }
    }

    func files() throws -> [JobFile] {
        guard !kept.isEmpty else { return [] }
        let thumbnail = try JobStills.webp(kept[kept.count / 2])
        let sheet = try JobStills.webp(JobStills.sheet(kept))
        return [JobFile(name: "thumbnail", contentType: "image/webp", bytes: thumbnail),
                JobFile(name: "spritesheet", contentType: "image/webp", bytes: sheet)]
    }
}
