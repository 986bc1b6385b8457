import ArgumentParser
import Media
import Pipelines
import Sampling
import Tensor
#if canImport(Glibc)
import Glibc
#endif

/// The options every generating command shares: the model, the size and timing, the sampler, the
/// seed and noise, and what to save besides the video.
struct GenerationOptions: ParsableArguments {
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

    @Option(help: "A TAEHV tiny decoder (taew2_1.safetensors) that decodes in place of the VAE: seconds instead of minutes, less detail.")
    var decoder: String?

    @Option(name: .customLong("lora"), help: ArgumentHelp(
        "A LoRA or delta file merged into the transformer as it loads, at strength SCALE (default 1); repeatable (docs/lora.md).",
        valueName: "file[:scale]"))
    var loras: [String] = []

    @Flag(help: "Skip LoRA keys that match nothing in the transformer instead of stopping with an error.")
    var loraIgnoreUnmatched = false

    @Option(help: "A CLIP image encoder weight file replacing an image-to-video folder's image_encoder/ (the original Wan release's models_clip_open-clip-xlm-roberta-large-vit-huge-14.pth).")
    var imageEncoder: String?

    @Option(name: .customLong("reference"), help: ArgumentHelp(
        "A reference image whose content the video should follow (a VACE model), fitted inside the size on white; repeatable.",
        valueName: "file"))
    var references: [String] = []

    @Option(help: "How strongly a VACE model's control steers: one number, or one per VACE layer (1,0.5,...); default 1.")
    var controlScale: String?

    @Option(help: "Width in pixels, a multiple of 16 (32 for the bundled model); default: the model's (256 bundled, 832 Wan).")
    var width: Int?

    @Option(help: "Height in pixels, like --width; default: the model's (256 bundled, 480 Wan).")
    var height: Int?

    @Option(help: "Frames per second; default: the model's (8 bundled, 16 Wan).")
    var fps: Int?

    @Option(help: "Denoising steps; default: the model's (20 bundled, 50 Wan).")
    var steps: Int?

    @Option(help: "Classifier-free guidance scale, 1 or less turns guidance off; default: the model's (5).")
    var guidance: Double?

    @Option(help: "Flow shift (default: the model folder's scheduler config).")
    var shift: Double?

    @Option(help: "unipc, euler, or renoise (predict x0, then add fresh noise: the DMD-distilled models' rule); default: the model folder's scheduler config, euler with a step list.")
    var sampler: String?

    @Option(help: "Sampler settings of a published few-step model: \(SamplingPreset.all.map(\.name).joined(separator: ", ")) (docs/few-step.md); the other flags override it.")
    var preset: String?

    @Option(help: "Explicit timesteps the transformer sees, e.g. 1000,757,522 (CausVid, FastWan); sets --steps.")
    var timesteps: String?

    @Option(help: "Timesteps warped by the shift, as Self-Forcing and lightx2v give them: 1000,750,500,250 with --shift 5 is t = 1000, 937.5, 833.3, 625.")
    var warpedTimesteps: String?

    @Option(help: "Explicit noise levels in (0, 1], e.g. rCM's; the transformer sees 1000 x sigma.")
    var sigmas: String?

    @Option(help: "Step caching: skip a transformer call while the accumulated change of its input stays below this threshold (0: off; try 0.1).")
    var cache: Double?

    @Option(help: "Noise seed (default: random, printed).")
    var seed: UInt64?

    @Option(help: "All the Gaussian noise the run draws: a safetensors file with one tensor of the run's latent shape, [1 + steps - 1, ...] for renoise (printed when it does not fit).")
    var noise: String?

    @Option(help: "Also save the final latents (before decoding) to this safetensors file.")
    var saveLatents: String?

    @Option(help: "Precision: reference (bf16 transformer and text encoder, fp32 VAE, as diffusers runs Wan) or f32.")
    var precision: String = "reference"

    @Option(help: "VAE precision: f32 (the reference) or bf16 (bf16 convolutions with f32 accumulation, about twice as fast on CPUs with AVX-512 BF16; docs/performance.md gives its error).")
    var vaePrecision: String?

    /// Checks every file the run will write before any work starts: `output` (its format, folder, and
    /// that whatever is there may be replaced) and `--save-latents` (the same, and not `output`).
    func checkDestinations(output: String) throws {
        try VideoWriter.checkDestination(output)
        guard let latents = saveLatents else { return }
        try SafeTensorsWriter.checkDestination(latents)
        if samePath(latents, output) {
            throw CommandError("--save-latents \(latents) is the output video's path; give the latents a file of their own")
        }
    }

    /// The model folder: --model, else the bundled one.
    func modelFolder() throws -> String { try model ?? BundledModel.folder() }

