import CLIPVision
import Media
import Sampling
import Tensor
import WanDiT
import WanVAE

/// The one generation path every mode takes, in numbered stages (text to video is diffusers'
/// `WanPipeline.__call__`, docs/wan-reference.md §6):
/// 1 encode the prompts, 2 build the schedule, 3 build the canvas (encode the input images and
/// videos), 4 draw the initial latents, 5 denoise over the velocity model and its strategies,
/// 6 decode in time chunks into the output plan. Each model is asked for when its stage starts and
/// let go when it ends: without a ``ModelCache`` it is loaded then and released after, so only one
/// is in memory at a time; with one, the cache keeps it for the next generation within its budget.
struct GenerationCore: Sendable {
    let files: WanModelFiles
    let precision: WanPrecision
    let backend: any Backend
    var cache: ModelCache? = nil

    private var components: ComponentLoader {
        ComponentLoader(files: files, precision: precision, backend: backend, cache: cache)
    }

    func run(_ request: ValidatedRequest, noise: Tensor?, onProgress: (GenerationProgress) -> Void,
             onFrames: (Tensor) throws -> Void, isCancelled: () -> Bool) throws -> Tensor {
        try withoutActuallyEscaping(onProgress) { onProgress in
            try run(request, noise: noise, clock: ProgressClock(onProgress: onProgress), onFrames: onFrames, isCancelled: isCancelled)
        }
    }

