import Media
import Sampling
import Tensor

/// One generation job, as the CLI and the server hand it to ``Generator``. Every field but the prompt
/// is optional: nil means the default (the model folder's scheduler config for the sampler and shift,
/// ``GenerationDefaults`` otherwise: the folder's `zoetrope.json`, else Wan 2.1's pipeline defaults).
/// ``validated(defaults:)`` checks it and fills in the defaults.
///
/// A request carries no file paths: the model is an id that a ``ModelStore`` resolves, and images and
/// videos travel as decoded frames in ``conditioning``.
public struct GenerationRequest: Sendable, Equatable {
    public var prompt: String
    public var negativePrompt: String?
    public var width: Int?
    public var height: Int?
    /// Pixel frames: of the form 4k+1 for a plain clip (the VAE compresses 4 frames into one after
    /// the first); the new frames (a multiple of 4) when extending or connecting; the loop's length
    /// (a multiple of 4) for a loop. Left out for a remix or edit, the source video's length.
    public var frames: Int?
    /// Duration instead of `frames`: `seconds · fps` frames (plus one for a plain clip).
    public var seconds: Double?
    public var fps: Int?
    public var steps: Int?
    /// Classifier-free guidance scale; guidance is on when it is above 1.
    public var guidance: Double?
    /// The flow shift; nil takes the model folder's scheduler config.
    public var shift: Double?
    /// `unipc`, `euler` or `renoise` (x₀ prediction and fresh noise, ``Sampling/RenoiseSampler``);
    /// nil takes the model folder's scheduler config, or `euler` when ``timesteps`` is given.
    public var sampler: String?
    /// An explicit step list (docs/few-step.md), instead of ``steps`` spread over the scheduler's
    /// grid; ``steps`` may be left out (it is the list's length) or must equal it.
    public var timesteps: StepList?
    /// Step caching: the threshold of the accumulated change below which a transformer call is
    /// skipped for its cached residual (``WanDiT/StepCache``); nil runs without a cache, 0 with one
    /// that never skips (the same numbers).
    public var cache: Double?
    /// The noise seed; nil picks one at random (reported in the result).
    public var seed: UInt64?
    /// The id of the model, as the ``ModelStore`` knows it; nil is the store's default.
    public var model: String?
    /// What the video starts from or must keep (images, videos, masks, loops); empty for text to video.
    public var conditioning: Conditioning

    public init(prompt: String, negativePrompt: String? = nil, width: Int? = nil, height: Int? = nil, frames: Int? = nil,
                seconds: Double? = nil, fps: Int? = nil, steps: Int? = nil, guidance: Double? = nil, shift: Double? = nil,
                sampler: String? = nil, seed: UInt64? = nil, model: String? = nil, conditioning: Conditioning = Conditioning(),
                timesteps: StepList? = nil, cache: Double? = nil) {
        self.prompt = prompt; self.negativePrompt = negativePrompt; self.width = width; self.height = height
        self.frames = frames; self.seconds = seconds; self.fps = fps; self.steps = steps; self.guidance = guidance
        self.shift = shift; self.sampler = sampler; self.seed = seed; self.model = model
        self.conditioning = conditioning
        self.timesteps = timesteps; self.cache = cache
    }

