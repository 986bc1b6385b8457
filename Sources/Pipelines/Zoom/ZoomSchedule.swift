#if canImport(Glibc)
import Glibc
#endif

/// The keyframe steps of an infinite zoom: each card's time cut into steps of about its period
/// (`every`), each step zooming by the factor that keeps the card's rate exact (`factor` per
/// `every` seconds: a step of P seconds zooms by factor^(P / every)). Step n starts on keyframe n
/// and ends on keyframe n + 1; keyframe n shows the prompt of step n's card, the last keyframe the
/// last card's.
public struct ZoomSchedule: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var card: Int
        /// Seconds the step lasts.
        public var seconds: Double
        /// How much the scale changes over the step (above 1).
        public var factor: Double
    }

    public let steps: [Step]

    /// - Parameters:
    ///   - times: each card's start in seconds, then the end (``StoryboardTimeline/times``).
    ///   - cards: the cards, for their own `factor` and `every`.
    ///   - zoom: the board's rate.
    public init(times: [Double], cards: [StoryboardCard], zoom: ZoomSettings) throws {
        precondition(times.count == cards.count + 1)
        var steps: [Step] = []
        for (index, card) in cards.enumerated() {
            let seconds = times[index + 1] - times[index]
            let factor = card.factor ?? zoom.factor, every = card.every ?? zoom.every
            guard factor > 1, factor.isFinite else {
                throw StoryboardError("card \(index + 1): the zoom factor must be above 1, not \(factor)")
            }
            guard every > 0, every.isFinite else { throw StoryboardError("card \(index + 1): the zoom period must be above 0, not \(every)") }
            // Bounded before it is an Int or a loop: a tiny "every" (1e-300) asks for more steps than
            // an Int holds, or than memory and time allow.
            let wanted = (seconds / every).rounded()
            guard Double(steps.count) + wanted <= Double(Self.maximumSteps) else {
                throw StoryboardError("card \(index + 1): the zoom needs more than the \(Self.maximumSteps) keyframes allowed; zoom more slowly (a longer \"every\")")
            }
            let count = max(1, Int(wanted))
            let length = seconds / Double(count)
            for _ in 0..<count {
                steps.append(Step(card: index, seconds: length, factor: pow(factor, length / every)))
            }
        }
        guard steps.count <= Self.maximumSteps else {
            throw StoryboardError("the zoom needs \(steps.count) keyframes, more than the \(Self.maximumSteps) allowed; zoom more slowly (a longer \"every\")")
        }
        self.steps = steps
    }

    /// The most keyframe steps a zoom may have.
    public static let maximumSteps = 2000

    /// The card whose prompt keyframe `n` shows (n = 0 … steps.count).
    public func card(ofKeyframe n: Int) -> Int { steps[min(n, steps.count - 1)].card }

    /// The steps as a ``ZoomPath`` takes them.
    public var zoomSteps: [ZoomStep] { steps.map { ZoomStep(duration: $0.seconds, factor: $0.factor) } }

    /// Whether keyframe `n` is the first of its card's (where a card's image goes).
    public func isFirstOfCard(keyframe n: Int) -> Bool { n < steps.count && (n == 0 || steps[n - 1].card != steps[n].card) }

    /// The product of every step's factor: how far the whole zoom travels.
    public var totalFactor: Double { steps.reduce(1) { $0 * $1.factor } }
}