    private func run(_ request: ValidatedRequest, noise: Tensor?, clock: ProgressClock,
                     onFrames: (Tensor) throws -> Void, isCancelled: () -> Bool) throws -> Tensor {
        func checkCancelled() throws { if isCancelled() { throw GenerationError.cancelled } }
        if let noise { try request.check(noise: noise) }
        // An image-to-video model without its image encoder is found before any work.
        if request.family.takesImageChannels { try files.checkImageEncoder() }
        // A tiny decoder that cannot decode these latents is found now, not after the denoising; it is
        // small (some 40 MB), so it is kept for the decode instead of being read again.
        let tinyDecoder = try components.tinyDecoder(latentChannels: request.latentShape[1])

        // 1. Prompts → text context (the encoder is released, or left to the cache, when this scope ends).
        clock.report(.encodingPrompt, 0, 1)
        let contexts = try encodePrompts(request)
        try checkCancelled()

        // 2. Schedule.
        let scheduler = try files.schedulerConfig().overriding(sampler: request.sampler, shift: request.shift)

        // 3. Canvas: the known latents of the inputs, encoded by the VAE's encoder alone.
        let (canvas, output) = try buildCanvas(request, clock: clock)
        try checkCancelled()
        // 4. Initial latents: the noise, or (a remix) the known latents noised to the start step's level.
        //    The renoise sampler's fresh noise for each later step follows the initial noise.
        let draws = try initialNoise(request, noise: noise)  // [1 + D, C, T, h, w] f32
        let noise = try backend.slice(draws, axis: 0, start: 0, end: 1)  // [1, C, T, h, w]
        let fresh = try (0..<request.freshNoiseDraws).map { try backend.slice(draws, axis: 0, start: $0 + 1, end: $0 + 2) }
        var sampler = try scheduler.makeSampler(list: request.timesteps, steps: request.steps, startingAt: canvas.startStep,
                                                freshNoise: fresh)
        var latents = noise
        if canvas.startsFromKnown, let known = canvas.known {
            latents = try sampler.schedule.noised(known, noise: noise, at: canvas.startStep, on: backend)
        } else if let renoise = sampler as? RenoiseSampler {
            latents = try renoise.initialSample(noise: noise, on: backend)
        }

        // 5. Denoise.
        do {
            clock.report(.loadingTransformer, 0, 1)
            let transformer = try components.transformer()
            let dtype = precision.transformer
            let calls = TransformerCalls(threshold: request.cache, firstStep: canvas.startStep, lastStep: request.steps - 1)
            // The same image tokens go with both prompts (diffusers' I2V), in the transformer's dtype.
            let imageTokens = try canvas.imageTokens.map { try backend.cast($0, to: dtype) }
            func encoded(_ context: Tensor) throws -> EncodedContext {
                try transformer.encodeContext(try backend.cast(context, to: dtype), imageContext: imageTokens, on: backend)
            }
            var guided = GuidedTransformer(
                transformer: transformer, conditional: try encoded(contexts.conditional),
                unconditional: try contexts.unconditional.map(encoded),
                scale: Float(request.guidance), dtype: dtype, calls: calls)
            guided.condition = canvas.condition
            guided.control = try canvas.control.map { try vaceControl($0, request: request, dtype: dtype) }
            var model: any VelocityModel = guided
            if output.loop {
                model = LatentShift(inner: model, skip: LatentShift.defaultSkip(frames: canvas.shape[2] - canvas.referenceLatents),
                                    head: canvas.referenceLatents)
            }
            if let keep = canvas.keep, let known = canvas.known {
                model = try MaskedReplacement(inner: model, known: known, keep: keep, on: backend)
            }
            let steps = request.steps - canvas.startStep
            var loop = DenoiseLoop(model: model, sampler: sampler, latents: latents)
            clock.beginStage(.denoising, total: steps)
            try checkCancelled()
            while let step = try loop.next(on: backend) {
                clock.report(.denoising, step.index + 1 - canvas.startStep, steps,
                             calls: loop.isFinished ? calls.count : nil)
                try checkCancelled()
            }
            latents = loop.latents
            sampler = loop.sampler
        }
        // What the canvas keeps is exactly the known latents at the end, whatever rounding the steps made.
        if let keep = canvas.keep, let known = canvas.known {
            latents = try pin(latents, known: known, keep: keep)
        }
        // A VACE model's reference frames are dropped: the video is what follows them.
        if canvas.referenceLatents > 0 {
            latents = try backend.slice(latents, axis: 2, start: canvas.referenceLatents, end: latents.shape[2])  // [1, C, T, h, w]
        }

        // 6. Decode into the output plan.
        let decoder: FrameDecoder = try tinyDecoder.map { FrameDecoder.tiny($0) }
            ?? .vae(try components.vaeDecoder())
        try OutputDecoder(decoder: decoder, backend: backend, plan: output, clock: clock,
                          temporalCompression: request.geometry.temporalCompression)
            .decode(latents, onFrames: onFrames, checkCancelled: checkCancelled)
        clock.report(.finished, 1, 1)
        return latents
    }

    /// The conditional context and, with guidance, the negative prompt's.
    private func encodePrompts(_ request: ValidatedRequest) throws -> (conditional: Tensor, unconditional: Tensor?) {
        let encoder = PromptEncoder(tokenizer: try components.tokenizer(), textEncoder: try components.textEncoder())
        let conditional = try encoder.encode([request.prompt], on: backend)  // [1, 512, D_text]
        let unconditional = request.usesGuidance ? try encoder.encode([request.negativePrompt], on: backend) : nil
        return (conditional, unconditional)
    }

    /// A VACE model's control: the context in the transformer's dtype (diffusers casts it so) and the
    /// request's scales (1 on every VACE layer when it gives none).
    private func vaceControl(_ context: Tensor, request: ValidatedRequest, dtype: DType) throws -> VACEControl {
        let scales = request.conditioning.controlScales.map(Float.init)
        let cast = try backend.cast(context, to: dtype)  // [1, 96, R + T, h, w]
        return scales.count > 1 ? try VACEControl(context: cast, scales: scales) : VACEControl(context: cast, scale: scales.first ?? 1)
    }

