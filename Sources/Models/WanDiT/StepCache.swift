import Tensor

/// Step caching for one stream of transformer calls (TeaCache's rule on the first block's modulated
/// input; docs/few-step.md, "Step caching"): consecutive denoising steps often change the
/// transformer's input little, and then the block stack adds nearly the same residual. Each call
/// compares block 0's modulated input m with the previous call's and accumulates the relative L1
/// distance `mean|m − m_prev| / mean|m_prev|`; while the sum stays below ``threshold`` the blocks are
/// skipped and the residual (output − input of the block stack) of the last computed call is added
/// instead. A computed call resets the sum.
///
/// Pass one cache per stream to ``WanTransformer/callAsFunction(latents:timestep:context:control:cache:taps:on:)``:
/// with guidance the conditional and unconditional passes each need their own. Set
/// ``mustCompute`` for calls that must run the blocks (the first and last steps). A threshold of 0
/// never skips, and the output is then bit for bit that of a call without a cache.
public final class StepCache: @unchecked Sendable {
    /// The accumulated relative distance below which a call is skipped.
    public let threshold: Double
    /// Calls that ran the block stack.
    public private(set) var computed = 0
    /// Calls that reused the cached residual.
    public private(set) var skipped = 0
    /// Whether the next call must run the blocks; the caller sets it before each call.
    public var mustCompute = true

    private var previousInput: [Float]?
    private var accumulated = 0.0
    /// The last computed residual `[B, N, D]` float32.
    private var residual: Tensor?

    /// A cache that skips while the accumulated distance is below `threshold` (0 or more).
    public init(threshold: Double) {
        self.threshold = max(0, threshold)
    }

    /// Records block 0's modulated input `[B, N, D]` and decides: true when the blocks may be skipped.
    func shouldSkip(modulatedInput: Tensor, on backend: any Backend) throws -> Bool {
        let current = try backend.download(modulatedInput).floats()
        defer { previousInput = current }
        guard !mustCompute, let previous = previousInput, previous.count == current.count, residual != nil else {
            accumulated = 0
            return false
        }
        var difference = 0.0, magnitude = 0.0
        for (a, b) in zip(current, previous) {
            difference += Double(abs(a - b))
            magnitude += Double(abs(b))
        }
        accumulated += magnitude > 0 ? difference / magnitude : .infinity
        guard accumulated < threshold else {
            accumulated = 0
            return false
        }
        return true
    }

    /// `x` `[B, N, D]` plus the cached residual, in `x`'s dtype (float32 sum).
    func applyResidual(to x: Tensor, on backend: any Backend) throws -> Tensor {
        guard let residual, residual.shape == x.shape else {
            throw WanTransformerError.invalidInput("the step cache holds no residual of shape \(x.shape)")
        }
        skipped += 1
        let sum = try backend.add(try backend.cast(x, to: .float32), residual)  // [B, N, D] f32
        return x.dtype == .float32 ? sum : try backend.cast(sum, to: x.dtype)
    }

    /// Keeps `output − input` of a computed block stack (float32).
    func store(input: Tensor, output: Tensor, on backend: any Backend) throws {
        computed += 1
        residual = try backend.sub(try backend.cast(output, to: .float32), try backend.cast(input, to: .float32))  // [B, N, D]
    }
}
