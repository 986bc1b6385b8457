import Media

/// What a card starts with, resolved into frames of the video's size by whoever read the board.
public enum CardInput: Sendable, Equatable {
    case none
    case image(VideoFrames)
    case video(VideoFrames)
}

/// Where a storyboard's generation is: the step (window) and, while it runs the model, the
/// generation's own progress.
public struct StoryProgress: Sendable, Equatable {
    public var step: Int
    public var steps: Int
    public var kind: StoryStep.Kind
    public var card: Int
    public var framesWritten: Int
    public var totalFrames: Int
    /// The current window's generation, nil for a step that plays a card's media.
    public var generation: GenerationProgress?
}

/// What a finished storyboard made: each step's seed (nil for media played as it is) and the colour
/// statistics of the frames it wrote, for the drift figures.
public struct StoryReport: Sendable, Equatable {
    public var seeds: [UInt64?]
    public var statistics: [ColourStatistics]
}

/// Makes a storyboard's video (or a long clip, a one-card storyboard) as a ``StoryPlan`` of windows
/// over the one ``Generator``: frames stream out step by step and only the last few stay in memory,
/// so memory does not grow with the length. Each window keeps the last frames of the video at its
/// head (an extension), each card with media is reached by a transition (a connection), and
/// windows after a card's first are re-anchored to its colours (``ColourAnchor``).
public struct StoryboardGenerator: Sendable {
    public let generator: Generator
    /// The settings every window shares; each step sets its own prompt, length, seed and inputs.
    public let base: ValidatedRequest
    public let prompts: [String]
    public let media: [CardInput]
    public let timeline: StoryboardTimeline
    public let plan: StoryPlan
    /// Frames of the video so far each window keeps at its head.
    public let context: Int
    /// How far windows are pulled toward their card's first colours (0 turns re-anchoring off).
    public var anchorStrength = ColourAnchor.defaultStrength

    /// Plans the windows and validates every one of them before anything runs.
    /// - Parameters:
    ///   - base: the shared settings, validated (its prompt, frames and conditioning are replaced per step).
    ///   - window: the longest window in pixel frames (1 + tc·k); nil takes the model's
    ///     (``GenerationDefaults/window``, else its default length).
    ///   - context: frames kept at each window's head (1 + tc·k, less than the window); nil takes the
    ///     model's (``GenerationDefaults/context``), else up to ``Conditioning/defaultContextLatents``
    ///     latent frames, at most half the window.
    public init(generator: Generator, base: ValidatedRequest, prompts: [String], media: [CardInput],
                timeline: StoryboardTimeline, window: Int? = nil, context: Int? = nil) throws {
        precondition(prompts.count == media.count && media.count == timeline.frames.count - 1)
        let tc = base.geometry.temporalCompression
        let (window, context) = try Self.windowing(generator: generator, base: base, window: window, context: context)
        for (card, input) in media.enumerated() {
            let frames: VideoFrames
            switch input {
            case .none: continue
            case .image(let image): frames = image
            case .video(let video):
                frames = video
                guard video.count >= tc else {
                    throw StoryboardError("card \(card + 1): the video has \(video.count) frames; it needs at least \(tc)")
                }
            }
            guard frames.width == base.width, frames.height == base.height else {
                throw StoryboardError("card \(card + 1): the \(input.name) is \(frames.width)x\(frames.height), not the video's \(base.width)x\(base.height)")
            }
        }
        self.generator = generator; self.base = base; self.prompts = prompts; self.media = media
        self.timeline = timeline; self.context = context
        self.plan = StoryPlan(timeline: timeline, media: media.map(\.planned), window: window, context: context, temporalCompression: tc)
        // Every window's request is checked now, with grey stand-ins for the frames it will continue from.
        let grey = try VideoFrames.grey(width: base.width, height: base.height, count: max(context, 2 * tc))
        for (index, step) in plan.steps.enumerated() where step.generates {
            _ = try request(for: step, index: index, context: try grey.slice(0..<context), next: grey)
        }
    }

    /// The window and context lengths: those asked for, else the model's (``GenerationDefaults/window``
    /// and ``GenerationDefaults/context``), else its default length and up to
    /// ``Conditioning/defaultContextLatents`` latent frames, at most half the window; checked.
    static func windowing(generator: Generator, base: ValidatedRequest, window: Int?, context: Int?) throws -> (window: Int, context: Int) {
        let geometry = base.geometry, tc = geometry.temporalCompression
        let defaults = try generator.store.defaults(for: base.model)
        let window = window ?? defaults.window ?? defaults.frames
        guard geometry.isValid(frames: window), window > 1, window <= GenerationRequest.maximumFrames else {
            throw GenerationError.invalidRequest("a window of \(window) frames must be of the form \(tc)k+1, more than 1 and at most \(GenerationRequest.maximumFrames)")
        }
        let windowLatents = geometry.latentFrames(forPixelFrames: window)
        let context = context ?? defaults.context ?? geometry.pixelFrames(forLatentFrames: max(1, min(Conditioning.defaultContextLatents, windowLatents / 2)))
        guard geometry.isValid(frames: context), context < window else {
            throw GenerationError.invalidRequest("context frames \(context) must be of the form \(tc)k+1 and fewer than the window's \(window)")
        }
        return (window, context)
    }

