import ArgumentParser
import CPUBackend
import Media
import Pipelines
import Synchronization
import Tensor
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT; the generation stops at the next step and the partial output is removed.
private let interrupted = Atomic<Bool>(false)

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a video from a text prompt.",
        discussion: """
            The output format follows the path: .mp4 (H.264), .webm (VP9), .gif, or a path ending in / \
            for a folder of numbered PNG frames. The prompt, seed and settings go into the file's metadata. \
            The same seed gives the same frames on the same machine.
            """)

    @Argument(help: "What the video should show.")
    var prompt: String

    @Option(name: [.short, .customLong("output")], help: "Output file (.mp4, .webm, .gif) or folder ending in /.")
    var output: String

    @Option(help: "What the video should not show.")
    var negativePrompt: String?

    @Option(help: "A diffusers Wan model folder (model_index.json, transformer/, vae/, text_encoder/, tokenizer/, scheduler/); default: the bundled models/zoetrope-tiny, or $ZOETROPE_MODEL.")
    var model: String?

    @Option(help: "A transformer weight file replacing the folder's (diffusers or original Wan / ComfyUI names).")
    var transformer: String?

    @Option(help: "A VAE weight file replacing the folder's.")
    var vae: String?

    @Option(help: "A UMT5 text-encoder weight file replacing the folder's.")
    var textEncoder: String?

    @Option(help: "Width in pixels, a multiple of 16 (32 for the bundled model); default: the model's (256 bundled, 832 Wan).")
    var width: Int?

    @Option(help: "Height in pixels, like --width; default: the model's (256 bundled, 480 Wan).")
    var height: Int?

    @Option(help: "Frames, of the form 4k+1; default: the model's (17 bundled, 81 Wan).")
    var frames: Int?

    @Option(help: "Duration in seconds instead of --frames (seconds x fps + 1 must be 4k+1).")
    var seconds: Double?

    @Option(help: "Frames per second; default: the model's (8 bundled, 16 Wan).")
    var fps: Int?

    @Option(help: "Denoising steps; default: the model's (20 bundled, 50 Wan).")
    var steps: Int?

    @Option(help: "Classifier-free guidance scale, 1 or less turns guidance off; default: the model's (5).")
    var guidance: Double?

    @Option(help: "Flow shift (default: the model folder's scheduler config).")
    var shift: Double?

    @Option(help: "unipc or euler (default: the model folder's scheduler config).")
    var sampler: String?

    @Option(help: "Noise seed (default: random, printed).")
    var seed: UInt64?

    @Option(help: "Start from these initial latents: a safetensors file with one tensor [1, 16, (frames-1)/4+1, height/8, width/8].")
    var noise: String?

    @Option(help: "Also save the final latents (before decoding) to this safetensors file.")
    var saveLatents: String?

    @Option(help: "Precision: reference (bf16 transformer and text encoder, fp32 VAE, as diffusers runs Wan) or f32.")
    var precision: String = "reference"

    func run() throws {
        let folder = try model ?? BundledModel.folder()
        let files = try WanModelFiles(folder: folder, transformer: transformer, vae: vae, textEncoder: textEncoder)
        let request = try GenerationRequest(
            prompt: prompt, negativePrompt: negativePrompt, width: width, height: height, frames: frames, seconds: seconds,
            fps: fps, steps: steps, guidance: guidance, shift: shift, sampler: sampler, seed: seed, model: folder,
            transformer: transformer, vae: vae, textEncoder: textEncoder
        ).validated(defaults: try GenerationDefaults(folder: files.folder))
        let precision: WanPrecision
        switch self.precision {
        case "reference": precision = .reference
        case "f32": precision = .float32
        default: throw ValidationError("--precision must be reference or f32, not \(self.precision)")
        }
        _ = try VideoFormat(path: output)  // an unknown extension fails before any model loads
        let initialNoise = try noise.map(readSingleTensor)
        if let noise, let initialNoise { try request.check(noise: initialNoise, from: noise) }
        print("seed \(request.seed)")

        signal(SIGINT) { _ in interrupted.store(true, ordering: .relaxed) }
        let metadata = VideoMetadata.generation(prompt: request.prompt, seed: request.seed, settings: settingsLine(request))
        let writer = try VideoWriter(path: output, width: request.width, height: request.height, fps: request.fps,
                                     metadata: metadata)
        let progress = ProgressLine()
        let pipeline = TextToVideo(files: files, precision: precision, backend: CPUBackend())
        let latents: Tensor
        do {
            latents = try pipeline.run(
                request, noise: initialNoise,
                onProgress: { progress.show($0) },
                onFrames: { try writer.append(decodedVideo: $0) },
                isCancelled: { interrupted.load(ordering: .relaxed) })
            try writer.finish()
        } catch {
            writer.cancel()
            progress.end()
            throw error
        }
        progress.end()
        if let saveLatents {
            try SafeTensorsWriter.write([(name: "latents", tensor: latents)], metadata: ["seed": String(request.seed)], to: saveLatents)
        }
        print("wrote \(output) (\(request.frames) frames, \(request.width)x\(request.height), \(request.fps) fps)")
    }

    private func settingsLine(_ request: ValidatedRequest) -> String {
        var parts = ["\(request.width)x\(request.height)", "\(request.frames) frames", "\(request.fps) fps",
                     "\(request.steps) steps", "guidance \(request.guidance)"]
        if let shift = request.shift { parts.append("shift \(shift)") }
        if let sampler = request.sampler { parts.append("sampler \(sampler.rawValue)") }
        if !request.negativePrompt.isEmpty { parts.append("negative prompt \"\(request.negativePrompt)\"") }
        return parts.joined(separator: ", ")
    }
}

/// The one tensor of a safetensors file (for `--noise`).
private func readSingleTensor(_ path: String) throws -> Tensor {
    let file = try SafeTensorsFile(path: path)
    guard file.names.count == 1, let name = file.names.first else {
        throw CommandError("--noise \(path) must hold exactly one tensor, it holds \(file.names.count)")
    }
    return try file.tensor(named: name, as: .float32)
}

/// A command-line mistake that is not about one option's syntax: printed as one line, exit status 1.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Progress on standard error: one rewritten line with a bar on a terminal, plain lines otherwise.
private final class ProgressLine {
    private let terminal = isatty(2) != 0
    private var lastStage: GenerationStage?
    private var drawn = false

    func show(_ progress: GenerationProgress) {
        let fraction = progress.total > 0 ? Double(progress.step) / Double(progress.total) : 0
        let left = progress.remaining.map { ", about \(Int($0.rounded())) s left" } ?? ""
        let text = "\(progress.stage.rawValue) \(progress.step)/\(progress.total), \(Int(progress.elapsed.rounded())) s\(left)"
        if terminal {
            let width = 24, filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            writeError("\r\u{1B}[2K[\(bar)] \(text)")
            drawn = true
        } else if progress.stage != lastStage || progress.step == progress.total || progress.stage == .denoising {
            writeError(text + "\n")
        }
        lastStage = progress.stage
    }

    func end() {
        if terminal, drawn { writeError("\n") }
        drawn = false
    }
}

/// Writes to standard error without Glibc's `stderr` global (not concurrency-safe in Swift 6).
func writeError(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
