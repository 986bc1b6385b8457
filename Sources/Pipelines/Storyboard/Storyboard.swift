/// A timeline of cards, each a prompt and a duration, optionally with an image or a video placed at
/// its start, and the settings the whole video shares. `zoetrope storyboard` makes one continuous
/// video whose segments follow the cards, with generated transitions between them; `zoetrope zoom`
/// makes the cards' scenes nested keyframes of a continuous zoom. The JSON format is in
/// docs/storyboard.md; ``Storyboard/init(json:)`` reads it.
///
/// Media are named, not loaded: ``StoryboardCard/image`` and ``StoryboardCard/video`` hold the
/// strings the board gives (paths relative to the board file for the CLI); whoever runs the board
/// resolves them into frames, so the engine never opens a path a board names.
public struct Storyboard: Sendable, Equatable {
    public var width: Int?
    public var height: Int?
    public var fps: Int?
    public var seed: UInt64?
    /// The model: a folder for the CLI (relative to the board file), an id for a server.
    public var model: String?
    public var sampler: String?
    public var steps: Int?
    public var guidance: Double?
    public var shift: Double?
    public var negativePrompt: String?
    /// The whole video's length in seconds. Nil: the cards' total, or the song's length when a song is given.
    public var seconds: Double?
    /// How `zoetrope zoom` moves the camera (ignored by `zoetrope storyboard`).
    public var zoom: ZoomSettings
    /// How far the zoom's animation may move from the exact reference zoom: above 0, at most 1
    /// (``ZoomSettings/defaultStrength``); 0 writes the reference itself.
    public var strength: Double?
    public var cards: [StoryboardCard]

    public init(width: Int? = nil, height: Int? = nil, fps: Int? = nil, seed: UInt64? = nil, model: String? = nil,
                sampler: String? = nil, steps: Int? = nil, guidance: Double? = nil, shift: Double? = nil,
                negativePrompt: String? = nil, seconds: Double? = nil, zoom: ZoomSettings = ZoomSettings(),
                strength: Double? = nil, cards: [StoryboardCard]) {
        self.width = width; self.height = height; self.fps = fps; self.seed = seed; self.model = model
        self.sampler = sampler; self.steps = steps; self.guidance = guidance; self.shift = shift
        self.negativePrompt = negativePrompt; self.seconds = seconds; self.zoom = zoom; self.strength = strength
        self.cards = cards
    }

    /// The cards' total length in seconds.
    public var cardSeconds: Double { cards.reduce(0) { $0 + $1.seconds } }
}

/// One card of a ``Storyboard``: what its segment shows and for how long.
public struct StoryboardCard: Sendable, Equatable {
    public var prompt: String
    /// How long the segment lasts, in seconds (above 0).
    public var seconds: Double
    /// An image the segment starts from (a storyboard shows it at the card's start; a zoom uses it as
    /// the card's keyframe).
    public var image: String?
    /// A video the segment starts with, played as it is (storyboard only).
    public var video: String?
    /// This card's zoom factor, overriding the board's ``ZoomSettings/factor``.
    public var factor: Double?
    /// This card's zoom period in seconds, overriding the board's ``ZoomSettings/every``.
    public var every: Double?

    public init(prompt: String, seconds: Double, image: String? = nil, video: String? = nil,
                factor: Double? = nil, every: Double? = nil) {
        self.prompt = prompt; self.seconds = seconds; self.image = image; self.video = video
        self.factor = factor; self.every = every
    }
}

/// The camera of an infinite zoom: `factor`x every `every` seconds, in or out.
public struct ZoomSettings: Sendable, Equatable {
    public var factor: Double
    public var every: Double
    public var direction: ZoomDirection

    public init(factor: Double = 2, every: Double = 4, direction: ZoomDirection = .in) {
        self.factor = factor; self.every = every; self.direction = direction
    }

    /// How far the model may move each window from the reference zoom by default.
    public static let defaultStrength = 0.6
}

/// A board that cannot be used, in one line naming the card and the field.
public struct StoryboardError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
