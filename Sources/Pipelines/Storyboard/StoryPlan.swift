/// The steps that make a storyboard's video, in order, each a generation over the one core (or a
/// card's own clip played as it is), each writing the next frames of the video. Long videos are
/// windows: every step after the first continues from the last frames written (re-encoded and kept,
/// so motion and look carry across the seam), and a card with an image or a video is reached by a
/// generated transition that ends on it.
public struct StoryPlan: Sendable, Equatable {
    public let steps: [StoryStep]

    /// What a card starts with.
    public enum CardMedia: Sendable, Equatable {
        case none
        case image
        /// A video of this many frames.
        case video(frames: Int)
    }

    /// - Parameters:
    ///   - timeline: where each card starts, in frames.
    ///   - media: what each card starts with.
    ///   - window: the longest window the model makes well, in pixel frames (1 + tc·k): the model's default length.
    ///   - context: frames of the video so far each new window keeps at its head (1 + tc·k, less than `window`).
    public init(timeline: StoryboardTimeline, media: [CardMedia], window: Int, context: Int, temporalCompression tc: Int) {
        precondition(media.count == timeline.frames.count - 1 && context < window)
        let fresh = window - context  // new frames per window, a multiple of tc
        var steps: [StoryStep] = []
        var written = 0
        for card in media.indices {
            let end = timeline.frames[card + 1]
            let nextHasMedia = card + 1 < media.count && media[card + 1] != .none
            let room = nextHasMedia ? tc : 0  // frames left for a transition into the next card's media
            switch media[card] {
            case .video(let frames) where card == 0:
                let n = min((frames - 1) / tc * tc + 1, end - room)
                steps.append(StoryStep(kind: .clip, card: card, frames: n))
                written = n
            case _ where card == 0:
                let n = min(window, end - room)
                steps.append(StoryStep(kind: .opening, card: card, frames: n))
                written = n
            case .image:
                let n = min(tc, end - written)
                steps.append(StoryStep(kind: .still, card: card, frames: n))
                written += n
            case .video(let frames):
                let n = max(min(frames / tc * tc, end - written - room), min(tc, end - written))
                steps.append(StoryStep(kind: .clip, card: card, frames: n))
                written += n
            case .none:
                break
            }
            let remaining = end - written
            let transition = nextHasMedia ? min(fresh, remaining) : 0
            for n in Self.split(remaining - transition, into: fresh, multiple: tc) {
                steps.append(StoryStep(kind: .extend, card: card, frames: n))
            }
            if transition > 0 { steps.append(StoryStep(kind: .connect, card: card + 1, frames: transition)) }
            written = end
        }
        self.steps = steps
    }

    /// `total` frames (a multiple of `multiple`) as the fewest windows of at most `most`, as even as whole latents allow.
    static func split(_ total: Int, into most: Int, multiple: Int) -> [Int] {
        guard total > 0 else { return [] }
        let windows = (total + most - 1) / most, latents = total / multiple
        return (0..<windows).map { w in (latents * (w + 1) / windows - latents * w / windows) * multiple }
    }

    /// Frames the plan writes in all.
    public var frames: Int { steps.reduce(0) { $0 + $1.frames } }
}

/// One step of a ``StoryPlan``.
public struct StoryStep: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// The video's first window: text to video, or image to video when the card has an image.
        case opening
        /// The card's own video, played as it is (its first frames).
        case clip
        /// The card's image, held for a few frames where the card starts.
        case still
        /// New frames continuing the video from its last frames.
        case extend
        /// New frames leading from the video so far into the next step's still or clip.
        case connect
    }

    public var kind: Kind
    /// The card whose prompt (or media) the step uses; a transition uses the card it leads into.
    public var card: Int
    /// Frames the step writes.
    public var frames: Int

    public init(kind: Kind, card: Int, frames: Int) { self.kind = kind; self.card = card; self.frames = frames }

    /// Whether the step runs the model.
    public var generates: Bool { kind == .opening || kind == .extend || kind == .connect }
}