    /// The request checked, with `defaults` filled in for what it leaves out. Throws
    /// ``GenerationError`` naming the first problem in one sentence; nothing is rounded or changed silently.
    public func validated(defaults: GenerationDefaults = .wan21) throws -> ValidatedRequest {
        guard !prompt.allSatisfy(\.isWhitespace) else { throw GenerationError.invalidRequest("the prompt is empty") }
        let geometry = defaults.geometry
        let width = width ?? defaults.width, height = height ?? defaults.height
        let multiple = defaults.sizeMultiple
        for (name, value) in [("width", width), ("height", height)] where value <= 0 || value % multiple != 0 {
            throw GenerationError.invalidRequest(
                "\(name) \(value) must be a positive multiple of \(multiple) (the VAE's \(geometry.spatialCompression)x times the transformer's patch); try \(max(multiple, value / multiple * multiple))")
        }
        guard width <= Self.maximumSide, height <= Self.maximumSide else {
            throw GenerationError.invalidRequest("\(width)x\(height) is larger than the \(Self.maximumSide) pixels a side allowed")
        }
        let fps = fps ?? defaults.fps
        guard fps > 0, fps <= 240 else { throw GenerationError.invalidRequest("fps \(fps) must be between 1 and 240") }
        if frames != nil, seconds != nil {
            throw GenerationError.invalidRequest("give frames or seconds, not both")
        }
        let mode = try conditioning.mode(width: width, height: height)
        try defaults.family.check(conditioning, mode: mode)
        let scales = conditioning.controlScales.count
        if scales > 1, scales != defaults.controlLayers {
            throw GenerationError.invalidRequest(
                "\(scales) control scales, but this VACE model has \(defaults.controlLayers) VACE layers: give one for all, or \(defaults.controlLayers)")
        }
        let frames = try resolvedFrames(mode: mode, defaults: defaults, fps: fps)
        let steps = try resolvedSteps(defaults: defaults)
        let guidance = guidance ?? defaults.guidance
        guard Self.guidanceRange.contains(guidance) else {
            throw GenerationError.invalidRequest(
                "guidance \(guidance) must be between \(Self.guidanceRange.lowerBound) and \(Self.guidanceRange.upperBound)")
        }
        if let shift, !SchedulerConfig.shiftRange.contains(shift) {
            throw GenerationError.invalidRequest(
                "shift \(shift) must be between \(SchedulerConfig.shiftRange.lowerBound) and \(SchedulerConfig.shiftRange.upperBound)")
        }
        var kind: SamplerKind? = nil
        if let sampler {
            guard let parsed = SamplerKind(rawValue: sampler) else {
                throw GenerationError.invalidRequest(
                    "unknown sampler \"\(sampler)\"; use \(SamplerKind.allCases.map(\.rawValue).joined(separator: " or "))")
            }
            kind = parsed
        }
        if timesteps != nil {
            if kind == .unipc {
                throw GenerationError.invalidRequest("the unipc sampler keeps its own timesteps; use euler or renoise with a list of \(timesteps?.name ?? "")")
            }
            kind = kind ?? .euler
        }
        if let cache, !Self.cacheRange.contains(cache) {
            throw GenerationError.invalidRequest("cache threshold \(cache) must be between \(Self.cacheRange.lowerBound) and \(Self.cacheRange.upperBound)")
        }
        let plan = try WindowPlan(mode: mode, conditioning: conditioning, frames: frames, width: width, height: height,
                                  steps: steps, geometry: geometry, family: defaults.family)
        return ValidatedRequest(prompt: prompt, negativePrompt: negativePrompt ?? defaults.negativePrompt, width: width, height: height,
                                frames: frames, fps: fps, steps: steps, guidance: guidance, shift: shift, sampler: kind,
                                seed: seed ?? UInt64.random(in: 0...UInt64(UInt32.max)), model: model,
                                geometry: geometry, conditioning: conditioning, plan: plan, timesteps: timesteps,
                                cache: cache, family: defaults.family)
    }

    /// The step count: the list's length with ``timesteps`` (``steps`` must then equal it or be left
    /// out), else ``steps`` or the default, between 1 and 1000.
    private func resolvedSteps(defaults: GenerationDefaults) throws -> Int {
        if let timesteps {
            do { try timesteps.validate() } catch let error as SamplingError {
                throw GenerationError.invalidRequest(error.description)
            }
            if let steps, steps != timesteps.count {
                throw GenerationError.invalidRequest(
                    "steps \(steps) differs from the \(timesteps.count) \(timesteps.name) given; give one or make them agree")
            }
            return timesteps.count
        }
        let steps = steps ?? defaults.steps
        guard steps >= 1, steps <= 1000 else { throw GenerationError.invalidRequest("steps \(steps) must be between 1 and 1000") }
        return steps
    }

