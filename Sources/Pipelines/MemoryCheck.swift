#if canImport(Glibc)
import Glibc
#endif
import Tensor

extension Generator {
    /// The estimate for `request` (one window of `window` frames when given), after checking that its
    /// peak fits in the memory this process may use (``AvailableMemory``, plus what this generator's
    /// model cache holds, which it would give up). Throws ``GenerationError/insufficientMemory(_:)``
    /// naming the peak, the limit and the largest size of the same shape that would fit.
    public func checkMemory(_ request: ValidatedRequest, window: Int? = nil) throws -> RunEstimate {
        let estimate = try estimate(request, window: window)
        let limit = AvailableMemory.current()
        let available = limit.bytes == Int.max ? Int.max : limit.bytes + (cache?.loadedBytes ?? 0)
        guard estimate.peakBytes > available else { return estimate }
        var message = "this \(request.width)x\(request.height) run needs about \(memoryText(estimate.peakBytes)) at its peak (\(estimate.peakStage)), more than the \(memoryText(available)) available (\(limit.source))"
        if let fit = try largestFitting(request, window: window, within: available) {
            message += "; \(fit.width)x\(fit.height) would need about \(memoryText(fit.bytes))"
        } else {
            message += "; no size fits"
        }
        throw GenerationError.insufficientMemory(message)
    }

    /// The largest size of the request's aspect ratio (in the model's size steps) whose estimate fits.
    func largestFitting(_ request: ValidatedRequest, window: Int?, within bytes: Int) throws -> (width: Int, height: Int, bytes: Int)? {
        let step = request.geometry.sizeMultiple
        var scale = 0.9
        while scale > 0.01 {
            var smaller = request
            smaller.width = max(step, Int(Double(request.width) * scale) / step * step)
            smaller.height = max(step, Int(Double(request.height) * scale) / step * step)
            let peak = try estimate(smaller, window: window).peakBytes
            if peak <= bytes { return (smaller.width, smaller.height, peak) }
            if smaller.width == step && smaller.height == step { return nil }
            scale *= 0.9
        }
        return nil
    }
}

/// Bytes as "512 MiB" or "9.7 GiB".
public func memoryText(_ bytes: Int) -> String {
    if bytes < 1 << 30 { return "\(max(1, Int((Double(bytes) / Double(1 << 20)).rounded()))) MiB" }
    let value = Double(bytes) / Double(1 << 30)
    return value >= 100 ? "\(Int(value.rounded())) GiB" : "\(Double(Int(value * 10 + 0.5)) / 10) GiB"
}

/// The memory this process may still use: the least of the system's available memory, its control
/// group's limit, and its address-space limit, each less what is already used against it.
public enum AvailableMemory {
    /// The bytes, and what limits them ("the system's available memory", "ulimit -v", ...).
    public static func current() -> (bytes: Int, source: String) {
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
