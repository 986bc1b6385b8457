import Media
import Pipelines
import Tensor

/// What a job makes, as the API wrote it for the worker: the store keeps it as JSON text
/// (``VideoJob/parameters``) and never reads it. Everything is resolved at creation (the seed too), so a
/// job that is re-queued after its worker died makes the same video again.
struct JobParameters: Sendable, Equatable {
    enum Mode: String, Sendable, CaseIterable {
        /// From the prompt alone.
        case text
        /// Animate the uploaded `input_reference`.
        case image
        /// A new take on a finished video (``source``), `strength` from it.
        case remix
        /// More video after a finished one (``source``): the result is the source and its continuation.
        case extend
        /// A seamless loop.
        case loop
    }

    var mode: Mode
    var prompt: String
    var negativePrompt: String?
    var width: Int
    var height: Int
    /// The duration asked for (new seconds for an extension); nil for a remix (the source's length).
    var seconds: Double?
    var fps: Int
    var steps: Int?
    var guidance: Double?
    var seed: UInt64
    var strength: Double?
    /// The video a remix or an extension starts from.
    var source: String?
    /// The remix or extension starts from a video uploaded with the request (the job's `source_video` file).
    var sourceUploaded = false

    var json: JSONValue {
        var members: [String: JSONValue] = [
            "mode": .string(mode.rawValue), "prompt": .string(prompt), "width": .int(width), "height": .int(height),
            "fps": .int(fps), "seed": .string(String(seed)),
        ]
        if let negativePrompt { members["negative_prompt"] = .string(negativePrompt) }
        if let seconds { members["seconds"] = .double(seconds) }
        if let steps { members["steps"] = .int(steps) }
        if let guidance { members["guidance"] = .double(guidance) }
        if let strength { members["strength"] = .double(strength) }
        if let source { members["source"] = .string(source) }
        if sourceUploaded { members["source_uploaded"] = .bool(true) }
        return .object(members)
    }

    /// The parameters a job's text holds; throws a one-line reason for text the API did not write.
    init(json text: String) throws {
        let json = try JSONValue(parsing: text)
        guard let mode = json["mode"]?.stringValue.flatMap(Mode.init(rawValue:)), let prompt = json["prompt"]?.stringValue,
              let width = json["width"]?.intValue, let height = json["height"]?.intValue, let fps = json["fps"]?.intValue,
              let seed = json["seed"]?.stringValue.flatMap({ UInt64($0) })
        else { throw ParametersError(text: text) }
        self.init(mode: mode, prompt: prompt, negativePrompt: json["negative_prompt"]?.stringValue, width: width, height: height,
                  seconds: json["seconds"]?.doubleValue, fps: fps, steps: json["steps"]?.intValue,
                  guidance: json["guidance"]?.doubleValue, seed: seed, strength: json["strength"]?.doubleValue,
                  source: json["source"]?.stringValue)
        sourceUploaded = json["source_uploaded"]?.boolValue ?? false
    }

    init(mode: Mode, prompt: String, negativePrompt: String?, width: Int, height: Int, seconds: Double?, fps: Int,
         steps: Int?, guidance: Double?, seed: UInt64, strength: Double?, source: String?) {
        self.mode = mode; self.prompt = prompt; self.negativePrompt = negativePrompt; self.width = width
        self.height = height; self.seconds = seconds; self.fps = fps; self.steps = steps; self.guidance = guidance
        self.seed = seed; self.strength = strength; self.source = source
    }
}

extension JobParameters {
    /// The engine's request for these parameters on `model`: `image` is the frame an image job
    /// animates, `video` the clip a remix or an extension starts from (the API's check passes grey
    /// stand-ins, the worker the decoded inputs).
    func generationRequest(model: String, image: VideoFrames?, video: VideoFrames?) -> GenerationRequest {
        var request = GenerationRequest(prompt: prompt, negativePrompt: negativePrompt, width: width, height: height,
                                        seconds: seconds, fps: fps, steps: steps, guidance: guidance, seed: seed, model: model)
        switch mode {
        case .text: break
        case .loop: request.conditioning.loop = true
        case .image: request.conditioning.image = image
        case .remix:
            request.conditioning.video = video
            request.conditioning.strength = strength
        case .extend: request.conditioning.previous = video
        }
        return request
    }
}

struct ParametersError: Error, CustomStringConvertible {
    let text: String
    var description: String { "the job's parameters are not ones this server writes: \(text.prefix(200))" }
}
