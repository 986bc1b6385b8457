import Media

/// Where an infinite zoom's generation is: making keyframes (stage A), then animating the
/// reference zoom window by window (stage C); `generation` is the current model run's progress.
public struct ZoomProgress: Sendable, Equatable {
    public enum Phase: String, Sendable, Equatable { case keyframe, window }
    public var phase: Phase
    public var index: Int
    public var count: Int
    public var generation: GenerationProgress?
}

/// An infinite zoom through a storyboard's cards in one run, as an orchestration of canvases over
/// the one ``Generator`` (docs/storyboard.md, "Infinite zoom"):
///
/// - A. Keyframes, one per zoom step and one more, each inside the previous one: the innermost is
///   generated from its prompt (or is its card's image), and each outer one is an outpaint of the
///   next inner one shrunk by the step's factor into its centre.
/// - B. The reference: the exact camera path through the keyframes (``ZoomReference``), drift-free
///   by construction, with scene changes where the cards change (on the song's beats).
/// - C. Animation: the reference remixed in windows (`strength`), each window keeping the last frames
///   of the video so far at its head (an edit whose kept part is those frames), its prompt the card
///   at its middle, its colours pulled toward the reference's. Strength 0 writes the reference.
public struct ZoomGenerator: Sendable {
    public let generator: Generator
    public let base: ValidatedRequest
    public let prompts: [String]
    /// Each card's keyframe image, fitted to the video's size, or nil to generate it.
    public let images: [VideoFrames?]
    public let timeline: StoryboardTimeline
    public let schedule: ZoomSchedule
    public let path: ZoomPath
    /// How far each window may move from the reference (0 writes the reference as it is).
    public let strength: Double
    public let plan: StoryPlan
    public let context: Int
    public var anchorStrength = ColourAnchor.defaultStrength

    public init(generator: Generator, base: ValidatedRequest, prompts: [String], images: [VideoFrames?],
                timeline: StoryboardTimeline, zoom: ZoomSettings, cards: [StoryboardCard], strength: Double,
                window: Int? = nil, context: Int? = nil) throws {
        precondition(prompts.count == images.count && images.count == cards.count)
        guard strength >= 0, strength <= 1 else { throw StoryboardError("the zoom's strength must be between 0 and 1, not \(strength)") }
        for (index, image) in images.enumerated() {
            if let image, image.width != base.width || image.height != base.height || image.count != 1 {
                throw StoryboardError("card \(index + 1): the image must be one \(base.width)x\(base.height) frame")
            }
        }
        schedule = try ZoomSchedule(times: timeline.times, cards: cards, zoom: zoom)
        do {
            path = try ZoomPath(steps: schedule.zoomSteps, direction: zoom.direction, fps: base.fps,
                                frameCount: timeline.frames[timeline.frames.count - 1])
        } catch { throw StoryboardError("\(error)") }
        // The windows are a one-card storyboard's over the whole length.
        let (window, context) = try StoryboardGenerator.windowing(generator: generator, base: base, window: window, context: context)
        let whole = try StoryboardTimeline(seconds: [timeline.times[timeline.times.count - 1]], fps: base.fps,
                                           temporalCompression: base.geometry.temporalCompression)
        self.generator = generator; self.base = base; self.prompts = prompts; self.images = images
        self.timeline = timeline; self.strength = strength; self.context = context
        plan = StoryPlan(timeline: whole, media: [.none], window: window, context: context,
                         temporalCompression: base.geometry.temporalCompression)
        // Every model request is checked now, with grey stand-ins for the frames it will be given.
        let grey = try VideoFrames.grey(width: base.width, height: base.height, count: window + context)
        let last = schedule.steps.count
        for n in 0...last {
            let outpainted = zoom.direction == .in ? n < last : n > 0  // all but the innermost
            _ = try keyframeRequest(n, inner: outpainted ? try grey.slice(0..<1) : nil)
        }
        if strength > 0 {
            for (index, step) in plan.steps.enumerated() {
                _ = try windowRequest(index, step: step, start: 0, context: index == 0 ? nil : try grey.slice(0..<context),
                                      reference: try grey.slice(0..<step.frames))
            }
        }
    }

    /// Keyframes `K_0 … K_N` in playback order (stage A).
    public func keyframes(onProgress: (ZoomProgress) -> Void = { _ in }, isCancelled: () -> Bool = { false }) throws -> [VideoFrames] {
        let count = schedule.steps.count + 1
        // Inner keyframes first: zooming in, K_N is innermost; zooming out, K_0.
        let order = path.direction == .in ? Array((0..<count).reversed()) : Array(0..<count)
        var made = [VideoFrames?](repeating: nil, count: count)
        for (done, n) in order.enumerated() {
            if isCancelled() { throw GenerationError.cancelled }
            var progress = ZoomProgress(phase: .keyframe, index: done, count: count, generation: nil)
            onProgress(progress)
            let card = schedule.card(ofKeyframe: n)
            if schedule.isFirstOfCard(keyframe: n), let image = images[card] {
                made[n] = image
                continue
            }
            // The keyframe this one holds in its centre, and the factor between them.
            let innerIndex = path.direction == .in ? n + 1 : n - 1
            let inner = made.indices.contains(innerIndex) ? made[innerIndex] : nil
            let request = try keyframeRequest(n, inner: inner)
            var frames: [RGBFrame] = []
            _ = try generator.run(request, onProgress: { progress.generation = $0; onProgress(progress) },
                                  onFrames: { frames += try RGBFrame.frames(decodedVideo: $0) }, isCancelled: isCancelled)
            made[n] = try VideoFrames(frames: [frames[frames.count - 1]])
        }
        return made.map { $0! }
    }

