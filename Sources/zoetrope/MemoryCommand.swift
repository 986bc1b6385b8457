import ArgumentParser
import Bench
import Pipelines
import Tensor

struct MemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Measure time and peak memory of one Wan transformer call, one VAE decode or one tiny-decoder decode at real sizes.",
        discussion: """
            Loads a diffusers folder (tools/bench/make_random_wan.py writes the real 1.3B configs with \
            random weights) and prints one Markdown row for docs/performance.md. The peak is per \
            process, so measure one part per run. The VAE and the tiny decoder decode the same random \
            latents (tools/bench/make_random_taehv.py writes a random TAEHV decoder and VAE folder).
            """)

    enum Part: String, ExpressibleByArgument, CaseIterable { case transformer, vae, tinyDecoder = "tiny-decoder" }

    @Argument(help: "What to run: transformer (one call), vae (one streamed decode) or tiny-decoder (one streamed TAEHV decode, needs --decoder).")
    var part: Part

    @Option(help: "A diffusers model folder with transformer/ and vae/ (not needed for tiny-decoder).")
    var model: String?

    @Option(help: "A transformer weight file replacing the folder's (safetensors, GGUF or PyTorch, either layout).")
    var transformer: String?

    @Option(help: "A TAEHV decoder file, for tiny-decoder.")
    var decoder: String?

    @Option(help: "Video height in pixels (multiple of 16). Default: 256 for the transformer, 480 for the decoders.")
    var height: Int?

    @Option(help: "Video width in pixels (multiple of 16). Default: 256 for the transformer, 832 for the decoders.")
    var width: Int?

    @Option(help: "Video frames (4k+1). Default: 17 for the transformer, 81 for the decoders.")
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
        let source = part == .tinyDecoder ? "--decoder \(decoder ?? "")" : "--model \(model ?? "")"
        print("Machine: \(machine.cpuModel), \(machine.threads) threads; command: zoetrope memory \(part.rawValue) \(source) --height \(h) --width \(w) --frames \(f)\(part == .transformer ? " --dtype \(dtype)" : "")\(transformer.map { " --transformer \($0)" } ?? "")")
        let result: WanMemoryMeasurement
        switch part {
        case .transformer:
            result = try WanMemoryBenchmark.transformer(files: try files(), dtype: type, request: request)
        case .vae:
            result = try WanMemoryBenchmark.vaeDecode(files: try files(), request: request) { chunk, count in
                writeError("decoded chunk \(chunk) of \(count)\n")
            }
        case .tinyDecoder:
            guard let decoder else { throw ValidationError("tiny-decoder needs --decoder FILE") }
            result = try WanMemoryBenchmark.tinyDecode(file: decoder, request: request) { chunk, count in
                writeError("decoded chunk \(chunk) of \(count)\n")
            }
        }
        let mib = { (bytes: Int) in fixed(Double(bytes) / 1_048_576, 0) + " MiB" }
        print("| workload | load | run | resident after load | peak resident |")
        print("| --- | ---: | ---: | ---: | ---: |")
        print("| \(result.workload) | \(fixed(result.loadSeconds)) s | \(fixed(result.runSeconds)) s | \(mib(result.residentAfterLoadBytes)) | \(mib(result.peakResidentBytes)) |")
    }

    private func files() throws -> WanModelFiles {
        guard let model else { throw ValidationError("\(part.rawValue) needs --model FOLDER") }
        return try WanModelFiles(folder: model, transformer: transformer)
    }
}
