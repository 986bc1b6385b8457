#if canImport(Glibc)
import Glibc
#endif
import Sampling
import Synchronization
import Tensor
import WanDiT
import WanVAE

/// Where a generation is.
public enum GenerationStage: String, Sendable, CaseIterable {
    case encodingPrompt = "encoding prompt"
    case loadingTransformer = "loading transformer"
    case denoising
    case decoding
    case finished
}

/// A progress report: the stage, the step within it (denoising steps, decoded chunks), time so far,
/// and an estimate of the time the stage still needs once one step has been timed.
public struct GenerationProgress: Sendable, Equatable {
    public var stage: GenerationStage
    public var step: Int
    public var total: Int
    /// Seconds since the generation started.
    public var elapsed: Double
    /// Seconds the current stage still needs, from the average step so far; nil before the first step.
    public var remaining: Double?
}

/// Text to video with a Wan model (diffusers' `WanPipeline.__call__`, docs/wan-reference.md §6.1), in numbered stages:
/// 1 encode the prompts, 2 build the schedule, 3 draw the initial latents, 4 denoise with guidance,
/// 5 decode in time chunks. Each model is loaded when its stage starts and released when it ends, so
/// the text encoder is gone before the transformer loads and the transformer before the VAE.
public struct TextToVideo: Sendable {
    public let files: WanModelFiles
    public let precision: WanPrecision
    public let backend: any Backend

    public init(files: WanModelFiles, precision: WanPrecision = .reference, backend: any Backend) {
        self.files = files
        self.precision = precision
        self.backend = backend
    }

    /// Runs `request`. `noise` replaces the seeded initial latents (it must have the request's latent
    /// shape). `onFrames` receives each decoded chunk `[1, 3, t, H, W]` in [−1, 1] as soon as it is
    /// ready; `isCancelled` is asked between steps and chunks. Returns the final latents (before
    /// decoding). Throws ``GenerationError/cancelled`` when cancelled.
    public func run(_ request: ValidatedRequest, noise: Tensor? = nil,
                    onProgress: (GenerationProgress) -> Void = { _ in },
                    onFrames: (Tensor) throws -> Void = { _ in },
                    isCancelled: () -> Bool = { false }) throws -> Tensor {
        let start = monotonicSeconds()
        func report(_ stage: GenerationStage, _ step: Int, _ total: Int, stageStart: Double? = nil) {
            let now = monotonicSeconds()
            let remaining = stageStart.flatMap { begin in step > 0 ? (now - begin) / Double(step) * Double(total - step) : nil }
            onProgress(GenerationProgress(stage: stage, step: step, total: total, elapsed: now - start, remaining: remaining))
        }
        func checkCancelled() throws { if isCancelled() { throw GenerationError.cancelled } }

        // 1. Prompts → text context (the encoder is released when this scope ends).
        report(.encodingPrompt, 0, 1)
        let contexts = try encodePrompts(request)
        try checkCancelled()

        // 2. Schedule, 3. initial latents.
        let scheduler = try files.schedulerConfig().overriding(sampler: request.sampler, shift: request.shift)
        var sampler = try scheduler.makeSampler(steps: request.steps)
        var latents = try initialLatents(request, noise: noise)  // [1, 16, T, h, w] fp32

        // 4. Denoise.
        do {
            report(.loadingTransformer, 0, 1)
            let transformer = try files.loadTransformer(dtype: precision.transformer, uploadingTo: backend)
            let modelType = precision.transformer
            let conditional = try transformer.encodeContext(try backend.cast(contexts.conditional, to: modelType), on: backend)
            let unconditional = try contexts.unconditional.map {
                try transformer.encodeContext(try backend.cast($0, to: modelType), on: backend)
            }
            let denoiseStart = monotonicSeconds()
            report(.denoising, 0, request.steps, stageStart: denoiseStart)
            while let t = sampler.currentTimestep {
                try checkCancelled()
                let input = try backend.cast(latents, to: modelType)  // [1, 16, T, h, w]
                let timestep = try Tensor([t], shape: [1])
                var velocity = try transformer(latents: input, timestep: timestep, context: conditional, on: backend)
                if let unconditional {
                    let uncond = try transformer(latents: input, timestep: timestep, context: unconditional, on: backend)
                    velocity = try guidance(conditional: velocity, unconditional: uncond, scale: Float(request.guidance), on: backend)
                }
                latents = try sampler.step(modelOutput: velocity, sample: latents, on: backend)
                report(.denoising, sampler.stepIndex, request.steps, stageStart: denoiseStart)
            }
        }

        // 5. Decode, one latent frame per chunk, handing frames over as they come.
        let vae = try files.loadVAE(weightType: precision.vae, parts: .decoder, uploadingTo: backend)
        let chunks = latents.shape[2], decodeStart = monotonicSeconds()
        report(.decoding, 0, chunks, stageStart: decodeStart)
        let z = try vae.denormalize(try backend.cast(latents, to: .float32), on: backend)  // [1, 16, T, h, w]
        try vae.decode(z, on: backend) { chunk in
            try onFrames(chunk.frames)
            report(.decoding, chunk.index + 1, chunk.count, stageStart: decodeStart)
            try checkCancelled()
        }
        report(.finished, 1, 1)
        return latents
    }

