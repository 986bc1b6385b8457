import ArgumentParser
import Media
import Pipelines

struct StoryboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storyboard",
        abstract: "Make one continuous video from a storyboard: a timeline of prompts, images and videos.",
        discussion: """
            BOARD is a JSON file (docs/storyboard.md): {"size": "256x256", "fps": 8, "seed": 1, "cards": \
            [{"prompt": "...", "seconds": 4, "image": "optional.png"}, ...]}. Each card's segment follows its \
            prompt; the video moves from one card to the next through generated frames, never a cut. A card's \
            image is shown where the card starts, a card's video plays there, and the frames before lead into \
            it. Long segments are made in overlapping windows: each window keeps the last frames of the video \
            (re-encoded) at its head, and its colours are pulled toward its card's first window. Paths in the \
            board are relative to the board file. Options given here override the board's.
            """)

    @Argument(help: "The storyboard JSON file.")
    var board: String

    @Option(name: [.short, .customLong("output")], help: "Output file (.mp4, .webm, .gif) or folder ending in /.")
    var output: String

    @OptionGroup var song: SongOptions

    @OptionGroup var windows: WindowOptions

    @OptionGroup var options: GenerationOptions

    func run() throws {
        if options.noise != nil { throw CommandError("--noise applies to one clip; a storyboard draws each window's noise from the seed") }
        let setup = try BoardSetup(board: board, output: output, song: song, options: options, window: windows.window)
        let (file, base, timeline) = (setup.file, setup.base, setup.timeline)
        let cards = file.board.cards
        let media = try cards.enumerated().map { index, card in
            try readCardInput(card, number: index + 1, file: file, base: base, frames: timeline.frames[index + 1] - timeline.frames[index])
        }
        let story = try windows.story(generator: setup.generator, base: base, prompts: cards.map(\.prompt), media: media,
                                      timeline: timeline)
        let metadata = try setup.metadata(mode: "storyboard", frames: story.plan.frames)
        try StoryRun(output: output, metadata: metadata, audio: setup.audio, estimate: setup.estimate).run(story)
    }
}

/// A card's image or video, read and fitted to the video's size (a video: at most the card's frames).
func readCardInput(_ card: StoryboardCard, number: Int, file: BoardFile, base: ValidatedRequest, frames: Int) throws -> CardInput {
    let fit = FrameFit.cover(width: base.width, height: base.height)
    do {
        if let image = card.image { return .image(try MediaReader.read(file.resolve(image), fit: fit, maxFrames: 1)) }
        if let video = card.video { return .video(try MediaReader.read(file.resolve(video), fit: fit, maxFrames: frames)) }
    } catch {
        throw CommandError("\(file.path): card \(number): \(error)")
    }
    return .none
}

/// How long videos are cut into windows.
struct WindowOptions: ParsableArguments {
    @Option(help: "The longest window in frames, of the form 4k+1; longer videos are made in overlapping windows (default: the model's, 21 bundled, 81 Wan).")
    var window: Int?

    @Option(help: "Frames of the video so far each window keeps at its head, of the form 4k+1 (default: the model's, else up to 9, at most half the window).")
    var context: Int?

    @Option(help: "How far each window's colours are pulled toward its card's first window (a zoom's: toward the reference zoom), 0 to 1 (default 0.5; 0 turns it off).")
    var anchor: Double?

    func story(generator: Generator, base: ValidatedRequest, prompts: [String], media: [CardInput],
               timeline: StoryboardTimeline) throws -> StoryboardGenerator {
        var story = try StoryboardGenerator(generator: generator, base: base, prompts: prompts, media: media,
                                            timeline: timeline, window: window, context: context)
        if let anchor = try anchorStrength() { story.anchorStrength = anchor }
        return story
    }

    /// `--anchor`, checked.
    func anchorStrength() throws -> Double? {
        guard let anchor else { return nil }
        guard anchor >= 0, anchor <= 1 else { throw CommandError("--anchor must be between 0 and 1, not \(anchor)") }
        return anchor
    }
}