    /// Runs every step in order. `onFrames` receives the video in order, a step's frames at a time;
    /// `isCancelled` is asked between steps and inside each generation.
    @discardableResult
    public func run(onProgress: (StoryProgress) -> Void = { _ in }, onFrames: (VideoFrames) throws -> Void,
                    isCancelled: () -> Bool = { false }) throws -> StoryReport {
        var chain = WindowChain(context: context, temporalCompression: base.geometry.temporalCompression)
        var anchors: [Int: ColourAnchor] = [:]
        var report = StoryReport(seeds: [], statistics: [])
        for (index, step) in plan.steps.enumerated() {
            if isCancelled() { throw GenerationError.cancelled }
            var progress = StoryProgress(step: index, steps: plan.steps.count, kind: step.kind, card: step.card,
                                         framesWritten: chain.written, totalFrames: plan.frames, generation: nil)
            onProgress(progress)
            var seed: UInt64?
            var made: VideoFrames  // what the step made, for its colour statistics
            switch step.kind {
            case .still, .clip:
                made = try played(step)
                try chain.write(made, to: onFrames)
            case .opening, .extend, .connect:
                // Only an extension continues the held-back frames; a transition comes after them.
                if step.kind == .connect { try chain.flush(to: onFrames) }
                let kept = step.kind == .opening ? nil : try chain.kept()
                let next = step.kind == .connect ? try leadIn(for: step.card) : nil
                let request = try self.request(for: step, index: index, context: kept, next: next)
                seed = request.seed
                // An extension decodes its kept head too (it is an edit keeping those frames); a
                // connection's output drops it.
                let head = step.kind == .extend ? kept?.count ?? 0 : 0
                let skip = step.kind == .connect ? kept?.count ?? 0 : 0
                made = try generate(request, skipping: skip, frames: head + step.frames, isCancelled: isCancelled) {
                    progress.generation = $0
                    onProgress(progress)
                }
                if step.kind == .extend, let anchor = anchors[step.card] {
                    made = try anchor.corrected(made, ramp: 0)
                }
                if step.kind == .connect {
                    try chain.write(made, to: onFrames)
                } else {
                    try chain.join(made, head: head, to: onFrames)
                }
            }
            if step.kind != .connect, anchors[step.card] == nil, anchorStrength > 0 {
                anchors[step.card] = ColourAnchor(target: ColourStatistics(made), strength: anchorStrength)
            }
            report.seeds.append(seed)
            report.statistics.append(ColourStatistics(made))
        }
        try chain.flush(to: onFrames)
        return report
    }

    /// The request of a generating step: the card's prompt, the step's length and seed, the frames
    /// it continues from (`context`) and, for a transition, the frames it leads into (`next`).
    func request(for step: StoryStep, index: Int, context: VideoFrames?, next: VideoFrames?) throws -> ValidatedRequest {
        var conditioning = Conditioning()
        var frames = step.frames
        switch step.kind {
        case .opening:
            if case .image(let image) = media[step.card] { conditioning.image = image }
        case .extend:
            guard let context else { break }
            conditioning = try .keepingHead(context, then: try .grey(width: base.width, height: base.height, count: step.frames))
            frames += context.count
        case .connect:
            conditioning.previous = context
            conditioning.next = next
            conditioning.contextFrames = context?.count
        case .still, .clip:
            preconditionFailure("\(step.kind) does not generate")
        }
        let request = GenerationRequest(
            prompt: prompts[step.card], negativePrompt: base.negativePrompt, width: base.width, height: base.height,
            frames: frames, fps: base.fps, steps: base.steps, guidance: base.guidance, shift: base.shift,
            sampler: base.sampler?.rawValue, seed: base.seed &+ UInt64(index), model: base.model, conditioning: conditioning,
            timesteps: base.timesteps, cache: base.cache)
        do {
            return try generator.validate(request)
        } catch let error as GenerationError {
            throw StoryboardError("card \(step.card + 1), window \(index + 1) (\(step.kind.rawValue), \(step.frames) frames): \(error)")
        }
    }

    /// The frames a transition into `card` ends on: its image held for a latent frame, or its video's head.
    private func leadIn(for card: Int) throws -> VideoFrames {
        let tc = base.geometry.temporalCompression
        switch media[card] {
        case .image(let image): return try VideoFrames.concatenated(Array(repeating: image.slice(0..<1), count: tc))
        case .video(let video): return try video.slice(0..<min(video.count, 2 * tc))
        case .none: preconditionFailure("a transition leads into a card with media")
        }
    }

    /// The frames a still or clip step plays.
    private func played(_ step: StoryStep) throws -> VideoFrames {
        switch media[step.card] {
        case .image(let image): return try VideoFrames.concatenated(Array(repeating: image.slice(0..<1), count: step.frames))
        case .video(let video): return try video.slice(0..<step.frames)
        case .none: preconditionFailure("card \(step.card) has no media to play")
        }
    }

    /// Runs one window and returns `frames` of its output frames after the first `skipping`.
    private func generate(_ request: ValidatedRequest, skipping: Int, frames: Int, isCancelled: () -> Bool,
                          onProgress: (GenerationProgress) -> Void) throws -> VideoFrames {
        var collected: [RGBFrame] = []
        var seen = 0
        _ = try generator.run(request, onProgress: onProgress, onFrames: { chunk in
            for frame in try RGBFrame.frames(decodedVideo: chunk) {
                if seen >= skipping, seen < skipping + frames { collected.append(frame) }
                seen += 1
            }
        }, isCancelled: isCancelled)
        guard collected.count == frames else {
            throw GenerationError.invalidRequest("a window made \(collected.count) frames instead of \(frames)")
        }
        return try VideoFrames(frames: collected)
    }
}

extension CardInput {
    var planned: StoryPlan.CardMedia {
        switch self {
        case .none: return .none
        case .image: return .image
        case .video(let video): return .video(frames: video.count)
        }
    }

    var name: String {
        switch self {
        case .none: return "input"
        case .image: return "image"
        case .video: return "video"
        }
    }
}
