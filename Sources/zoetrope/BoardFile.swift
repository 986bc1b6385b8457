#if canImport(Glibc)
import Glibc
#endif
import CPUBackend
import Media
import Pipelines
import Tensor

/// A storyboard file as the CLI reads it: the board, and the folder its relative paths start from.
struct BoardFile {
    let path: String
    let board: Storyboard
    let folder: String

    /// The largest board file read (a board is a few kilobytes; this bounds a hostile one).
    static let maximumBytes = 4 << 20

    init(path: String) throws {
        self.path = path
        let text = try Self.readText(path)
        do {
            board = try Storyboard(json: text)
        } catch let error as StoryboardError {
            throw CommandError("\(path): \(error)")
        }
        let slash = path.lastIndex(of: "/")
        folder = slash.map { String(path[..<$0]) } ?? "."
    }

    /// `name` from the board: as it is when absolute, else relative to the board's folder.
    func resolve(_ name: String) -> String {
        name.hasPrefix("/") ? name : (folder.isEmpty ? "/" : folder) + "/" + name
    }

    /// The model folder: --model, else the board's (relative to the board), else the bundled one.
    func modelFolder(_ options: GenerationOptions) throws -> String {
        if let model = options.model { return model }
        if let model = board.model { return resolve(model) }
        return try BundledModel.folder()
    }

    /// A generator for the options' or the board's model.
    func generator(_ options: GenerationOptions) throws -> Generator {
        let source = try options.modelSource(folder: try modelFolder(options))
        return Generator(store: try ModelStore(single: source), precision: try options.wanPrecision(), backend: CPUBackend())
    }

    /// The settings every window shares: the command line's, else the board's, else the model's, checked.
    func baseRequest(_ options: GenerationOptions, generator: Generator) throws -> ValidatedRequest {
        let request = try options.withSampling(GenerationRequest(
            prompt: board.cards[0].prompt, negativePrompt: options.negativePrompt ?? board.negativePrompt,
            width: options.width ?? board.width, height: options.height ?? board.height, fps: options.fps ?? board.fps,
            steps: options.steps ?? board.steps, guidance: options.guidance ?? board.guidance,
            shift: options.shift ?? board.shift, sampler: options.sampler ?? board.sampler, seed: options.seed ?? board.seed))
        do {
            return try generator.validate(request)
        } catch let error as GenerationError {
            throw CommandError("\(path): \(error)")
        }
    }

    /// Reads the file as UTF-8 text, refusing what is not a regular file (without blocking on a FIFO)
    /// or is too large.
    private static func readText(_ path: String) throws -> String {
        let bytes: [UInt8]
        do { bytes = try RegularFile.read(path, limit: maximumBytes) } catch {
            throw CommandError("the board \(error)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw CommandError("the board \(path) is not UTF-8 text") }
        return text
    }
}

/// What both board commands set up before planning, in this order so that cheap mistakes fail first:
/// the output's format, the board, the song against the output, the model and the shared settings,
/// then the song's length and beats and the cards' timeline.
struct BoardSetup {
    let file: BoardFile
    let audio: AudioTrack?
    let generator: Generator
    let base: ValidatedRequest
    let timeline: StoryboardTimeline
    /// What one window needs, checked before anything loads.
    let estimate: RunEstimate

    /// `window`: the longest window asked for (nil: the model's), for the memory check.
    init(board: String, output: String, song: SongOptions, options: GenerationOptions, window: Int?) throws {
        if options.saveLatents != nil { throw CommandError("--save-latents applies to one clip; a board is made in windows") }
        try options.checkDestinations(output: output)
        file = try BoardFile(path: board)
        audio = try song.track(for: output)
        generator = try file.generator(options)
        base = try file.baseRequest(options, generator: generator)
        let defaults = try generator.store.defaults(for: base.model)
        estimate = try checkResources(generator, base, window: window ?? defaults.window ?? defaults.frames)
        let music = try song.analyse()
        // The board's "seconds" sets the length when given, else the song's.
        let board = file.board
        do {
            timeline = try StoryboardTimeline(seconds: board.cards.map(\.seconds), fps: base.fps,
                                              temporalCompression: base.geometry.temporalCompression,
                                              length: board.seconds ?? music?.seconds,
                                              lengthSource: board.seconds != nil ? "board's \"seconds\"" : "song",
                                              beats: music?.beats ?? [])
        } catch let error as StoryboardError {
            throw CommandError("\(file.path): \(error)")
        }
    }

    /// The output's metadata: the cards' prompts, the seed, the settings (with `settings` appended),
    /// the mode, the board and the song.
    func metadata(mode: String, frames: Int, settings: String = "") throws -> VideoMetadata {
        var metadata = VideoMetadata.generation(
            prompt: file.board.cards.map(\.prompt).joined(separator: " | "), seed: base.seed,
            settings: "\(base.width)x\(base.height), \(frames) frames, \(base.fps) fps, \(base.steps) steps, guidance \(base.guidance)" + settings)
        try metadata.set("mode", mode)
        try metadata.set("inputs", "board \(file.path)" + (audio.map { ", song \($0.path)" } ?? ""))
        return metadata
    }
}
