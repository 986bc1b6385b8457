import CPUBackend
import Pipelines
import Tensor
import WanDiT

/// What a Wan model call cost: wall times and resident memory, for docs/performance.md.
public struct WanMemoryMeasurement: Sendable {
    /// What ran, e.g. "transformer bf16, latents [1, 16, 5, 32, 32], context [1, 512, 4096]".
    public var workload: String
    /// Building the model from its folder (reading and converting the weights).
    public var loadSeconds: Double
    /// Each call's wall time, in order: the first is the cold one (oneDNN primitive creation,
    /// first touch of the scratch memory), the others the steady state.
    public var callSeconds: [Double]
    /// Resident memory right after loading.
    public var residentAfterLoadBytes: Int
    /// The process's peak resident memory (`ru_maxrss`) at the end.
    public var peakResidentBytes: Int

    public init(workload: String, loadSeconds: Double, callSeconds: [Double], residentAfterLoadBytes: Int,
                peakResidentBytes: Int) {
        self.workload = workload
        self.loadSeconds = loadSeconds
        self.callSeconds = callSeconds
        self.residentAfterLoadBytes = residentAfterLoadBytes
        self.peakResidentBytes = peakResidentBytes
    }

    /// The first call's time.
    public var coldSeconds: Double { callSeconds.first ?? 0 }

    /// The median of calls 2...N (the mean of the middle two for an even count), or nil after one call.
    public var steadySeconds: Double? {
        let steady = callSeconds.dropFirst().sorted()
        guard !steady.isEmpty else { return nil }
        let middle = steady.count / 2
        return steady.count % 2 == 1 ? steady[middle] : (steady[middle - 1] + steady[middle]) / 2
    }
}

/// Runs `body` `calls` times (at least once) and returns each call's wall time in seconds.
func timedCalls(_ calls: Int, _ body: () throws -> Void) rethrows -> [Double] {
    try (0..<max(1, calls)).map { _ in
        let start = now()
        try body()
        return now() - start
    }
}

/// Peak memory and time of the Wan components at real sizes: transformer calls and streamed VAE
/// decodes, each from a diffusers folder (tools/bench/make_random_wan.py writes one with random
/// weights), repeated `calls` times in one process so the first (cold) call and the steady state
/// both show. Run each part in its own process: the peak is per process.
public enum WanMemoryBenchmark {
    /// `calls` transformer calls on latents of `request`'s size (timestep 999, a 512-row text context of
    /// `promptTokens` random rows and zero rows after them, as WanPipeline pads a prompt, and for a VACE
    /// model a random control, as one denoising pass) at `dtype`'s precision policy.
    public static func transformer(files: WanModelFiles, dtype: DType, request: ValidatedRequest,
                                   promptTokens: Int = 512, calls: Int = 1) throws -> WanMemoryMeasurement {
        let backend = CPUBackend()
        let start = now()
        let model = try files.loadTransformer(dtype: dtype, uploadingTo: backend)  // as the pipeline loads it
        let loaded = now()
        let resident = currentResidentBytes()
        let (height, width, frames, shape) = (request.height, request.width, request.frames, request.latentShape)
        let latents = try backend.cast(randomTensor(shape, seed: 1), to: dtype)  // [1, 16, T, h, w]
        let rows = min(max(promptTokens, 0), 512)
        let prompt = try backend.cast(randomTensor([1, rows, model.config.textDim], seed: 2), to: dtype)
        let padding = try Tensor(allocating: [1, 512 - rows, model.config.textDim], dtype: dtype)  // zeroed
        let context = rows == 512 ? prompt : try backend.concat([prompt, padding], axis: 1)  // [1, 512, 4096]
        let timestep = try Tensor([999], shape: [1])
        let weights = files.transformerOverride.map { " from " + ($0.split(separator: "/").last.map(String.init) ?? $0) } ?? ""
        // A VACE model gets a random control of the latents' size at scale 1.
        let control = try model.config.vaceInChannels.map { channels in
            VACEControl(context: try backend.cast(randomTensor([1, channels] + shape.dropFirst(2), seed: 4), to: dtype))
        }
        let controlText = control.map { ", VACE control \($0.context.shape)" } ?? ""
        let times = try timedCalls(calls) {
            _ = try model(latents: latents, timestep: timestep, context: context, control: control, on: backend)  // [1, 16, T, h, w]
        }
        return WanMemoryMeasurement(
            workload: "transformer \(dtype.rawValue)\(weights), \(height)x\(width)x\(frames) (latents \(shape), context [1, 512, \(model.config.textDim)]\(rows < 512 ? " of \(rows) prompt rows" : "")\(controlText))",
            loadSeconds: loaded - start, callSeconds: times, residentAfterLoadBytes: resident,
            peakResidentBytes: peakResidentBytes())
    }

    /// `calls` VAE decodes of a video of `request`'s size, with `weightType` weights (f32, the
    /// reference pipeline's, or bf16), streamed: each time chunk's frames are handed over and
    /// dropped, as a video writer would take them. `progress` gets (chunk, chunks) after each chunk.
    public static func vaeDecode(files: WanModelFiles, request: ValidatedRequest, weightType: DType = .float32,
                                 calls: Int = 1, progress: (Int, Int) -> Void = { _, _ in }) throws -> WanMemoryMeasurement {
        let backend = CPUBackend()
        let start = now()
        let vae = try files.loadVAE(weightType: weightType, parts: .decoder)
        let loaded = now()
        let resident = currentResidentBytes()
        let (height, width, shape) = (request.height, request.width, request.latentShape)
        let latents = try randomTensor(shape, seed: 3)  // [1, 16, T, h, w]
        var decodedFrames = 0
        let times = try timedCalls(calls) {
            decodedFrames = 0
            try vae.decode(latents, on: backend) { chunk in
                decodedFrames += chunk.frames.shape[2]
                progress(chunk.index + 1, chunk.count)
            }
        }
        return WanMemoryMeasurement(
            workload: "VAE decode \(weightType.rawValue), latents \(shape) → \(decodedFrames) frames of \(height)x\(width), streamed",
            loadSeconds: loaded - start, callSeconds: times, residentAfterLoadBytes: resident,
            peakResidentBytes: peakResidentBytes())
    }
}
