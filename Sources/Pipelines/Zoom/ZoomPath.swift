#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Media

/// Which way an infinite zoom's camera moves through its keyframes.
public enum ZoomDirection: String, Sendable, Equatable, CaseIterable {
    /// Into the picture: keyframe `n + 1` sits in the centre of keyframe `n` and grows until it fills
    /// the frame.
    case `in`
    /// Away from the picture: keyframe `n` sits in the centre of keyframe `n + 1`, and the camera
    /// pulls back from it until keyframe `n + 1` fills the frame.
    case out
}

/// One step of a zoom: the camera passes from one keyframe to the next.
public struct ZoomStep: Sendable, Equatable {
    /// Seconds the step lasts, above 0.
    public var duration: Double
    /// How much larger the outer keyframe of the step is than the inner one it holds in its centre
    /// (`S`, above 1): the camera's scale changes by this factor over the step.
    public var factor: Double

    /// A step of `duration` seconds through a scale `factor`.
    public init(duration: Double, factor: Double) {
        self.duration = duration
        self.factor = factor
    }
}

/// The camera of an infinite zoom in time: steps of constant exponential zoom, frame by frame.
///
/// Keyframes `K_0 … K_N` are in playback order (`K_0` shows first, at time 0; `K_n` at the start of
/// step `n`, `K_N` at the end). They form a chain of nested stills, outermost first, that
/// ``ZoomChain`` renders at a depth: zooming in, the chain is `K_0 … K_N` and the depth runs from 0
/// up to `N`; zooming out, `K_n` sits inside `K_{n+1}`, the chain is `K_N … K_0` and the depth runs
/// from `N` down to 0. Within step `n` the depth moves linearly in time, so the scale changes by
/// exactly `S_n^(1/(P_n·fps))` from one frame to the next (content grows zooming in, shrinks out).
public struct ZoomPath: Sendable, Equatable {
    /// The steps in playback order.
    public let steps: [ZoomStep]
    /// Which way the camera moves.
    public let direction: ZoomDirection
    /// Frames per second.
    public let fps: Int
    /// Frames in the video. Frame `f` shows time `f / fps`; frames at or after the end hold the last
    /// keyframe.
    public let frameCount: Int
    /// When each keyframe shows, in seconds: `startTimes[n]` is the start of step `n`, and the last
    /// entry is the end of the path (`steps.count + 1` entries, the first 0).
    public let startTimes: [Double]

    /// A path through `steps` at `fps` frames per second.
    ///
    /// `frameCount` defaults to the frames whose time is at most the total duration (`⌊T·fps⌋ + 1`:
    /// a path of whole frames ends on a frame that shows the last keyframe alone); a larger count
    /// holds that frame, a smaller one cuts the path short. Throws ``ZoomError/invalidPath(_:)`` for
    /// no steps, a factor at most 1, a duration at most 0, an fps outside 1…240 or a count below 1.
    public init(steps: [ZoomStep], direction: ZoomDirection, fps: Int, frameCount: Int? = nil) throws(ZoomError) {
        guard !steps.isEmpty else { throw .invalidPath("a zoom needs at least one step") }
        for (n, step) in steps.enumerated() {
            guard step.factor.isFinite, step.factor > 1 else {
                throw .invalidPath("step \(n)'s factor \(step.factor) must be above 1")
            }
            guard step.duration.isFinite, step.duration > 0 else {
                throw .invalidPath("step \(n)'s duration \(step.duration) s must be above 0")
            }
        }
        guard (1...240).contains(fps) else { throw .invalidPath("fps \(fps) must be between 1 and 240") }
        var startTimes = [0.0]
        for step in steps { startTimes.append(startTimes[startTimes.count - 1] + step.duration) }
        let total = startTimes[steps.count]
        let count = frameCount ?? Int((total * Double(fps) + 1e-9).rounded(.down)) + 1
        guard count >= 1, count <= 1_000_000 else {
            throw .invalidPath("a frame count of \(count) must be between 1 and 1000000")
        }
        self.steps = steps
        self.direction = direction
        self.fps = fps
        self.frameCount = count
        self.startTimes = startTimes
    }

    /// The scale factors of the chain's links, outermost first: `chainFactors[j]` is how much larger
    /// chain level `j` is than level `j + 1` in its centre. Zooming in these are the steps' factors;
    /// zooming out, the same reversed.
    public var chainFactors: [Double] {
        direction == .in ? steps.map(\.factor) : steps.reversed().map(\.factor)
    }

    /// The playback index of the keyframe at chain level `level` (`level` itself zooming in,
    /// `N − level` zooming out).
    public func keyframe(atLevel level: Int) -> Int {
        direction == .in ? level : steps.count - level
    }

    /// The camera at frame `f` (any frame; times past the end hold the last keyframe, before 0 the first).
    public func view(atFrame f: Int) -> ZoomView {
        let t = Double(f) / Double(fps)
        // How many steps have passed, with the fraction of the current one.
        var progress = Double(steps.count)
        if t <= 0 {
            progress = 0
        } else if t < startTimes[steps.count] {
            let n = startTimes.lastIndex { $0 <= t } ?? 0
            progress = Double(n) + min((t - startTimes[n]) / steps[n].duration, 1)
        }
        let depth = direction == .in ? progress : Double(steps.count) - progress
        return ZoomView(depth: depth, factors: chainFactors)
    }
}

/// Where the camera is in a chain of nested keyframes: at depth `d`, it shows the centred window of
/// chain level `level = ⌊d⌋` whose size is `1 / factor^fraction` of that level's, `fraction = d − level`.
public struct ZoomView: Sendable, Equatable {
    /// The depth in the chain: 0 shows the outermost level whole, `M` the innermost.
    public let depth: Double
    /// The chain level whose window fills the frame (`M` only at depth `M`).
    public let level: Int
    /// How far the camera is from `level` toward the next, in [0, 1).
    public let fraction: Double
    /// The visible window's size as a fraction of level `level`'s, in (1/factor, 1].
    public let windowScale: Double
    /// The natural log of how much the view is magnified against the outermost level whole.
    public let logMagnification: Double

    /// The view at `depth` (clamped to `0…factors.count`) of a chain whose links have `factors`.
    public init(depth: Double, factors: [Double]) {
        let depth = min(max(depth, 0), Double(factors.count))
        let level = min(Int(depth.rounded(.down)), factors.count)
        let fraction = level == factors.count ? 0 : depth - Double(level)
        self.depth = depth
        self.level = level
        self.fraction = fraction
        self.windowScale = level == factors.count ? 1 : exp(-fraction * log(factors[level]))
        let within = level == factors.count ? 0 : fraction * log(factors[level])
        self.logMagnification = factors[..<level].reduce(0) { $0 + log($1) } + within
    }

    /// How much the view is magnified against the outermost level whole.
    public var magnification: Double { exp(logMagnification) }

    /// The window of level `level` the frame shows, in that level's pixels, for keyframes of
    /// `width` x `height`.
    public func visibleRect(width: Int, height: Int) -> PixelRect {
        PixelRect(centredIn: width, height, width: Double(width) * windowScale, height: Double(height) * windowScale)
    }
}
