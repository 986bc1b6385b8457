import ArgumentParser
import Media
import Pipelines

struct ZoomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoom",
        abstract: "Make an infinite zoom through a storyboard's scenes, each inside the one before, optionally set to a song.",
        discussion: """
            BOARD is a storyboard (docs/storyboard.md) whose "zoom" sets the camera: {"factor": 2, "every": 4, \
            "direction": "in"} zooms 2x every 4 seconds, into the picture; a card may set its own "factor" and \
            "every". Each card's scene is a keyframe nested in the centre of the one before (zooming out: \
            around it), so the zoom never cuts: the keyframes are generated from the inside out (a card's \
            "image" is used as its keyframe), the exact camera path through them is rendered, and the model \
            animates that reference in overlapping windows (--strength; 0 writes the reference as it is).
            """)

    @Argument(help: "The storyboard JSON file.")
    var board: String

    @Option(name: [.short, .customLong("output")], help: "Output file (.mp4, .webm, .gif) or folder ending in /.")
    var output: String

    @Option(help: "How far the animation may move from the exact zoom, 0 to 1 (default: the board's, else 0.6; 0 = the reference zoom alone).")
    var strength: Double?

    @Option(help: "Also save the keyframes, in playback order, as a folder of numbered PNG frames (a path ending in /).")
    var keyframes: String?

    @OptionGroup var song: SongOptions

    @OptionGroup var windows: WindowOptions

    @OptionGroup var options: GenerationOptions

    func run() throws {
        if let keyframes, !keyframes.hasSuffix("/") { throw CommandError("--keyframes \(keyframes) must be a folder path ending in /") }
        if options.noise != nil { throw CommandError("--noise applies to one clip; a zoom draws each keyframe's and window's noise from the seed") }
        if let keyframes {
            try VideoWriter.checkDestination(keyframes)
            if samePath(keyframes, output) { throw CommandError("--keyframes \(keyframes) is the output's path; give the keyframes a folder of their own") }
        }
        let setup = try BoardSetup(board: board, output: output, song: song, options: options, window: windows.window)
        let (file, base, timeline) = (setup.file, setup.base, setup.timeline)
        let cards = file.board.cards
        let images = try cards.enumerated().map { index, card -> VideoFrames? in
            guard card.video == nil else {
                throw CommandError("\(file.path): card \(index + 1): a zoom's card takes an \"image\" (its keyframe), not a \"video\"")
            }
            guard case .image(let image) = try readCardInput(card, number: index + 1, file: file, base: base, frames: 1) else { return nil }
            return image
        }
        let strength = self.strength ?? file.board.strength ?? ZoomSettings.defaultStrength
        var zoom: ZoomGenerator
        do {
            zoom = try ZoomGenerator(generator: setup.generator, base: base, prompts: cards.map(\.prompt), images: images,
                                     timeline: timeline, zoom: file.board.zoom, cards: cards, strength: strength,
                                     window: windows.window, context: windows.context)
        } catch let error as StoryboardError {
            throw CommandError("\(file.path): \(error)")
        }
        if let anchor = try windows.anchorStrength() { zoom.anchorStrength = anchor }
        print("seed \(base.seed)")
        print("\(zoom.schedule.steps.count + 1) keyframes, zoom \(fixedPoint(zoom.schedule.totalFactor))x in all; \(zoom.plan.frames) frames in \(zoom.plan.steps.count) windows")
        let metadata = try setup.metadata(mode: "zoom \(file.board.zoom.direction.rawValue)", frames: zoom.plan.frames,
                                          settings: ", strength \(strength)")
        announce(setup.estimate, precision: setup.generator.precision)
        Interruptions.install()
        let writer = try VideoWriter(path: output, width: base.width, height: base.height, fps: base.fps, metadata: metadata,
                                     audio: setup.audio)
        try streaming(into: writer) { progress in
            try zoom.run(
                onProgress: { step in
                    if let generation = step.generation {
                        progress.show(generation, prefix: "\(step.phase.rawValue) \(step.index + 1)/\(step.count): ", perWindow: true)
                    }
                },
                onKeyframes: { frames in
                    guard let folder = keyframes else { return }
                    let stills = try VideoWriter(path: folder, width: base.width, height: base.height, fps: 1)
                    for frame in frames { try stills.append(frames: frame.frames) }
                    try stills.finish()
                },
                onFrames: { try writer.append(frames: $0.frames) },
                isCancelled: { interrupted.load(ordering: .relaxed) })
        }
        print("wrote \(output) (\(writer.framesWritten) frames, \(base.width)x\(base.height), \(base.fps) fps)")
    }
}
