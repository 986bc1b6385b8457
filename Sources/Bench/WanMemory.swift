import CPUBackend
import Pipelines
import Tensor
import WanDiT

/// What one Wan model call cost: wall times and resident memory, for docs/performance.md.
public struct WanMemoryMeasurement: Sendable {
    /// What ran, e.g. "transformer bf16, latents [1, 16, 5, 32, 32], context [1, 512, 4096]".
    public var workload: String
    /// Building the model from its folder (reading and converting the weights).
    public var loadSeconds: Double
    /// The call itself.
    public var runSeconds: Double
    /// Resident memory right after loading.
    public var residentAfterLoadBytes: Int
    /// The process's peak resident memory (`ru_maxrss`) at the end.
    public var peakResidentBytes: Int
}

/// Peak memory of the Wan components at real sizes: one transformer call and one streamed VAE
/// decode, each from a diffusers folder (tools/bench/make_random_wan.py writes one with random
/// weights). Run each in its own process: the peak is per process.
public enum WanMemoryBenchmark {
    /// One transformer call on latents of `request`'s size (timestep 999, a random 512-row text
    /// context, and for a VACE model a random control, as one denoising pass) at `dtype`'s precision policy.
    public static func transformer(files: WanModelFiles, dtype: DType, request: ValidatedRequest) throws -> WanMemoryMeasurement {
        let backend = CPUBackend()
        let start = now()
        let model = try files.loadTransformer(dtype: dtype)
        let loaded = now()
        let resident = currentResidentBytes()
        let (height, width, frames, shape) = (request.height, request.width, request.frames, request.latentShape)
        let latents = try backend.cast(randomTensor(shape, seed: 1), to: dtype)  // [1, 16, T, h, w]
        let context = try backend.cast(randomTensor([1, 512, model.config.textDim], seed: 2), to: dtype)  // [1, 512, 4096]
        let timestep = try Tensor([999], shape: [1])
        let weights = files.transformerOverride.map { " from " + ($0.split(separator: "/").last.map(String.init) ?? $0) } ?? ""
        // A VACE model gets a random control of the latents' size at scale 1.
        let control = try model.config.vaceInChannels.map { channels in
            VACEControl(context: try backend.cast(randomTensor([1, channels] + shape.dropFirst(2), seed: 4), to: dtype))
        }
        let controlText = control.map { ", VACE control \($0.context.shape)" } ?? ""
        _ = try model(latents: latents, timestep: timestep, context: context, control: control, on: backend)  // [1, 16, T, h, w]
        let done = now()
        return WanMemoryMeasurement(
            workload: "transformer \(dtype.rawValue)\(weights), \(height)x\(width)x\(frames) (latents \(shape), context [1, 512, \(model.config.textDim)]\(controlText))",
            loadSeconds: loaded - start, runSeconds: done - loaded, residentAfterLoadBytes: resident,
            peakResidentBytes: peakResidentBytes())
    }

    /// One fp32 VAE decode of a video of `request`'s size, streamed: each time chunk's frames are
    /// handed over and dropped, as a video writer would take them. `progress` gets (chunk, chunks)
    /// after each chunk.
    public static func vaeDecode(files: WanModelFiles, request: ValidatedRequest,
                                 progress: (Int, Int) -> Void = { _, _ in }) throws -> WanMemoryMeasurement {
        let backend = CPUBackend()
        let start = now()
        let vae = try files.loadVAE(weightType: .float32, parts: .decoder)
        let loaded = now()
        let resident = currentResidentBytes()
        let (height, width, shape) = (request.height, request.width, request.latentShape)
        let latents = try randomTensor(shape, seed: 3)  // [1, 16, T, h, w]
        var decodedFrames = 0
        try vae.decode(latents, on: backend) { chunk in
            decodedFrames += chunk.frames.shape[2]
            progress(chunk.index + 1, chunk.count)
        }
        let done = now()
        return WanMemoryMeasurement(
            workload: "VAE decode f32, latents \(shape) → \(decodedFrames) frames of \(height)x\(width), streamed",
            loadSeconds: loaded - start, runSeconds: done - loaded, residentAfterLoadBytes: resident,
            peakResidentBytes: peakResidentBytes())
    }
}
