import CPUBackend
import Pipelines
import Tensor
#if canImport(Glibc)
import Glibc
#endif

/// Before any model loads: works out the run's peak memory and time (``RunEstimate``), refuses a run
/// that cannot fit in the memory this process may use (saying what size would), and prints the
/// estimate otherwise. `window` is the longest window of a run made in windows.
func checkResources(_ generator: Generator, _ request: ValidatedRequest, window: Int? = nil) throws {
    let estimate = try generator.estimate(request, window: window)
    let available = AvailableMemory.current()
    guard estimate.peakBytes <= available.bytes else {
        var message = "this \(request.width)x\(request.height) run needs about \(gibibytes(estimate.peakBytes)) of memory at its peak (\(estimate.peakStage)), more than the \(gibibytes(available.bytes)) available (\(available.source))"
        if let fit = try largestFitting(generator, request, window: window, within: available.bytes) {
            message += "; \(fit.width)x\(fit.height) would need about \(gibibytes(fit.bytes))"
        } else {
            message += "; no size fits"
        }
        throw CommandError(message)
    }
    let seconds = estimatedSeconds(estimate, precision: generator.precision)
    writeError("estimate: about \(gibibytes(estimate.peakBytes)) of memory at the peak (\(estimate.peakStage)), \(estimate.transformerCalls) transformer calls, about \(duration(seconds))\n")
}

/// The largest size of the request's aspect ratio (in the model's size steps) whose estimate fits.
private func largestFitting(_ generator: Generator, _ request: ValidatedRequest, window: Int?,
                            within bytes: Int) throws -> (width: Int, height: Int, bytes: Int)? {
    let step = request.geometry.sizeMultiple
    var scale = 0.9
    while scale > 0.01 {
        var smaller = request
        smaller.width = max(step, Int(Double(request.width) * scale) / step * step)
        smaller.height = max(step, Int(Double(request.height) * scale) / step * step)
        let peak = try generator.estimate(smaller, window: window).peakBytes
        if peak <= bytes { return (smaller.width, smaller.height, peak) }
        if smaller.width == step && smaller.height == step { return nil }
        scale *= 0.9
    }
    return nil
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

func gibibytes(_ bytes: Int) -> String {
    if bytes < 1 << 30 { return "\(max(1, Int((Double(bytes) / Double(1 << 20)).rounded()))) MiB" }
    let value = Double(bytes) / Double(1 << 30)
    return value >= 100 ? "\(Int(value.rounded())) GiB" : "\(Double(Int(value * 10 + 0.5)) / 10) GiB"
}

private func duration(_ seconds: Double) -> String {
    if seconds < 90 { return "\(max(1, Int(seconds.rounded()))) s" }
    if seconds < 5400 { return "\(Int((seconds / 60).rounded())) min" }
    return "\(Double(Int(seconds / 360 + 0.5)) / 10) h"
}

/// The memory this process may still use: the least of the system's available memory, its control
/// group's limit, and its address-space limit, each less what is already used against it.
enum AvailableMemory {
    static func current() -> (bytes: Int, source: String) {
        var best = (bytes: Int.max, source: "no limit found")
        if let available = meminfo("MemAvailable") { best = (available, "the system's available memory") }
        if let cgroup = cgroupRoom(), cgroup < best.bytes { best = (cgroup, "the control group's memory.max") }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max {
            let room = Int(clamping: limit.rlim_cur) - (status("VmSize") ?? 0)
            if room < best.bytes { best = (max(0, room), "the process's address-space limit, ulimit -v") }
        }
        if let text = getenv("ZOETROPE_MEMORY_LIMIT_MB"), let megabytes = Int(String(cString: text)), megabytes >= 0,
           megabytes << 20 < best.bytes {
            best = (megabytes << 20, "ZOETROPE_MEMORY_LIMIT_MB")
        }
        return best
    }

    /// A `Name:  N kB` line of /proc/meminfo, in bytes.
    private static func meminfo(_ key: String) -> Int? { kilobytesField(key, in: "/proc/meminfo") }
    /// A `Name:  N kB` line of /proc/self/status, in bytes.
    private static func status(_ key: String) -> Int? { kilobytesField(key, in: "/proc/self/status") }

    private static func kilobytesField(_ key: String, in path: String) -> Int? {
        guard let bytes = try? RegularFile.read(path, limit: 1 << 20) else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix(key + ":") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kib = Int(fields[1]) { return kib * 1024 }
        }
        return nil
    }

    /// memory.max less memory.current of this process's cgroup (v2), when a limit is set.
    private static func cgroupRoom() -> Int? {
        guard let bytes = try? RegularFile.read("/proc/self/cgroup", limit: 1 << 16) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else { return nil }
        let folder = "/sys/fs/cgroup" + line.dropFirst(3)
        func number(_ name: String) -> Int? {
            guard let bytes = try? RegularFile.read(folder + "/" + name, limit: 4096) else { return nil }
            return String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) }
        }
        guard let limit = number("memory.max") else { return nil }  // "max": no limit
        return max(0, limit - (number("memory.current") ?? 0))
    }
}