    /// The step-cache thresholds a request may ask for: 0 (off) to 10 (every step between the first
    /// and the last skipped, for any run of a few hundred steps).
    public static let cacheRange: ClosedRange<Double> = 0...10

    /// The largest width or height a request may ask for.
    public static let maximumSide = 4096

    /// The classifier-free guidance scales a request may ask for. diffusers' Wan examples use 5 and
    /// users go up to about 20; far above, the guided velocity `u + g·(c − u)` grows with g until the
    /// latents overflow (1e308 gives an all-black video), so 100 is the ceiling.
    public static let guidanceRange: ClosedRange<Double> = 0...100

    /// The frame count the mode reads from `frames` or `seconds`, checked against its rule.
    private func resolvedFrames(mode: GenerationMode, defaults: GenerationDefaults, fps: Int) throws -> Int {
        let tc = defaults.geometry.temporalCompression
        let whole = mode.countsNewFrames || mode == .loop  // multiples of tc rather than 1 + tc·k
        var frames: Int
        if let seconds {
            guard seconds > 0, seconds.isFinite else { throw GenerationError.invalidRequest("seconds \(seconds) must be positive") }
            guard seconds * Double(fps) <= Double(Self.maximumFrames) else {
                throw GenerationError.invalidRequest("\(seconds) s at \(fps) fps is more than the \(Self.maximumFrames) frames a request may ask for")
            }
            frames = Int((seconds * Double(fps)).rounded()) + (whole ? 0 : 1)
        } else if let given = self.frames {
            frames = given
        } else if mode.countsNewFrames {
            throw GenerationError.invalidRequest("\(mode.rawValue) needs the length of the new part: give seconds or frames")
        } else if let video = conditioning.video {
            // A remix, edit or outpaint keeps the source's length, less trailing frames that do not
            // fill a latent frame (diffusers drops them too).
            frames = (video.count - 1) / tc * tc + 1
        } else if mode == .loop {
            frames = defaults.frames - (defaults.frames - 1) % tc - 1
        } else {
            frames = defaults.frames
        }
        guard frames >= 1, frames <= Self.maximumFrames else {
            throw GenerationError.invalidRequest("frames \(frames) must be between 1 and \(Self.maximumFrames)")
        }
        let source = seconds.map { "\($0) s at \(fps) fps gives \(frames) frames; " } ?? ""
        if whole {
            let least = mode == .loop ? 3 * tc : tc
            guard frames % tc == 0, frames >= least else {
                let below = max(least, frames / tc * tc), above = below + tc
                let what = mode == .loop ? "a loop's frames" : "the new frames"
                throw GenerationError.invalidRequest(
                    "\(source)\(what) must be a multiple of \(tc) (the VAE's time compression), at least \(least): \(below) or \(above), not \(frames)")
            }
        } else {
            guard (frames - 1) % tc == 0 else {
                let below = max(1, (frames - 1) / tc * tc + 1), above = below + tc
                throw GenerationError.invalidRequest(
                    "\(source)frames must be of the form \(tc)k+1 (the VAE's time compression): \(below) or \(above), not \(frames)")
            }
        }
        return frames
    }

    /// The most pixel frames one request may ask for.
    public static let maximumFrames = 100_000
}

