import ArgumentParser
import Bench
import Tensor

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the CPU engine against its GEMM library called directly, in one run.",
        discussion: "Prints a Markdown table (median of --repeats runs) ready for docs/performance.md.")

    enum Workload: String, ExpressibleByArgument, CaseIterable {
        case all, matmul, attention, conv3d
        /// GGUF-style linear layers (decode + GEMM) against dense bf16; not part of `all`.
        case quantized
    }

    @Argument(help: "What to measure: \(Workload.allCases.map(\.rawValue).joined(separator: ", ")).")
    var workload: Workload = .all

    @Option(help: "Timed runs per case (the median is reported).")
    var repeats: Int = 5

    @Option(help: "Token count M of the GEMMs (1280 = Wan at 256x256x17).")
    var tokens: Int = 1280

    @Option(parsing: .upToNextOption, help: "Sequence lengths for the attention benchmark.")
    var attentionTokens: [Int] = [1280, 4096, 16384]

    /// Out-of-range sizes are one line and exit status 1, as in the other commands; before the
    /// bounds, `--tokens 4611686018427387904` overflowed a shape product and trapped.
    func checkSizes() throws {
        let most = CPUBenchmarks.maximumTokens
        guard (1...CPUBenchmarks.maximumRepeats).contains(repeats) else {
            throw CommandError("--repeats \(repeats) must be between 1 and \(CPUBenchmarks.maximumRepeats)")
        }
        for (name, value) in [("--tokens", tokens)] + attentionTokens.map({ ("--attention-tokens", $0) })
        where !(1...most).contains(value) {
            throw CommandError("\(name) \(value) must be between 1 and \(most)")
        }
    }

    func run() throws {
        try checkSizes()
        let machine = MachineDescription.current()
        print("Machine: \(machine.cpuModel), \(machine.threads) threads at \(fixed(machine.megahertz)) MHz; oneDNN ISA \(machine.oneDNNISA)")
        print("Nominal peak at that clock (CPU family \(machine.family)): fp32 \(fixed(machine.fp32PeakGFLOPS)) GFLOP/s, bf16 \(fixed(machine.bf16PeakGFLOPS)) GFLOP/s")
        let bench = CPUBenchmarks(repeats: repeats, tokens: tokens)
        let peak32 = try bench.measuredPeak(dtype: .float32), peak16 = try bench.measuredPeak(dtype: .bfloat16)
        print("Measured peak (oneDNN 2048x2048x2048 called directly): fp32 \(peak32.map { fixed($0) } ?? "n/a") GFLOP/s, bf16 \(peak16.map { fixed($0) } ?? "n/a") GFLOP/s")
        print("Command: zoetrope bench \(workload.rawValue) --repeats \(repeats) --tokens \(tokens)\n")
        print("| workload | engine time | engine GFLOP/s | peer | peer GFLOP/s | engine/peer | note |")
        print("| --- | ---: | ---: | --- | ---: | ---: | --- |")
        var gemmRate: [DType: Double] = [:]
        // The GEMM rates are the peers of the attention and convolution rows, so they always run.
        for dtype in [DType.float32, .bfloat16] {
            let rows = try bench.matmul(dtype: dtype)
            gemmRate[dtype] = rows.map(\.engineGFLOPS).max()
            if workload == .all || workload == .matmul { rows.forEach(printRow) }
        }
        if workload == .all || workload == .attention {
            for dtype in [DType.float32, .bfloat16] {
                try bench.attention(sequenceLengths: attentionTokens, dtype: dtype, gemmRate: gemmRate[dtype]).forEach(printRow)
            }
        }
        if workload == .all || workload == .conv3d {
            try bench.conv3d(gemmRate: gemmRate[.float32]).forEach(printRow)
        }
        if workload == .quantized {
            try bench.quantizedLinear().forEach(printRow)
        }
    }

    private func printRow(_ row: BenchmarkRow) {
        let time = row.engineSeconds < 1 ? "\(fixed(row.engineSeconds * 1000, 1)) ms" : "\(fixed(row.engineSeconds, 2)) s"
        let peer = row.peerGFLOPS.map { fixed($0) } ?? "n/a"
        let ratio = row.ratio.map { "\(fixed($0 * 100, 1)) %" } ?? "n/a"
        print("| \(row.workload) | \(time) | \(fixed(row.engineGFLOPS)) | \(row.peerName) | \(peer) | \(ratio) | \(row.note) |")
    }
}
