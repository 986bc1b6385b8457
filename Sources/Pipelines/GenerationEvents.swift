#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Tensor

/// Where a generation is.
public enum GenerationStage: String, Sendable, CaseIterable {
    case encodingPrompt = "encoding prompt"
    /// Images and videos encoded into the canvas's known latents (modes other than text and loop).
    case encodingInputs = "encoding inputs"
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
    /// On the last denoising step's report only: the transformer calls the run made and skipped.
    public var transformerCalls: TransformerCallCount?

    public init(stage: GenerationStage, step: Int, total: Int, elapsed: Double, remaining: Double?,
                transformerCalls: TransformerCallCount? = nil) {
        self.stage = stage; self.step = step; self.total = total; self.elapsed = elapsed; self.remaining = remaining
        self.transformerCalls = transformerCalls
    }
}

/// The transformer calls of a denoising run: those that ran the block stack and those the step cache
/// answered with its cached residual.
public struct TransformerCallCount: Sendable, Equatable {
    /// Calls that ran every block.
    public var computed: Int
    /// Calls whose blocks the step cache skipped.
    public var skipped: Int

    public init(computed: Int, skipped: Int) { self.computed = computed; self.skipped = skipped }
}

/// What a generation reports, in order: progress, output frames as they come, then the final latents.
public enum GenerationEvent: Sendable {
    case progress(GenerationProgress)
    /// A chunk of the output video `[1, 3, t, H, W]` in [−1, 1], in order.
    case frames(Tensor)
    /// The final latents (before decoding); the last event.
    case finished(latents: Tensor)
}

/// Turns a synchronous generation (callbacks for progress and frames, a cancellation query) into an
/// asynchronous sequence of events. The body runs on its own thread once the stream is made (model
/// code is synchronous and CPU-bound); ending the iteration or cancelling the consuming task cancels
/// the generation at the next step or chunk, which then finishes with ``GenerationError/cancelled``.
func eventStream(
    _ body: @escaping @Sendable (_ onProgress: (GenerationProgress) -> Void, _ onFrames: (Tensor) throws -> Void,
                                 _ isCancelled: () -> Bool) throws -> Tensor
) -> AsyncThrowingStream<GenerationEvent, any Error> {
    let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
    let cancelled = CancellationFlag()
    continuation.onTermination = { _ in cancelled.set() }
    runOnOwnThread {
        do {
            let latents = try body({ continuation.yield(.progress($0)) }, { continuation.yield(.frames($0)) },
                                   { cancelled.isSet })
            continuation.yield(.finished(latents: latents))
            continuation.finish()
        } catch {
            continuation.finish(throwing: error)
        }
    }
    return stream
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