    /// The conditional context and, with guidance, the negative prompt's.
    private func encodePrompts(_ request: ValidatedRequest) throws -> (conditional: Tensor, unconditional: Tensor?) {
        let encoder = PromptEncoder(tokenizer: try files.loadTokenizer(),
                                    textEncoder: try files.loadTextEncoder(precision: precision.textEncoder, uploadingTo: backend))
        let conditional = try encoder.encode([request.prompt], on: backend)  // [1, 512, D_text]
        let unconditional = request.usesGuidance ? try encoder.encode([request.negativePrompt], on: backend) : nil
        return (conditional, unconditional)
    }

    private func initialLatents(_ request: ValidatedRequest, noise: Tensor?) throws -> Tensor {
        guard let noise else {
            var generator = GaussianNoise(seed: request.seed)
            return try backend.upload(generator.tensor(request.latentShape))
        }
        try request.check(noise: noise)
        return try backend.upload(try backend.cast(noise, to: .float32))
    }
}

/// Runs `body` on a new detached POSIX thread: hours of blocking model code must not sit on one of
/// Swift concurrency's few cooperative threads.
func runOnOwnThread(_ body: @escaping @Sendable () -> Void) {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    pthread_attr_setstacksize(&attributes, 8 << 20)
    defer { pthread_attr_destroy(&attributes) }
    var thread = pthread_t()
    let started = pthread_create(&thread, &attributes, { context in
        guard let context else { return nil }
        Unmanaged<Box>.fromOpaque(context).takeRetainedValue().body()
        return nil
    }, box)
    if started != 0 {
        // No thread could be made (resource limits): run here rather than lose the work.
        Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()
    }
}

/// A flag one thread sets and another reads.
final class CancellationFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var isSet: Bool { flag.withLock { $0 } }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// What a generation reports, in order: progress, decoded frames as they come, then the final latents.
public enum GenerationEvent: Sendable {
    case progress(GenerationProgress)
    /// A decoded chunk `[1, 3, t, H, W]` in [−1, 1].
    case frames(Tensor)
    /// The final latents (before decoding); the last event.
    case finished(latents: Tensor)
}

extension TextToVideo {
    /// The generation as an asynchronous sequence of events. It runs on its own thread once iterated
    /// (model code is synchronous and CPU-bound); ending the iteration or cancelling the consuming task
    /// cancels the generation at the next step or chunk, which then finishes with
    /// ``GenerationError/cancelled``.
    public func events(_ request: ValidatedRequest, noise: Tensor? = nil) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let cancelled = CancellationFlag()
        continuation.onTermination = { _ in cancelled.set() }
        let pipeline = self
        runOnOwnThread {
            do {
                let latents = try pipeline.run(
                    request, noise: noise,
                    onProgress: { continuation.yield(.progress($0)) },
                    onFrames: { continuation.yield(.frames($0)) },
                    isCancelled: { cancelled.isSet })
                continuation.yield(.finished(latents: latents))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        return stream
    }
}
