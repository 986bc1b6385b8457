import ArgumentParser
import Media
import Pipelines

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a video from a text prompt, animate an image, remix, edit or outpaint a video, or make a loop.",
        discussion: """
            Modes: a prompt alone makes a clip from noise; --image FILE animates an image (it becomes the \
            first frame); --video FILE --strength S remixes a video (0 < S <= 1, 1 ignores it); --video FILE \
            --mask FILE regenerates the mask's white part and keeps its black part (grey: partly); a --video \
            smaller than --width x --height is outpainted (placed in the centre, the border generated); \
            --loop makes a seamless loop. A model trained for it takes more: --last-image FILE ends the clip on \
            an image (FLF2V, VACE), --keyframe FRAME:FILE places images at chosen frames and --reference FILE \
            gives images to follow (VACE). Images and videos are resized to cover the size and centre-cropped \
            (an outpainted video keeps its size). The output format follows the path: .mp4 (H.264), .webm \
            (VP9), .gif, or a path ending in / for a folder of numbered PNG frames. The prompt, seed, mode, \
            inputs and settings go into the file's metadata. The same seed gives the same frames on the same machine. \
            A clip (or an animated image) longer than --window (default: the model's, 21 frames bundled, 81 Wan) is made in \
            overlapping windows, each continuing from the last frames of the one before, so any length works \
            (--seconds 60) with memory that does not grow with it.
            """)

    @Argument(help: "What the video should show.")
    var prompt: String

    @Option(name: [.short, .customLong("output")], help: "Output file (.mp4, .webm, .gif) or folder ending in /.")
    var output: String

    @Option(help: "Frames, of the form 4k+1 (a loop: a multiple of 4); default: the model's (17 bundled, 81 Wan), or the video's length.")
    var frames: Int?

    @Option(help: "Duration in seconds instead of --frames (seconds x fps + 1 must be 4k+1; a loop: seconds x fps a multiple of 4).")
    var seconds: Double?

    @Option(help: "Animate this image (PNG, JPEG, or the first frame of a video): it becomes the first frame.")
    var image: String?

    @Option(help: "The last frame, with --image as the first (a first-last-frame (FLF2V) or VACE model).")
    var lastImage: String?

    @Option(name: .customLong("keyframe"), help: ArgumentHelp(
        "An image at a chosen frame, FRAME:FILE (frames count from 0); repeatable; the rest is generated around them (a VACE model).",
        valueName: "frame:file"))
    var keyframes: [String] = []

    @Option(help: "Remix (with --strength), edit (with --mask) or outpaint (when smaller than the size) this video, image or folder of numbered PNG frames.")
    var video: String?

    @Option(help: "How far a remix may move from --video: above 0, at most 1.")
    var strength: Double?

    @Option(help: "Edit mask for --video, an image or a video of the video's size: white = regenerate, black = keep, grey = partly.")
    var mask: String?

    @Flag(help: "Make a seamless loop: the last frame flows into the first.")
    var loop = false

    @OptionGroup var windows: WindowOptions

    @OptionGroup var options: GenerationOptions

    func run() throws {
        try options.checkDestinations(output: output)
        let generator = try makeGenerator(options)
        let defaults = try generator.store.defaults(for: nil)
        let width = options.width ?? defaults.width, height = options.height ?? defaults.height
        var conditioning = Conditioning(strength: strength, loop: loop)
        var inputs: [String] = []
        if let image {
            conditioning.image = try MediaReader.read(image, fit: .cover(width: width, height: height), maxFrames: 1)
            inputs.append("image \(image)")
        }
        if let lastImage {
            conditioning.lastImage = try MediaReader.read(lastImage, fit: .cover(width: width, height: height), maxFrames: 1)
            inputs.append("last image \(lastImage)")
        }
        for argument in keyframes {
            let (frame, path) = try Self.keyframe(argument)
            let image = try MediaReader.read(path, fit: .cover(width: width, height: height), maxFrames: 1)
            conditioning.keyframes.append(Conditioning.Keyframe(frame: frame, image: image))
            inputs.append("keyframe \(frame) \(path)")
        }
        if let video {
            // A remix or an edit fits the video to the canvas; otherwise it is an outpaint at its own size.
            let fitsCanvas = strength != nil || mask != nil
            let fit: FrameFit = fitsCanvas ? .cover(width: width, height: height) : .native
            conditioning.video = try MediaReader.read(video, fit: fit, maxFrames: frames)
            inputs.append("video \(video)")
            if let mask {
                let (maskSize, videoSize) = (try MediaReader.size(of: mask), try MediaReader.size(of: video))
                guard maskSize == videoSize else {
                    throw CommandError("the mask \(mask) is \(maskSize.width)x\(maskSize.height) but the video is \(videoSize.width)x\(videoSize.height); they must match")
                }
                conditioning.mask = try MediaReader.read(mask, fit: fit, maxFrames: frames)
                inputs.append("mask \(mask)")
            }
        } else if let mask {
            throw CommandError("--mask \(mask) needs the --video it applies to")
        }
        if let strength { inputs.append("strength \(strength)") }
        inputs += options.references.map { "reference \($0)" }
        let request = try generator.validate(options.request(
            prompt: prompt, frames: frames, seconds: seconds, width: width, height: height, conditioning: conditioning))
        let window = windows.window ?? defaults.window ?? defaults.frames
        let estimate = try checkResources(generator, request, window: request.frames > window ? window : nil)
        if var story = try StoryboardGenerator.longClip(generator: generator, request: request, window: windows.window,
                                                        context: windows.context) {
            if let anchor = try windows.anchorStrength() { story.anchorStrength = anchor }
            try runLong(story, request: request, inputs: inputs, estimate: estimate)
            return
        }
        try GenerationRun(options: options, output: output, inputs: inputs).run(request, generator: generator, estimate: estimate)
    }

    /// "FRAME:FILE" as a frame index and a path; one line for anything else.
    static func keyframe(_ argument: String) throws -> (frame: Int, path: String) {
        guard let colon = argument.firstIndex(of: ":"), let frame = Int(argument[..<colon]), frame >= 0,
              argument.index(after: colon) < argument.endIndex else {
            throw CommandError("--keyframe must be FRAME:FILE with a frame number from 0, such as 40:middle.png, not \"\(argument)\"")
        }
        return (frame, String(argument[argument.index(after: colon)...]))
    }

    /// A clip longer than one window, made window by window.
    private func runLong(_ story: StoryboardGenerator, request: ValidatedRequest, inputs: [String], estimate: RunEstimate) throws {
        if options.noise != nil {
            throw CommandError("--noise applies to one window; a clip of \(request.frames) frames is made in windows, each drawing its noise from the seed")
        }
        if options.saveLatents != nil {
            throw CommandError("--save-latents applies to one window; a clip of \(request.frames) frames is made in windows")
        }
        var metadata = VideoMetadata.generation(prompt: request.prompt, seed: request.seed,
                                                settings: GenerationRun(options: options, output: output, inputs: inputs).settingsLine(request))
        try metadata.set("mode", "\(request.mode.rawValue) in windows")
        if !inputs.isEmpty { try metadata.set("inputs", inputs.joined(separator: ", ")) }
        try StoryRun(output: output, metadata: metadata, estimate: estimate).run(story)
    }
}
