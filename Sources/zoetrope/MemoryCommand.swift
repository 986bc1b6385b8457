import ArgumentParser
import Bench
import Pipelines
import Tensor

struct MemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Measure time and peak memory of Wan transformer calls, VAE or tiny-decoder decodes, or UMT5 prompt encodings at real sizes.",
        discussion: """
            Loads a diffusers folder (tools/bench/make_random_wan.py writes the real 1.3B configs with \
            random weights, tools/bench/make_random_umt5.py the UMT5-XXL text encoder) and prints one \
            Markdown row for docs/performance.md. The peak is per process, so measure one part per \
            run. The VAE and the tiny decoder decode the same random latents \
            (tools/bench/make_random_taehv.py writes a random TAEHV decoder and VAE folder). With \
            --calls N the same call runs N times: the row gives the first (cold) call and the median \
            of calls 2...N (the steady state). scripts/bench-cpu.sh runs it beside the PyTorch peer.
            """)

    enum Part: String, ExpressibleByArgument, CaseIterable {
        case transformer, vae, tinyDecoder = "tiny-decoder", textEncoder = "text-encoder"
    }

    @Argument(help: "What to run: transformer (a call), vae (a streamed decode), tiny-decoder (a streamed TAEHV decode, needs --decoder) or text-encoder (a UMT5 prompt encoding, --tokens).")
    var part: Part

    @Option(help: "A diffusers model folder with transformer/ and vae/, or text_encoder/ for text-encoder (not needed for tiny-decoder).")
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

    @Option(help: "Precision, bf16 or f32. Default: the reference pipeline's, bf16 for the transformer and the text encoder, f32 for the VAE.")
    var dtype: String?

    @Option(help: "Prompt tokens for text-encoder (1...512; padded to 512 with the attention mask).")
    var tokens: Int = 16

    @Option(help: "Prompt tokens of the transformer's text context (1...512): that many random rows, then zero rows to 512, as WanPipeline pads the prompt. Default: 512 (no padding).")
    var promptTokens: Int = 512

    @Option(help: "Calls in one process: the first is the cold one, the median of the others the steady state.")
    var calls: Int = 1

    func run() throws {
        guard calls >= 1 else { throw ValidationError("--calls must be at least 1, got \(calls)") }
        guard (1...512).contains(promptTokens) else { throw ValidationError("--prompt-tokens must be 1...512, got \(promptTokens)") }
        let (h, w, f) = part == .transformer
            ? (height ?? 256, width ?? 256, frames ?? 17) : (height ?? 480, width ?? 832, frames ?? 81)
        let precision = dtype ?? (part == .vae || part == .tinyDecoder ? "f32" : "bf16")
        let type: DType
        switch precision {
        case "bf16": type = .bfloat16
        case "f32": type = .float32
        default: throw ValidationError("--dtype must be bf16 or f32, got \(precision)")
        }
        if part == .tinyDecoder, type != .float32 { throw ValidationError("tiny-decoder runs in f32 only, got --dtype \(precision)") }
        let machine = MachineDescription.current()
        let source = part == .tinyDecoder ? "--decoder \(decoder ?? "")" : "--model \(model ?? "")"
        let size = part == .textEncoder ? "--tokens \(tokens)" : "--height \(h) --width \(w) --frames \(f)"
            + (part == .transformer && promptTokens != 512 ? " --prompt-tokens \(promptTokens)" : "")
        let extra = (part == .tinyDecoder ? "" : " --dtype \(precision)") + (calls > 1 ? " --calls \(calls)" : "")
            + (transformer.map { " --transformer \($0)" } ?? "")
        print("Machine: \(machine.cpuModel), \(machine.threads) threads, ISA \(machine.oneDNNISA); command: zoetrope memory \(part.rawValue) \(source) \(size)\(extra)")
        let result = try measure(height: h, width: w, frames: f, type: type)
        let mib = { (bytes: Int) in fixed(Double(bytes) / 1_048_576, 0) + " MiB" }
        let resident = "\(mib(result.residentAfterLoadBytes)) | \(mib(result.peakResidentBytes)) |"
        // One call keeps the five columns that scripts/bench-vace.sh reads.
        if let steady = result.steadySeconds {
            print("| workload | load | first call (cold) | steady (median of calls 2-\(calls)) | resident after load | peak resident |")
            print("| --- | ---: | ---: | ---: | ---: | ---: |")
            print("| \(result.workload) | \(fixed(result.loadSeconds)) s | \(fixed(result.coldSeconds, 2)) s | \(fixed(steady, 2)) s | \(resident)")
        } else {
            print("| workload | load | run | resident after load | peak resident |")
            print("| --- | ---: | ---: | ---: | ---: |")
            print("| \(result.workload) | \(fixed(result.loadSeconds)) s | \(fixed(result.coldSeconds)) s | \(resident)")
        }
    }

    private func measure(height: Int, width: Int, frames: Int, type: DType) throws -> WanMemoryMeasurement {
        let progress = { (chunk: Int, count: Int) in writeError("decoded chunk \(chunk) of \(count)\n") }
        switch part {
        case .transformer:
            let request = try GenerationRequest(prompt: "memory", width: width, height: height, frames: frames).validated()
            return try WanMemoryBenchmark.transformer(files: try files(), dtype: type, request: request,
                                                      promptTokens: promptTokens, calls: calls)
        case .vae:
            let request = try GenerationRequest(prompt: "memory", width: width, height: height, frames: frames).validated()
            return try WanMemoryBenchmark.vaeDecode(files: try files(), request: request, weightType: type, calls: calls,
                                                    progress: progress)
        case .tinyDecoder:
            guard let decoder else { throw ValidationError("tiny-decoder needs --decoder FILE") }
            let request = try GenerationRequest(prompt: "memory", width: width, height: height, frames: frames).validated()
            return try WanMemoryBenchmark.tinyDecode(file: decoder, request: request, calls: calls, progress: progress)
        case .textEncoder:
            return try WanMemoryBenchmark.textEncoder(files: try files(), tokens: tokens, dtype: type, calls: calls)
        }
    }

    private func files() throws -> WanModelFiles {
        guard let model else { throw ValidationError("\(part.rawValue) needs --model FOLDER") }
        return try WanModelFiles(folder: model, transformer: transformer)
    }
}
