import ArgumentParser
import Media
import Pipelines

struct ConnectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Join two videos with a generated transition: A, the transition, B.",
        discussion: """
            The output holds A's frames, the new transition, and B's frames, unchanged around it. The end \
            of A (9 frames by default, --context) and the start of B (8 frames) are encoded and kept at the \
            ends of the transition's window, so it leaves A and arrives at B; the transition starts part-way \
            from a cross-fade of the two (--strength). Both videos are resized to one size (by default A's, \
            when it is a valid size for the model).
            """)

    @Argument(help: "The first video.")
    var first: String

    @Argument(help: "The second video.")
    var second: String

    @Argument(help: "What the transition should show.")
    var prompt: String

    @Option(help: "Length of the transition in seconds (seconds x fps must be a multiple of 4).")
    var seconds: Double?

    @Option(help: "Length of the transition in frames, a multiple of 4, instead of --seconds.")
    var frames: Int?

    @Option(help: "Frames of the first video kept as context, of the form 4k+1 (default 9, fewer for a shorter video).")
    var context: Int?

    @Option(help: "How far the transition may move from a cross-fade of the two videos: above 0, at most 1 (default 0.8).")
    var strength: Double?

    @Option(name: [.short, .customLong("output")], help: "Output file (.mp4, .webm, .gif) or folder ending in /.")
    var output: String

    @OptionGroup var options: GenerationOptions

    func run() throws {
        try options.checkDestinations(output: output)
        guard seconds != nil || frames != nil else { throw CommandError("give the length of the transition with --seconds or --frames") }
        let generator = try makeGenerator(options)
        let (width, height) = try canvasSize(for: first, options: options, store: generator.store)
        let a = try MediaReader.read(first, fit: .cover(width: width, height: height))
        let b = try MediaReader.read(second, fit: .cover(width: width, height: height))
        let request = try generator.validate(options.request(
            prompt: prompt, frames: frames, seconds: seconds, width: width, height: height,
            conditioning: Conditioning(strength: strength, previous: a, next: b, contextFrames: context)))
        let estimate = try checkResources(generator, request)
        try GenerationRun(options: options, output: output, inputs: ["from \(first)", "to \(second)"] + options.references.map { "reference \($0)" }).run(request, generator: generator, estimate: estimate)
    }
}
