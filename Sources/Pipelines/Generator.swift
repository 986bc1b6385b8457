import Tensor

/// The generation engine the CLI and the server call: one request in, one cancellable stream of
/// events out (progress, output frames, the final latents). It resolves the request's model id
/// through its ``ModelStore``, validates the request against that model's defaults and latent
/// geometry, and runs every mode (text, image, remix, edit, outpaint, extend, connect, loop) through
/// the one generation core: a canvas plus strategies over the denoise loop.
///
/// Without a ``ModelCache`` each stage loads its model and releases it after, the lowest peak memory
/// (the CLI runs so); a long-lived process passes one to keep models loaded between generations.
///
/// ```swift
/// let generator = Generator(store: try ModelStore(single: ModelSource(folder: "models/zoetrope-tiny")),
///                           backend: CPUBackend())
/// let request = try generator.validate(GenerationRequest(prompt: "a red ball on the grass", seed: 1))
/// for try await event in generator.events(request) { ... }
/// ```
public struct Generator: Sendable {
    public let store: ModelStore
    public let precision: WanPrecision
    public let backend: any Backend
    /// Where loaded models are kept between generations; nil loads each one for every stage that needs it.
    public let cache: ModelCache?

    /// A generator of `store`'s models at `precision` on `backend`, keeping models in `cache` when
    /// one is given (generators may share a cache).
    public init(store: ModelStore, precision: WanPrecision = .reference, backend: any Backend, cache: ModelCache? = nil) {
        self.store = store
        self.precision = precision
        self.backend = backend
        self.cache = cache
    }

    /// `request` checked against its model: defaults filled in, sizes, lengths and inputs validated.
    /// Throws ``GenerationError`` (one sentence) or the model folder's own error.
    public func validate(_ request: GenerationRequest) throws -> ValidatedRequest {
        try store.validate(request)
    }

    /// Runs `request` on the calling thread. `noise` replaces the seeded noise (it must have the
    /// request's ``ValidatedRequest/latentShape``); `onFrames` receives the output video in order,
    /// chunk by chunk `[1, 3, t, H, W]` in [−1, 1]; `isCancelled` is asked between steps and chunks.
    /// Returns the final latents. Throws ``GenerationError/cancelled`` when cancelled.
    public func run(_ request: ValidatedRequest, noise: Tensor? = nil,
                    onProgress: (GenerationProgress) -> Void = { _ in },
                    onFrames: (Tensor) throws -> Void = { _ in },
                    isCancelled: () -> Bool = { false }) throws -> Tensor {
        try core(for: request).run(request, noise: noise, onProgress: onProgress, onFrames: onFrames, isCancelled: isCancelled)
    }

    /// The generation as an asynchronous sequence of events, run on its own thread once made. Ending
    /// the iteration or cancelling the consuming task cancels it at the next step or chunk, which then
    /// finishes with ``GenerationError/cancelled``.
    public func events(_ request: ValidatedRequest, noise: Tensor? = nil) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let generator = self
        return eventStream { onProgress, onFrames, isCancelled in
            try generator.core(for: request).run(request, noise: noise, onProgress: onProgress, onFrames: onFrames,
                                                 isCancelled: isCancelled)
        }
    }

    private func core(for request: ValidatedRequest) throws -> GenerationCore {
        GenerationCore(files: try store.files(for: request.model).files, precision: precision, backend: backend, cache: cache)
    }
}
