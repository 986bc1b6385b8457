import ArgumentParser
import Media
import Pipelines

struct ExtendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extend",
        abstract: "Extend a video forward (or backward) in time.",
        discussion: """
            The output holds the original frames, unchanged, and the new ones, in order. The last frames of \
            the video (9 by default, --context) are re-encoded and kept as the start of the new part, so \
            motion carries across the seam. Backward extension runs the same method on the time-reversed \
            video. The size defaults to the video's own when it is a valid size for the model.
            """)

    @Argument(help: "The video to extend (any file ffmpeg reads, an image, or a folder of numbered PNG frames).")
    var video: String

    @Argument(help: "What the new part should show.")
    var prompt: String

    @Option(help: "Length of the new part in seconds (seconds x fps must be a multiple of 4).")
    var seconds: Double?

    @Option(help: "Length of the new part in frames, a multiple of 4, instead of --seconds.")
    var frames: Int?

    @Flag(help: "Add the new part before the video instead of after it.")
    var backward = false

    @Option(help: "Frames of the video kept as context for the new part, of the form 4k+1 (default 9, fewer for a shorter video).")
    var context: Int?

    @Option(name: [.short, .customLong("output")], help: "Output file (.mp4, .webm, .gif) or folder ending in /.")
    var output: String

    @OptionGroup var options: GenerationOptions

    func run() throws {
        try options.checkDestinations(output: output)
        guard seconds != nil || frames != nil else { throw CommandError("give the length of the new part with --seconds or --frames") }
        let generator = try makeGenerator(options)
        let (width, height) = try canvasSize(for: video, options: options, store: generator.store)
        let clip = try MediaReader.read(video, fit: .cover(width: width, height: height))
        let conditioning = backward ? Conditioning(next: clip, contextFrames: context) : Conditioning(previous: clip, contextFrames: context)
        let request = try generator.validate(options.request(
            prompt: prompt, frames: frames, seconds: seconds, width: width, height: height, conditioning: conditioning))
        let estimate = try checkResources(generator, request)
        try GenerationRun(options: options, output: output, inputs: ["\(backward ? "before" : "after") \(video)"] + options.references.map { "reference \($0)" })
            .run(request, generator: generator, estimate: estimate)
    }
}

/// The size of a video made from `path`: the options' width and height, else the video's own size
/// when the model accepts it, else the model's default.
func canvasSize(for path: String, options: GenerationOptions, store: ModelStore) throws -> (width: Int, height: Int) {
    let defaults = try store.defaults(for: nil)
    if let width = options.width, let height = options.height { return (width, height) }
    let native = try MediaReader.size(of: path)
    let multiple = defaults.sizeMultiple
    let fits = native.width % multiple == 0 && native.height % multiple == 0 && max(native.width, native.height) <= GenerationRequest.maximumSide
    return (options.width ?? (fits ? native.width : defaults.width), options.height ?? (fits ? native.height : defaults.height))
}