    /// The CLIP tokens of `images` for an image-to-video model: each image through the folder's image
    /// processor and encoder (`hidden_states[-2]`), the images' tokens one after the other `[1, n·M, width]`.
    private func embedImages(_ images: [VideoFrames], clock: ProgressClock) throws -> Tensor {
        clock.report(.encodingInputs, 0, 1)
        let (encoder, processor) = (try components.imageEncoder(), try files.imageProcessor())
        let pixels = try images.map { image in
            try backend.upload(try processor.pixels(rgb: Array(image.pixels.prefix(image.width * image.height * 3)),
                                                    width: image.width, height: image.height))  // [1, 3, S, S]
        }
        let tokens = try encoder.penultimateHiddenStates(try backend.concat(pixels, axis: 0), on: backend)  // [n, M, width]
        let (n, m, width) = (tokens.shape[0], tokens.shape[1], tokens.shape[2])
        return try backend.cast(tokens, to: .float32).reshaped([1, n * m, width])  // [1, n·M, width]
    }

    /// The canvas, loading the VAE's encoder only when the mode has inputs to encode.
    private func buildCanvas(_ request: ValidatedRequest, clock: ProgressClock) throws -> (Canvas, OutputPlan) {
        let builder = CanvasBuilder(request: request, backend: backend)
        var encoder: WanAutoencoder?
        return try builder.build(embedImages: { try embedImages($0, clock: clock) }) { video in
            if encoder == nil {
                clock.report(.encodingInputs, 0, 1)
                encoder = try components.vaeEncoder()
            }
            guard let vae = encoder else { throw GenerationError.invalidRequest("the VAE encoder did not load") }
            let pixels = try backend.upload(try backend.cast(video, to: .float32))  // [1, 3, F, H, W]
            // The posterior's mode (diffusers' `sample_mode="argmax"`), normalised as the pipelines do.
            let mean = try vae.encode(pixels, on: backend).mean  // [1, C, T, h, w]
            return try vae.normalize(try backend.cast(mean, to: .float32), on: backend)
        }
    }

    /// All the noise the run draws, ``ValidatedRequest/noiseShape``: the given noise, or the seed's.
    private func initialNoise(_ request: ValidatedRequest, noise: Tensor?) throws -> Tensor {
        guard let noise else {
            var generator = GaussianNoise(seed: request.seed)
            return try backend.upload(generator.tensor(request.noiseShape))
        }
        return try backend.upload(try backend.cast(noise, to: .float32))
    }

    /// `k·y + (1 − k)·x`, in float32, returned in `x`'s dtype.
    private func pin(_ x: Tensor, known: Tensor, keep: Tensor) throws -> Tensor {
        let x32 = x.dtype == .float32 ? x : try backend.cast(x, to: .float32)
        let free = try backend.affine(keep, scale: -1, offset: 1)
        let pinned = try backend.add(try backend.mul(keep, known), try backend.mul(free, x32))  // [1, C, T, h, w]
        return x.dtype == .float32 ? pinned : try backend.cast(pinned, to: x.dtype)
    }
}

/// Reports progress with the time so far and, once a stage has taken a step, its estimated remainder.
final class ProgressClock {
    private let onProgress: (GenerationProgress) -> Void
    private let start = monotonicSeconds()
    private var stageStart: (stage: GenerationStage, time: Double)?

    init(onProgress: @escaping (GenerationProgress) -> Void) { self.onProgress = onProgress }

    /// Starts timing `stage` and reports its step 0.
    func beginStage(_ stage: GenerationStage, total: Int) {
        stageStart = (stage, monotonicSeconds())
        report(stage, 0, total)
    }

    func report(_ stage: GenerationStage, _ step: Int, _ total: Int, calls: TransformerCallCount? = nil) {
        let now = monotonicSeconds()
        var remaining: Double?
        if let begun = stageStart, begun.stage == stage, step > 0 {
            remaining = (now - begun.time) / Double(step) * Double(total - step)
        }
        onProgress(GenerationProgress(stage: stage, step: step, total: total, elapsed: now - start, remaining: remaining,
                                      transformerCalls: calls))
    }
}
