import Tensor

/// Text to video with one Wan model folder: the generation core with an empty canvas, kept as the
/// simple entry point for callers that hold a ``WanModelFiles`` rather than a ``ModelStore``. It runs
/// diffusers' `WanPipeline.__call__` stages (docs/wan-reference.md §6) exactly; ``Generator`` runs
/// every other mode through the same core.
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
        try GenerationCore(files: files, precision: precision, backend: backend)
            .run(request, noise: noise, onProgress: onProgress, onFrames: onFrames, isCancelled: isCancelled)
    }

    /// The generation as an asynchronous sequence of events (see ``Generator/events(_:noise:)``).
    public func events(_ request: ValidatedRequest, noise: Tensor? = nil) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let core = GenerationCore(files: files, precision: precision, backend: backend)
        return eventStream { onProgress, onFrames, isCancelled in
            try core.run(request, noise: noise, onProgress: onProgress, onFrames: onFrames, isCancelled: isCancelled)
        }
    }
}
