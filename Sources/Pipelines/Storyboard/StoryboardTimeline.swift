/// When each card of a board starts, in seconds and in frames, once the video's length (the cards'
/// total, the board's `seconds`, or a song's length) and the song's beats are known.
///
/// Scene changes land on beats: each card's start moves to the nearest beat that keeps the cards in
/// order. In frames, a card starts on a latent boundary (frame 1 + tc·k, where the VAE's time
/// compression tc is 4 for Wan), so that every window of a storyboard is whole latent frames; the
/// zoom uses the times in seconds, which its reference video honours at any frame.
public struct StoryboardTimeline: Sendable, Equatable {
    /// Each card's start in seconds, then the end of the video (cards + 1 values, the first 0).
    public let times: [Double]
    /// Each card's first frame, then the video's frame count (cards + 1 values, the first 0); every
    /// card but the first starts on frame 1 + tc·k, and the count is 1 + tc·k too.
    public let frames: [Int]
    public let fps: Int

    /// - Parameters:
    ///   - seconds: each card's duration (all above 0).
    ///   - length: the video's length when something other than the cards sets it; the last card
    ///     then lasts until it. It may not be shorter than the cards.
    ///   - lengthSource: what set `length`, for the error ("song", "board's \"seconds\"").
    ///   - beats: beat times in seconds, ascending; card starts snap to the nearest.
    public init(seconds: [Double], fps: Int, temporalCompression tc: Int, length: Double? = nil,
                lengthSource: String = "video", beats: [Double] = []) throws {
        precondition(!seconds.isEmpty && fps > 0 && tc > 0)
        var starts = [0.0]
        for duration in seconds.dropLast() { starts.append(starts[starts.count - 1] + duration) }
        let total = starts[starts.count - 1] + seconds[seconds.count - 1]
        var end = total
        if let length {
            guard total <= length + 1e-9 else {
                throw StoryboardError("the cards last \(Self.format(total)) s, longer than the \(Self.format(length)) s \(lengthSource); shorten the cards or set a longer \"seconds\"")
            }
            end = length
        }
        if !beats.isEmpty {
            for i in 1..<starts.count {
                let lower = starts[i - 1], upper = i + 1 < starts.count ? starts[i + 1] : end
                let candidates = beats.filter { $0 > lower && $0 < upper }
                if let nearest = candidates.min(by: { abs($0 - starts[i]) < abs($1 - starts[i]) }) { starts[i] = nearest }
            }
        }
        // Counted in floating point first: a board's "seconds" (or cards' total) of 1e300 is finite,
        // but its frame count fits no Int.
        let latentFrames = (end * Double(fps) / Double(tc)).rounded()
        guard latentFrames.isFinite, 1 + Double(tc) * latentFrames <= Double(Self.maximumFrames) else {
            throw StoryboardError("the video is \(Self.format(end)) s at \(fps) fps, more than the \(Self.maximumFrames) frames allowed")
        }
        let count = 1 + tc * Int(latentFrames)
        let cards = seconds.count
        guard count >= 1 + tc * cards else {
            throw StoryboardError("the video is \(Self.format(end)) s, \(count) frames at \(fps) fps, too short for \(cards) cards of at least \(tc) frames each")
        }
        var frames = [0]
        for i in 1..<cards {
            let wanted = 1 + tc * Int(((starts[i] * Double(fps) - 1) / Double(tc)).rounded())
            let least = (i == 1 ? 1 : frames[i - 1]) + tc, most = count - tc * (cards - i)
            frames.append(min(max(wanted, least), most))
        }
        frames.append(count)
        self.times = starts + [end]
        self.frames = frames
        self.fps = fps
    }

    /// The most frames a board may make (the longest single request's).
    public static let maximumFrames = 100_000

    /// The card shown at `time` seconds.
    public func card(at time: Double) -> Int {
        var card = 0
        while card + 1 < times.count - 1, times[card + 1] <= time { card += 1 }
        return card
    }

    /// The card frame `frame` belongs to.
    public func card(atFrame frame: Int) -> Int {
        var card = 0
        while card + 1 < frames.count - 1, frames[card + 1] <= frame { card += 1 }
        return card
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        // Whole numbers print without ".0"; those too large for an Int (or infinite) as Double does.
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int(rounded)) : String(rounded)
    }
}
