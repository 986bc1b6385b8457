import Sampling
import Tensor

/// One text-to-video job, as the CLI and the server receive it. Every field but the prompt is
/// optional: nil means the default (the model folder's scheduler config for the sampler and shift,
/// ``GenerationDefaults`` otherwise: the folder's `zoetrope.json`, else Wan 2.1's pipeline defaults).
/// ``validated(defaults:)`` checks it and fills in the defaults.
public struct GenerationRequest: Codable, Sendable, Equatable {
    public var prompt: String
    public var negativePrompt: String?
    public var width: Int?
    public var height: Int?
    /// Pixel frames, of the form 4k+1 (the VAE compresses 4 frames into one after the first).
    public var frames: Int?
    /// Duration instead of `frames`: `seconds · fps + 1` frames, which must then be 4k+1.
    public var seconds: Double?
    public var fps: Int?
    public var steps: Int?
    /// Classifier-free guidance scale; guidance is on when it is above 1.
    public var guidance: Double?
    /// The flow shift; nil takes the model folder's scheduler config.
    public var shift: Double?
    /// `unipc` or `euler`; nil takes the model folder's scheduler config.
    public var sampler: String?
    /// The noise seed; nil picks one at random (reported in the result).
    public var seed: UInt64?
    /// A diffusers model folder.
    public var model: String?
    /// Single weight files replacing one component of the folder (either checkpoint layout).
    public var transformer: String?
    public var vae: String?
    public var textEncoder: String?

    public init(prompt: String, negativePrompt: String? = nil, width: Int? = nil, height: Int? = nil, frames: Int? = nil,
                seconds: Double? = nil, fps: Int? = nil, steps: Int? = nil, guidance: Double? = nil, shift: Double? = nil,
                sampler: String? = nil, seed: UInt64? = nil, model: String? = nil, transformer: String? = nil,
                vae: String? = nil, textEncoder: String? = nil) {
        self.prompt = prompt; self.negativePrompt = negativePrompt; self.width = width; self.height = height
        self.frames = frames; self.seconds = seconds; self.fps = fps; self.steps = steps; self.guidance = guidance
        self.shift = shift; self.sampler = sampler; self.seed = seed; self.model = model
        self.transformer = transformer; self.vae = vae; self.textEncoder = textEncoder
    }

    /// The request checked, with `defaults` filled in for what it leaves out. Throws
    /// ``GenerationError`` naming the first problem in one sentence; nothing is rounded or changed silently.
    public func validated(defaults: GenerationDefaults = .wan21) throws -> ValidatedRequest {
        guard !prompt.allSatisfy(\.isWhitespace) else { throw GenerationError.invalidRequest("the prompt is empty") }
        let width = width ?? defaults.width, height = height ?? defaults.height
        let multiple = defaults.sizeMultiple
        for (name, value) in [("width", width), ("height", height)] where value <= 0 || value % multiple != 0 {
            throw GenerationError.invalidRequest(
                "\(name) \(value) must be a positive multiple of \(multiple) (the VAE's 8x times the transformer's patch); try \(max(multiple, value / multiple * multiple))")
        }
        let fps = fps ?? defaults.fps
        guard fps > 0, fps <= 240 else { throw GenerationError.invalidRequest("fps \(fps) must be between 1 and 240") }
        if frames != nil, seconds != nil {
            throw GenerationError.invalidRequest("give frames or seconds, not both")
        }
        var frames = self.frames ?? defaults.frames
        if let seconds {
            guard seconds > 0, seconds.isFinite else { throw GenerationError.invalidRequest("seconds \(seconds) must be positive") }
            frames = Int((seconds * Double(fps)).rounded()) + 1
        }
        guard frames >= 1, (frames - 1) % 4 == 0 else {
            let below = max(1, (frames - 1) / 4 * 4 + 1), above = below + 4
            let source = seconds.map { "\($0) s at \(fps) fps gives \(frames) frames; " } ?? ""
            throw GenerationError.invalidRequest(
                "\(source)frames must be of the form 4k+1 (the VAE's time compression): \(below) or \(above), not \(frames)")
        }
        let steps = steps ?? defaults.steps
        guard steps >= 1, steps <= 1000 else { throw GenerationError.invalidRequest("steps \(steps) must be between 1 and 1000") }
        let guidance = guidance ?? defaults.guidance
        guard guidance.isFinite, guidance >= 0 else { throw GenerationError.invalidRequest("guidance \(guidance) must be 0 or more") }
        if let shift, !(shift.isFinite && shift > 0) {
            throw GenerationError.invalidRequest("shift \(shift) must be positive")
        }
        var kind: SamplerKind? = nil
        if let sampler {
            guard let parsed = SamplerKind(rawValue: sampler) else {
                throw GenerationError.invalidRequest(
                    "unknown sampler \"\(sampler)\"; use \(SamplerKind.allCases.map(\.rawValue).joined(separator: " or "))")
            }
            kind = parsed
        }
        return ValidatedRequest(prompt: prompt, negativePrompt: negativePrompt ?? defaults.negativePrompt, width: width, height: height,
                                frames: frames, fps: fps, steps: steps, guidance: guidance, shift: shift, sampler: kind,
                                seed: seed ?? UInt64.random(in: 0...UInt64(UInt32.max)))
    }
}

/// A checked request with every default filled in.
public struct ValidatedRequest: Sendable, Equatable {
    public var prompt: String
    public var negativePrompt: String
    public var width: Int
    public var height: Int
    public var frames: Int
    public var fps: Int
    public var steps: Int
    public var guidance: Double
    public var shift: Double?
    public var sampler: SamplerKind?
    public var seed: UInt64

    /// The latent shape `[1, 16, (frames − 1)/4 + 1, height/8, width/8]`.
    public var latentShape: [Int] { [1, 16, (frames - 1) / 4 + 1, height / 8, width / 8] }
    /// Whether the unconditional pass runs (guidance above 1, as diffusers decides).
    public var usesGuidance: Bool { guidance > 1 }

    /// Throws ``GenerationError/invalidNoise(_:)`` unless `noise` has ``latentShape``; `source` names
    /// where the noise came from in the message.
    public func check(noise: Tensor, from source: String = "the noise") throws {
        guard noise.shape == latentShape else {
            throw GenerationError.invalidNoise(
                "\(source) has shape \(noise.shape); \(width)x\(height) with \(frames) frames needs \(latentShape)")
        }
    }
}

/// Why a generation could not start or stopped, in one sentence.
public enum GenerationError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidRequest(String)
    case invalidNoise(String)
    case cancelled

    public var description: String {
        switch self {
        case .invalidRequest(let reason): return "invalid request: \(reason)"
        case .invalidNoise(let reason): return "invalid noise: \(reason)"
        case .cancelled: return "generation cancelled"
        }
    }
}
