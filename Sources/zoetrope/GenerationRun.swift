import CPUBackend
import Media
import Pipelines
import Tensor
#if canImport(Glibc)
import Glibc
#endif

/// Runs one validated request for a command whose destinations were checked when it started
/// (``GenerationOptions/checkDestinations(output:)``): reads `--noise`, opens the writer, streams the output frames into it, saves the latents, and prints the result. Every
/// generating command ends here, so they all behave alike on errors and interruptions.
struct GenerationRun {
    let options: GenerationOptions
    let output: String
    /// What the command was given, for the file's metadata ("video clip.mp4, strength 0.7").
    let inputs: [String]

    func run(_ request: ValidatedRequest, generator: Generator, estimate: RunEstimate) throws {
        let initialNoise = try options.noise.map(readSingleTensor)
        if let path = options.noise, let initialNoise { try request.check(noise: initialNoise, from: path) }
        print("seed \(request.seed)")
        announce(estimate, precision: generator.precision)

        Interruptions.install()
        var metadata = VideoMetadata.generation(prompt: request.prompt, seed: request.seed, settings: settingsLine(request))
        try metadata.set("mode", request.mode.rawValue)
        if !inputs.isEmpty { try metadata.set("inputs", inputs.joined(separator: ", ")) }
        let writer = try VideoWriter(path: output, width: request.width, height: request.height, fps: request.fps,
                                     metadata: metadata)
        var savedLatents: String?
        var calls: TransformerCallCount?
        do {
            try streaming(into: writer) { progress in
                let latents = try generator.run(
                    request, noise: initialNoise,
                    onProgress: { report in
                        if let count = report.transformerCalls { calls = count }
                        progress.show(report)
                    },
                    onFrames: { try writer.append(decodedVideo: $0) },
                    isCancelled: { interrupted.load(ordering: .relaxed) })
                // Before the video is committed, so that a failure here leaves neither file.
                if let path = options.saveLatents {
                    try SafeTensorsWriter.write([(name: "latents", tensor: latents)], metadata: ["seed": String(request.seed)], to: path)
                    savedLatents = path
                }
            }
        } catch {
            if let savedLatents { unlink(savedLatents) }
            throw error
        }
        print("wrote \(output) (\(writer.framesWritten) frames, \(request.width)x\(request.height), \(request.fps) fps)")
        if let calls { print(callsLine(calls)) }
    }

    /// "transformer calls: 40 (no cache)", "transformer calls: 23 of 40 (17 skipped by the step cache)".
    func callsLine(_ calls: TransformerCallCount) -> String {
        let total = calls.computed + calls.skipped
        guard options.cache != nil else { return "transformer calls: \(total)" }
        return "transformer calls: \(calls.computed) of \(total) (\(calls.skipped) skipped by the step cache)"
    }

    func settingsLine(_ request: ValidatedRequest) -> String {
        var parts = ["\(request.width)x\(request.height)", "\(request.outputFrames) frames", "\(request.fps) fps",
                     "\(request.steps) steps", "guidance \(request.guidance)"]
        if let shift = request.shift { parts.append("shift \(shift)") }
        if let sampler = request.sampler { parts.append("sampler \(sampler.rawValue)") }
        if let list = request.timesteps { parts.append("\(list.name) \(list.values.map { String($0) }.joined(separator: ","))") }
        if let cache = request.cache { parts.append("cache \(cache)") }
        if !request.negativePrompt.isEmpty { parts.append("negative prompt \"\(request.negativePrompt)\"") }
        return parts.joined(separator: ", ")
    }
}

/// Runs `body` (which sends frames to `writer`) with a progress line, then finishes the writer. On an
/// error or an interruption the writer is cancelled, so no partial output is left, and the error is
/// rethrown. Every command that writes a video goes through here.
@discardableResult
func streaming<Result>(into writer: VideoWriter, _ body: (ProgressLine) throws -> Result) throws -> Result {
    let progress = ProgressLine()
    defer { progress.end() }
    do {
        let result = try body(progress)
        try writer.finish()
        return result
    } catch {
        writer.cancel()
        throw error
    }
}

/// A generator for these options: their model as the store's only model, on the CPU.
func makeGenerator(_ options: GenerationOptions) throws -> Generator {
    Generator(store: try options.store(), precision: try options.wanPrecision(), backend: CPUBackend())
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
final class ProgressLine {
    private let terminal = isatty(2) != 0
    private var lastStage: GenerationStage?
    private var drawn = false

    /// Shows `progress`, after `prefix` ("window 3/40: ") when one is given. With `perWindow`, a log
    /// (standard error not a terminal) gets one line per window, when it finishes, instead of one per
    /// stage and step: a minute of video is dozens of windows.
    func show(_ progress: GenerationProgress, prefix: String = "", perWindow: Bool = false) {
        if perWindow, !terminal, progress.stage != .finished { return }
        let fraction = progress.total > 0 ? Double(progress.step) / Double(progress.total) : 0
        let left = progress.remaining.map { ", about \(Int($0.rounded())) s left" } ?? ""
        let text = "\(prefix)\(progress.stage.rawValue) \(progress.step)/\(progress.total), \(Int(progress.elapsed.rounded())) s\(left)"
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