/// A checked request with every default filled in.
public struct ValidatedRequest: Sendable, Equatable {
    public var prompt: String
    public var negativePrompt: String
    public var width: Int
    public var height: Int
    /// The frames asked for (see ``GenerationRequest/frames``: new frames when extending, the loop's length for a loop).
    public var frames: Int
    public var fps: Int
    public var steps: Int
    public var guidance: Double
    public var shift: Double?
    public var sampler: SamplerKind?
    public var seed: UInt64
    /// The model id, nil for the store's default.
    public var model: String?
    /// The latent geometry of the model the request was validated for.
    public var geometry: LatentGeometry
    /// The validated conditioning inputs.
    public var conditioning: Conditioning
    /// The latent window the request denoises and how its frames make the output.
    public var plan: WindowPlan
    /// The explicit step list, when one was given (its length is ``steps``).
    public var timesteps: StepList?
    /// The step-cache threshold; nil runs every transformer call.
    public var cache: Double?
    /// The family of the model the request was validated for, which decides how its mode runs.
    public var family: ModelFamily = .textToVideo

    /// What the request makes.
    public var mode: GenerationMode { plan.mode }
    /// The shape of the latent window `[1, C, R + T, h, w]` (R: a VACE model's reference images, one
    /// latent frame each, before the video's T), which `--noise` must have.
    public var latentShape: [Int] {
        [1, geometry.channels, plan.referenceLatents + plan.latentFrames, height / geometry.spatialCompression,
         width / geometry.spatialCompression]
    }
    /// Whether the unconditional pass runs (guidance above 1, as diffusers decides); at 1 or below the
    /// negative prompt is not encoded and each step is one transformer call.
    public var usesGuidance: Bool { guidance > 1 }
    /// Fresh noise tensors the run draws after the initial noise: one per step but the last for the
    /// renoise sampler, none otherwise.
    public var freshNoiseDraws: Int {
        sampler == .renoise ? RenoiseSampler.freshNoiseCount(steps: steps, startingAt: plan.startStep) : 0
    }
    /// All the Gaussian noise the run draws, which `--noise` must hold: `[1 + D, C, T, h, w]` with D
    /// = ``freshNoiseDraws``, the initial noise first, then the fresh noise of each step in order
    /// (``latentShape`` for every sampler but renoise). A seed draws exactly this tensor.
    public var noiseShape: [Int] { [1 + freshNoiseDraws] + latentShape.dropFirst() }
    /// The frames of the finished video (inputs that are kept included).
    public var outputFrames: Int { plan.outputFrames }

    /// Throws ``GenerationError/invalidNoise(_:)`` unless `noise` has ``noiseShape`` and (when it is
    /// in host memory, as noise read from a file is) only finite values; `source` names where the
    /// noise came from in the message.
    public func check(noise: Tensor, from source: String = "the noise") throws {
        guard noise.shape == noiseShape else {
            let fresh = freshNoiseDraws > 0 ? " (the initial noise and \(freshNoiseDraws) fresh draws of the renoise sampler)" : ""
            throw GenerationError.invalidNoise(
                "\(source) has shape \(noise.shape); this \(width)x\(height) \(mode.rawValue) run draws \(noiseShape)\(fresh)")
        }
        if noise.isOnHost, let index = noise.floats().firstIndex(where: { !$0.isFinite }) {
            throw GenerationError.invalidNoise(
                "\(source) holds \(noise.floats()[index]) at element \(index); noise must be finite numbers")
        }
    }
}

/// Why a generation could not start or stopped, in one sentence.
public enum GenerationError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidRequest(String)
    case invalidNoise(String)
    /// The denoising loop made latents holding NaN or infinity (which step, and what was found);
    /// nothing is decoded from them.
    case nonFinite(String)
    /// The run's estimated peak memory (``RunEstimate``) is more than the process may use.
    case insufficientMemory(String)
    case cancelled

    public var description: String {
        switch self {
        case .invalidRequest(let reason): return "invalid request: \(reason)"
        case .invalidNoise(let reason): return "invalid noise: \(reason)"
        case .nonFinite(let reason): return "generation stopped: \(reason)"
        case .insufficientMemory(let reason): return "not enough memory: \(reason)"
        case .cancelled: return "generation cancelled"
        }
    }
}
