#if canImport(Glibc)
import Glibc
#endif
import CDNNL
import CPUBackend

/// What the benchmark ran on, and the machine's nominal peak.
public struct MachineDescription: Sendable {
    public let cpuModel: String
    /// The x86 CPU family (25: AMD Zen 3/4, 26: Zen 5).
    public let family: Int
    public let threads: Int
    public let megahertz: Double
    public let flags: Set<String>
    public let oneDNNISA: String

    public static func current() -> MachineDescription {
        var model = "unknown CPU", mhz = 0.0, family = 0
        var flags = Set<String>()
        if let text = readText("/proc/cpuinfo") {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters() }
                guard parts.count == 2 else { continue }
                if parts[0] == "model name", model == "unknown CPU" { model = parts[1] }
                if parts[0] == "cpu MHz", mhz == 0 { mhz = Double(parts[1]) ?? 0 }
                if parts[0] == "cpu family", family == 0 { family = Int(parts[1]) ?? 0 }
                if parts[0] == "flags", flags.isEmpty { flags = Set(parts[1].split(separator: " ").map(String.init)) }
            }
        }
        return MachineDescription(cpuModel: model, family: family, threads: CPUBackend.threadCount, megahertz: mhz,
                                  flags: flags, oneDNNISA: isaName(dnnl_get_effective_cpu_isa()))
    }

    /// fp32 FLOPs per cycle per core: two FMA pipes of the vector width the core executes natively.
    public var fp32FlopsPerCycle: Double {
        if flags.contains("avx512f") && family >= 26 { return 64 }  // Zen 5: two 512-bit FMA pipes
        if flags.contains("fma") { return 32 }  // two 256-bit FMA pipes (Zen 4 double-pumps AVX-512 on them)
        return 8
    }

    /// Nominal fp32 peak in GFLOP/s at the clock /proc/cpuinfo reports (threads × clock × FLOPs per
    /// cycle); boost clocks put the real ceiling above it.
    public var fp32PeakGFLOPS: Double { Double(threads) * megahertz / 1000 * fp32FlopsPerCycle }
    /// Nominal bf16 peak: twice fp32 where the CPU has bf16 dot products (avx512_bf16), else fp32's.
    public var bf16PeakGFLOPS: Double { fp32PeakGFLOPS * (flags.contains("avx512_bf16") ? 2 : 1) }
}

private func isaName(_ isa: dnnl_cpu_isa_t) -> String {
    switch isa {
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16"
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx"
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni"
    case dnnl_cpu_isa_avx512_core: return "avx512_core"
    case dnnl_cpu_isa_avx2: return "avx2"
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni"
    case dnnl_cpu_isa_sse41: return "sse41"
    default: return "isa \(isa.rawValue)"
    }
}

func readText(_ path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var bytes = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&chunk, 1, chunk.count, file)
        if n <= 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
}

extension Substring {
    func trimmingCharacters() -> String {
        String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
