import Media

/// The latent window a request denoises and how its decoded frames make the output video, worked out
/// when the request is validated so that every size and length error comes before a model loads.
public struct WindowPlan: Sendable, Equatable {
    public var mode: GenerationMode
    /// Latent frames in the window (the noise's time axis).
    public var latentFrames: Int
    /// Frames of the finished video.
    public var outputFrames: Int
    /// Frames of the source video a remix, edit or outpaint uses (its first ones).
    public var sourceFrames: Int
    /// The first step of the schedule that runs: `N − min(⌊N·strength⌋, N)` for a remix (as diffusers'
    /// `get_timesteps`), 0 otherwise.
    public var startStep: Int
    /// Pixel frames re-encoded from the clip being extended and pinned at the window's head (1 + tc·m).
    public var headContext: Int
    /// New frames generated between the kept clips (extend, connect).
    public var newFrames: Int
    /// Pixel frames of the following clip's head pinned at the window's end (connect; a multiple of tc).
    public var tailContext: Int
    /// Latent frames of a VACE model's reference images, before the video's in the window (one each).
    public var referenceLatents: Int = 0

    init(mode: GenerationMode, conditioning c: Conditioning, frames: Int, width: Int, height: Int, steps: Int,
         geometry: LatentGeometry, family: ModelFamily = .textToVideo) throws {
        self.mode = mode
        referenceLatents = family == .vace ? c.references.count : 0
        for (i, reference) in c.references.enumerated() {
            let s = geometry.spatialCompression
            guard reference.count >= 1, reference.width >= s, reference.height >= s else {
                throw GenerationError.invalidRequest(
                    "reference image \(i + 1) is \(reference.width)x\(reference.height); it needs at least \(s) pixels a side")
            }
        }
        let tc = geometry.temporalCompression
        (startStep, headContext, newFrames, tailContext, sourceFrames) = (0, 0, 0, 0, 0)
        func sameSize(_ clip: VideoFrames, _ name: String) throws {
            guard clip.width == width, clip.height == height else {
                throw GenerationError.invalidRequest("the \(name) is \(clip.width)x\(clip.height), not the \(width)x\(height) of the video to make")
            }
            guard clip.count >= 1 else { throw GenerationError.invalidRequest("the \(name) has no frames") }
        }
        switch mode {
        case .text, .image, .keyframes:
            if let image = c.image { try sameSize(image, "image") }
            if let last = c.lastImage { try sameSize(last, "last image") }
            if mode == .image, c.lastImage != nil, frames < 2 {
                throw GenerationError.invalidRequest("a first and a last frame make at least \(1 + tc) frames, not \(frames)")
            }
            for keyframe in c.keyframes {
                try sameSize(keyframe.image, "keyframe at frame \(keyframe.frame)")
                guard keyframe.frame >= 0, keyframe.frame < frames else {
                    throw GenerationError.invalidRequest("a keyframe at frame \(keyframe.frame) is outside the video's frames 0 to \(frames - 1)")
                }
            }
            if Set(c.keyframes.map(\.frame)).count < c.keyframes.count {
                throw GenerationError.invalidRequest("two keyframes at the same frame")
            }
            latentFrames = geometry.latentFrames(forPixelFrames: frames)
            outputFrames = frames
        case .loop:
            latentFrames = frames / tc
            outputFrames = frames
        case .remix, .edit, .outpaint:
            guard let video = c.video else { throw GenerationError.invalidRequest("\(mode.rawValue) needs a video") }
            guard video.count >= frames else {
                throw GenerationError.invalidRequest("the video has \(video.count) frames, fewer than the \(frames) asked for")
            }
            if mode != .outpaint { try sameSize(video, "video") }
            if let mask = c.mask {
                guard mask.width == video.width, mask.height == video.height else {
                    throw GenerationError.invalidRequest(
                        "the mask is \(mask.width)x\(mask.height) but the video is \(video.width)x\(video.height); they must match")
                }
                guard mask.count == 1 || mask.count == video.count || mask.count == frames else {
                    throw GenerationError.invalidRequest(
                        "the mask has \(mask.count) frames; it needs 1 (for every frame) or one per video frame (\(video.count))")
                }
            }
            if let strength = c.strength { startStep = try Self.startStep(strength: strength, steps: steps) }
            sourceFrames = frames
            latentFrames = geometry.latentFrames(forPixelFrames: frames)
            outputFrames = frames
        case .extend, .extendBackward, .connect:
            guard let kept = mode == .extendBackward ? c.next : c.previous else {
                throw GenerationError.invalidRequest("\(mode.rawValue) needs the clip to extend")
            }
            try sameSize(kept, mode == .extendBackward ? "clip to extend" : "first clip")
            let context: Int
            if let asked = c.contextFrames {
                guard geometry.isValid(frames: asked), asked <= kept.count else {
                    throw GenerationError.invalidRequest(
                        "context frames \(asked) must be of the form \(tc)k+1 and at most the clip's \(kept.count) frames")
                }
                context = asked
            } else {
                let most = geometry.pixelFrames(forLatentFrames: Conditioning.defaultContextLatents)
                context = min(most, (kept.count - 1) / tc * tc + 1)
            }
            headContext = context
            newFrames = frames
            var following = 0
            if mode == .connect, let next = c.next {
                try sameSize(next, "second clip")
                // Up to two latent frames of the second clip's head, whole latent frames only.
                tailContext = min(2 * tc, next.count / tc * tc)
                following = next.count
                // A VACE model is trained to connect clips from noise; the training-free transition starts
                // part-way from a cross-fade.
                let strength = c.strength ?? (family == .vace ? nil : Conditioning.defaultConnectStrength)
                startStep = try strength.map { try Self.startStep(strength: $0, steps: steps) } ?? 0
            }
            latentFrames = geometry.latentFrames(forPixelFrames: context) + (frames + tailContext) / tc
            outputFrames = kept.count + frames + following
        }
    }

    /// The first step that runs for `strength`: `N − min(⌊N·strength⌋, N)`, diffusers' `get_timesteps`.
    static func startStep(strength: Double, steps: Int) throws -> Int {
        guard strength.isFinite, strength > 0, strength <= 1 else {
            throw GenerationError.invalidRequest("strength \(strength) must be above 0 and at most 1")
        }
        // Python's int(N * strength).
        let kept = min(Int((Double(steps) * strength).rounded(.towardZero)), steps)
        guard kept >= 1 else {
            throw GenerationError.invalidRequest(
                "strength \(strength) with \(steps) steps runs no step (\(steps) x \(strength) < 1); raise the strength or the steps")
        }
        return steps - kept
    }
}
