import ArgumentParser
import Bench
import Pipelines
import Tensor

struct MemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Measure time and peak memory of one Wan transformer call or one VAE decode at real sizes.",
        discussion: """
            Loads a diffusers folder (tools/bench/make_random_wan.py writes the real 1.3B configs with \
            random weights) and prints one Markdown row for docs/performance.md. The peak is per \
            process, so measure one part per run.
            """)

    enum Part: String, ExpressibleByArgument, CaseIterable { case transformer, vae }

    @Argument(help: "What to run: transformer (one call) or vae (one streamed decode).")
    var part: Part

    @Option(help: "A diffusers model folder with transformer/ and vae/.")
    var model: String

    @Option(help: "A transformer weight file replacing the folder's (safetensors or GGUF, either layout).")
    var transformer: String?

    @Option(help: "Video height in pixels (multiple of 16). Default: 256 for the transformer, 480 for the VAE.")
    var height: Int?

    @Option(help: "Video width in pixels (multiple of 16). Default: 256 for the transformer, 832 for the VAE.")
    var width: Int?

    @Option(help: "Video frames (4k+1). Default: 17 for the transformer, 81 for the VAE.")
    var frames: Int?

    @Option(help: "Transformer precision: bf16 (the reference pipeline's) or f32.")
    var dtype: String = "bf16"

    func run() throws {
        let (h, w, f) = part == .transformer
            ? (height ?? 256, width ?? 256, frames ?? 17) : (height ?? 480, width ?? 832, frames ?? 81)
        let request = try GenerationRequest(prompt: "memory", width: w, height: h, frames: f).validated()
        let type: DType
        switch dtype {
        case "bf16": type = .bfloat16
        case "f32": type = .float32
        default: throw ValidationError("--dtype must be bf16 or f32, got \(dtype)")
        }
        let machine = MachineDescription.current()
        print("Machine: \(machine.cpuModel), \(machine.threads) threads; command: zoetrope memory \(part.rawValue) --model \(model) --height \(h) --width \(w) --frames \(f)\(part == .transformer ? " --dtype \(dtype)" : "")\(transformer.map { " --transformer \($0)" } ?? "")")
        let files = try WanModelFiles(folder: model, transformer: transformer)
        let result: WanMemoryMeasurement
        switch part {
        case .transformer:
            result = try WanMemoryBenchmark.transformer(files: files, dtype: type, request: request)
        case .vae:
            result = try WanMemoryBenchmark.vaeDecode(files: files, request: request) { chunk, count in
                writeError("decoded chunk \(chunk) of \(count)\n")
            }
        }
        let mib = { (bytes: Int) in fixed(Double(bytes) / 1_048_576, 0) + " MiB" }
        print("| workload | load | run | resident after load | peak resident |")
        print("| --- | ---: | ---: | ---: | ---: |")
        print("| \(result.workload) | \(fixed(result.loadSeconds)) s | \(fixed(result.runSeconds)) s | \(mib(result.residentAfterLoadBytes)) | \(mib(result.peakResidentBytes)) |")
    }
}