    /// The reference zoom through `keyframes` (stage B).
    public func reference(_ keyframes: [VideoFrames]) throws -> ZoomReference {
        do {
            return try ZoomReference(keyframes: keyframes, path: path, feather: max(4, Double(base.width) / 100))
        } catch { throw StoryboardError("\(error)") }
    }

    /// Makes the keyframes, then the video, streaming it to `onFrames` window by window.
    @discardableResult
    public func run(onProgress: (ZoomProgress) -> Void = { _ in }, onKeyframes: ([VideoFrames]) throws -> Void = { _ in },
                    onFrames: (VideoFrames) throws -> Void, isCancelled: () -> Bool = { false }) throws -> StoryReport {
        let keyframes = try self.keyframes(onProgress: onProgress, isCancelled: isCancelled)
        try onKeyframes(keyframes)
        let reference = try self.reference(keyframes)
        var report = StoryReport(seeds: [], statistics: [])
        var chain = WindowChain(context: context, temporalCompression: base.geometry.temporalCompression)
        var start = 0
        for (index, step) in plan.steps.enumerated() {
            if isCancelled() { throw GenerationError.cancelled }
            var progress = ZoomProgress(phase: .window, index: index, count: plan.steps.count, generation: nil)
            onProgress(progress)
            let target: VideoFrames
            do { target = try reference.frames(start..<(start + step.frames)) } catch { throw StoryboardError("\(error)") }
            var made = target
            var seed: UInt64?
            if strength > 0 {
                let kept = try chain.kept()
                let request = try windowRequest(index, step: step, start: start, context: kept, reference: target)
                seed = request.seed
                var collected: [RGBFrame] = []
                _ = try generator.run(request, onProgress: { progress.generation = $0; onProgress(progress) },
                                      onFrames: { collected += try RGBFrame.frames(decodedVideo: $0) }, isCancelled: isCancelled)
                made = try VideoFrames(frames: collected)
                let head = kept?.count ?? 0
                if anchorStrength > 0 {
                    // Toward the reference's colours.
                    made = try ColourAnchor(target: ColourStatistics(target), strength: anchorStrength).corrected(made, ramp: 0)
                }
                try chain.join(made, head: head, to: onFrames)
                made = try made.slice(head..<made.count)
            } else {
                try chain.write(made, to: onFrames)
            }
            report.seeds.append(seed)
            report.statistics.append(ColourStatistics(made))
            start += step.frames
        }
        try chain.flush(to: onFrames)
        return report
    }

    /// Keyframe `n`: text to video for the innermost, else an outpaint around `inner` shrunk by the
    /// factor between them and held still. The keyframe is the last frame of a short clip of
    /// ``keyframeClipFrames``: a model's first frame is its least settled (a latent of its own). Its
    /// seed follows the windows' (the base seed plus 100000 plus n).
    func keyframeRequest(_ n: Int, inner: VideoFrames?) throws -> ValidatedRequest {
        let frames = base.geometry.pixelFrames(forLatentFrames: Self.keyframeClipLatents)
        var conditioning = Conditioning()
        if let inner {
            let factor = schedule.steps[path.direction == .in ? n : n - 1].factor
            let width = max(1, Int((Double(base.width) / factor).rounded())), height = max(1, Int((Double(base.height) / factor).rounded()))
            let shrunk = try inner.resized(width: width, height: height)
            conditioning.video = try VideoFrames.concatenated(Array(repeating: shrunk, count: frames))
        }
        return try validated(prompt: prompts[schedule.card(ofKeyframe: n)], frames: frames, seed: base.seed &+ 100_000 &+ UInt64(n),
                             conditioning: conditioning, what: "keyframe \(n + 1)")
    }

    /// Latent frames of the clip a keyframe is the last frame of (5 pixel frames with Wan's geometry).
    static let keyframeClipLatents = 2

    /// Window `index`: a remix of the reference's frames, after the frames it keeps (an edit that keeps them).
    func windowRequest(_ index: Int, step: StoryStep, start: Int, context: VideoFrames?, reference: VideoFrames) throws -> ValidatedRequest {
        var conditioning = Conditioning(video: reference, strength: strength)
        var frames = step.frames
        if let context {
            conditioning = try .keepingHead(context, then: reference, strength: strength)
            frames += context.count
        }
        let middle = (Double(start) + Double(step.frames) / 2) / Double(base.fps)
        return try validated(prompt: prompts[timeline.card(at: middle)], frames: frames, seed: base.seed &+ UInt64(index),
                             conditioning: conditioning, what: "window \(index + 1)")
    }

    private func validated(prompt: String, frames: Int, seed: UInt64, conditioning: Conditioning, what: String) throws -> ValidatedRequest {
        let request = GenerationRequest(
            prompt: prompt, negativePrompt: base.negativePrompt, width: base.width, height: base.height, frames: frames,
            fps: base.fps, steps: base.steps, guidance: base.guidance, shift: base.shift, sampler: base.sampler?.rawValue,
            seed: seed, model: base.model, conditioning: conditioning, timesteps: base.timesteps, cache: base.cache)
        do {
            return try generator.validate(request)
        } catch let error as GenerationError {
            throw StoryboardError("\(what): \(error)")
        }
    }
}
