import CPUBackend
import Pipelines
import Tensor
#if canImport(Glibc)
import Glibc
#endif

/// Before any model loads: works out the run's peak memory and arithmetic (``RunEstimate``) and
/// refuses a run that cannot fit in the memory this process may use (saying what size would).
/// `window` is the longest window of a run made in windows.
func checkResources(_ generator: Generator, _ request: ValidatedRequest, window: Int? = nil) throws -> RunEstimate {
    try generator.checkMemory(request, window: window)
}

/// Prints the estimate, with the time it comes to on this machine, as the run starts.
func announce(_ estimate: RunEstimate, precision: WanPrecision) {
    let seconds = estimatedSeconds(estimate, precision: precision)
    writeError("estimate: about \(memoryText(estimate.peakBytes)) of memory at the peak (\(estimate.peakStage)), \(estimate.transformerCalls) transformer calls, about \(duration(seconds))\n")
}

/// Seconds for the estimate's arithmetic at this machine's matrix-multiply rate, measured now on a
/// small product (a few milliseconds) in the transformer's precision. The transformer runs at about
/// 55 % of that rate and the VAE decode at about 35 % (docs/performance.md); small models add a
/// fixed cost per call that the rate does not see.
private func estimatedSeconds(_ estimate: RunEstimate, precision: WanPrecision) -> Double {
    let rate = measuredGEMMRate(precision.transformer) ?? 1e11
    let f32Rate = precision.transformer == .float32 ? rate : (measuredGEMMRate(.float32) ?? rate / 2)
    return estimate.transformerFLOPs / (rate * 0.55) + estimate.decodeFLOPs / (f32Rate * 0.35)
        + Double(estimate.transformerCalls) * 0.002
}

/// FLOP/s of a 256x1024x1024 product on the CPU backend in `type`, the best of three; nil if it fails.
private func measuredGEMMRate(_ type: DType) -> Double? {
    let backend = CPUBackend()
    guard let a = try? backend.cast(Tensor([Float](repeating: 0.5, count: 256 * 1024), shape: [256, 1024]), to: type),
          let b = try? backend.cast(Tensor([Float](repeating: 0.25, count: 1024 * 1024), shape: [1024, 1024]), to: type)
    else { return nil }
    var best = Double.infinity
    for _ in 0..<3 {
        let start = monotonicSeconds()
        guard (try? backend.matmul(a, b)) != nil else { return nil }
        best = min(best, monotonicSeconds() - start)
    }
    return best > 0 ? 2 * 256 * 1024 * 1024 / best : nil
}

private func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

private func duration(_ seconds: Double) -> String {
    if seconds < 90 { return "\(max(1, Int(seconds.rounded()))) s" }
    if seconds < 5400 { return "\(Int((seconds / 60).rounded())) min" }
    return "\(Double(Int(seconds / 360 + 0.5)) / 10) h"
}