    /// A store holding the one model these options name, as the default.
    func store() throws -> ModelStore {
        // The weight files named here, checked before any work: each must be a file or a folder of weights.
        for (flag, path) in [("--transformer", transformer), ("--vae", vae), ("--text-encoder", textEncoder), ("--decoder", decoder),
                             ("--image-encoder", imageEncoder)] {
            guard let path else { continue }
            var info = stat()
            if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { continue }
            if let problem = RegularFile.problem(path) { throw CommandError("\(flag) \(path): \(problem)") }
        }
        return try ModelStore(single: try modelSource(folder: try modelFolder()))
    }

    /// The model files these options name, with `folder` as the model folder.
    func modelSource(folder: String) throws -> ModelSource {
        let loras = self.loras.map(LoRA.init(argument:))
        for lora in loras {
            if let problem = RegularFile.problem(lora.path) { throw CommandError("--lora \(lora.path): \(problem)") }
        }
        return ModelSource(folder: folder, transformer: transformer, vae: vae, textEncoder: textEncoder, decoder: decoder, loras: loras,
                           ignoresUnmatchedLoRAKeys: loraIgnoreUnmatched, imageEncoder: imageEncoder)
    }

    func wanPrecision() throws -> WanPrecision {
        var chosen: WanPrecision
        switch precision {
        case "reference": chosen = .reference
        case "f32": chosen = .float32
        default: throw ValidationError("--precision must be reference or f32, not \(precision)")
        }
        switch vaePrecision {
        case nil, "f32": break
        case "bf16": chosen.vae = .bfloat16
        case let other?: throw ValidationError("--vae-precision must be f32 or bf16, not \(other)")
        }
        return chosen
    }

    /// A request with these options filled in.
    func request(prompt: String, frames: Int?, seconds: Double?, width: Int?, height: Int?,
                 conditioning: Conditioning) throws -> GenerationRequest {
        var conditioning = conditioning
        conditioning.references = try references.map(Self.readReference)
        if let controlScale { conditioning.controlScales = try Self.numbers(controlScale, flag: "--control-scale") }
        return try withSampling(GenerationRequest(prompt: prompt, negativePrompt: negativePrompt, width: width, height: height,
                                           frames: frames, seconds: seconds, fps: fps, steps: steps, guidance: guidance,
                                           shift: shift, sampler: sampler, seed: seed, conditioning: conditioning))
    }

    /// `request` with the step list, the cache and then the preset of these options.
    func withSampling(_ request: GenerationRequest) throws -> GenerationRequest {
        var request = request
        let lists = [("--timesteps", timesteps, StepList.timesteps), ("--warped-timesteps", warpedTimesteps, StepList.warpedTimesteps),
                     ("--sigmas", sigmas, StepList.sigmas)].compactMap { flag, text, make in text.map { (flag, $0, make) } }
        if lists.count > 1 { throw CommandError("give one of \(lists.map { $0.0 }.joined(separator: ", ")), not several") }
        if let list = lists.first { request.timesteps = list.2(try Self.numbers(list.1, flag: list.0)) }
        request.cache = cache
        if let preset { request = try SamplingPreset.named(preset).applied(to: request) }
        return request
    }

    /// A reference image at its own size (at most ``GenerationRequest/maximumSide`` a side).
    static func readReference(_ path: String) throws -> VideoFrames {
        let size = try MediaReader.size(of: path)
        let most = GenerationRequest.maximumSide
        guard size.width <= most, size.height <= most else {
            throw CommandError("--reference \(path) is \(size.width)x\(size.height), larger than the \(most) pixels a side allowed")
        }
        return try MediaReader.read(path, fit: .native, maxFrames: 1)
    }

    /// "1000,750,500,250" as numbers; one line naming the flag for anything else.
    static func numbers(_ text: String, flag: String) throws -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count <= StepList.maximumCount else {
            throw CommandError("\(flag) holds \(parts.count) values; at most \(StepList.maximumCount)")
        }
        return try parts.map { part in
            let trimmed = String(part.filter { !$0.isWhitespace })
            guard let value = Double(trimmed), value.isFinite else {
                throw CommandError("\(flag) must be a comma-separated list of numbers such as 1000,750,500,250, not \"\(text)\"")
            }
            return value
        }
    }
}

/// Whether two paths name the same file: the same file when both exist, else the same absolute path
/// after `.` and `..` are resolved in the folder part.
func samePath(_ a: String, _ b: String) -> Bool {
    var first = stat(), second = stat()
    if stat(a, &first) == 0, stat(b, &second) == 0 {
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }
    return absolute(a) == absolute(b)
}

/// `path` made absolute, with its folder resolved through `realpath` when it exists.
private func absolute(_ path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    let slash = trimmed.lastIndex(of: "/")
    let folder = slash.map { $0 == trimmed.startIndex ? "/" : String(trimmed[..<$0]) } ?? "."
    let name = slash.map { String(trimmed[trimmed.index(after: $0)...]) } ?? String(trimmed)
    guard let resolved = realpath(folder, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved) + "/" + name
}
