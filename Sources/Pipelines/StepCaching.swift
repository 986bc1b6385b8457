import WanDiT

/// The transformer calls of one denoising run, and its step caching (design: the "Cached" strategy;
/// docs/few-step.md, "Step caching"). With a threshold, the conditional and the unconditional pass
/// each keep a ``WanDiT/StepCache``, and the first and the last step of the run always run every
/// block. A reference type, so that the count survives the velocity model being copied into the loop.
final class TransformerCalls {
    private let first: Int
    private let last: Int
    private let conditional: StepCache?
    private let unconditional: StepCache?
    private var made = 0

    /// Calls of a run from step `firstStep` to `lastStep`, cached below `threshold` (nil: no caching).
    init(threshold: Double?, firstStep: Int, lastStep: Int) {
        (first, last) = (firstStep, lastStep)
        conditional = threshold.map { StepCache(threshold: $0) }
        unconditional = threshold.map { StepCache(threshold: $0) }
    }

    /// The caches for the calls of step `index`, told whether that step must run the blocks; nil
    /// without caching.
    func caches(at index: Int) -> (conditional: StepCache, unconditional: StepCache)? {
        guard let conditional, let unconditional else { return nil }
        let mustCompute = index <= first || index >= last
        conditional.mustCompute = mustCompute
        unconditional.mustCompute = mustCompute
        return (conditional, unconditional)
    }

    /// Counts one call.
    func record() { made += 1 }

    /// The calls so far: all of them computed without caching; with it, as the caches counted.
    var count: TransformerCallCount {
        let skipped = (conditional?.skipped ?? 0) + (unconditional?.skipped ?? 0)
        return TransformerCallCount(computed: made - skipped, skipped: skipped)
    }
}
