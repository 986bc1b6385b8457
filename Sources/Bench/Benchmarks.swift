import CPUBackend
import Tensor

/// One measured row of a benchmark table.
public struct BenchmarkRow: Sendable {
    public var workload: String
    public var engineSeconds: Double
    public var engineGFLOPS: Double
    public var peerName: String
    public var peerGFLOPS: Double?
    public var note: String

    /// Engine rate over the peer's, when there is a peer.
    public var ratio: Double? { peerGFLOPS.map { engineGFLOPS / $0 } }
}

/// The CPU engine's benchmarks: GEMMs at the Wan-1.3B transformer shapes, attention at two sequence
/// lengths, and the VAE's 3-D convolutions.
public struct CPUBenchmarks {
    public var repeats: Int
    public var tokens: Int
    private let backend = CPUBackend()

    public init(repeats: Int = 5, tokens: Int = 1280) {
        self.repeats = repeats
        self.tokens = tokens
    }

    /// The most tokens a GEMM or attention case may ask for: 2^17, nearly twice Wan 2.1 at 1280x720
    /// and 81 frames (75,600). At 2^17 the FFN case's operands alone take 4.7 GB of fp32.
    public static let maximumTokens = 1 << 17
    /// The most timed runs per case.
    public static let maximumRepeats = 1000

    /// `x [tokens, K] · Wᵀ` for the DiT's linear shapes, through `CPUBackend.linear` and through oneDNN directly.
    public func matmul(dtype: DType) throws -> [BenchmarkRow] {
        let shapes = [(1536, 1536, "q/k/v/o"), (1536, 8960, "FFN up"), (8960, 1536, "FFN down")]
        var rows = [BenchmarkRow]()
        for (k, n, label) in shapes {
            let m = tokens
            let x = try backend.cast(randomTensor([m, k], seed: 1), to: dtype)
            let w = try backend.cast(randomTensor([n, k], seed: 2), to: dtype)
            let flops = 2.0 * Double(m) * Double(k) * Double(n)
            let engine = try medianSeconds(repeats: repeats) { _ = try backend.linear(x, weight: w, bias: nil) }
            let dst = try Tensor(allocating: [m, n], dtype: dtype)
            var peer: Double? = nil
            if let direct = DirectOneDNNMatmul(m: m, k: k, n: n, dtype: dtype, src: x.storage.hostPointer!,
                                               weights: w.storage.hostPointer!, dst: dst.storage.hostPointer!) {
                peer = flops / medianSeconds(repeats: repeats) { direct.run() } / 1e9
            }
            rows.append(BenchmarkRow(workload: "\(dtype.rawValue) matmul \(m)x\(k)x\(n) (\(label))",
                                     engineSeconds: engine, engineGFLOPS: flops / engine / 1e9,
                                     peerName: "oneDNN matmul called directly", peerGFLOPS: peer, note: ""))
        }
        return rows
    }

    /// The best rate oneDNN reaches on this machine: a 2048³ GEMM, called directly.
    public func measuredPeak(dtype: DType) throws -> Double? {
        let n = 2048
        let x = try backend.cast(randomTensor([n, n], seed: 11), to: dtype)
        let w = try backend.cast(randomTensor([n, n], seed: 12), to: dtype)
        let dst = Tensor(zeros: [n, n], dtype: dtype)
        guard let direct = DirectOneDNNMatmul(m: n, k: n, n: n, dtype: dtype, src: x.storage.hostPointer!,
                                              weights: w.storage.hostPointer!, dst: dst.storage.hostPointer!) else { return nil }
        return 2.0 * Double(n * n * n) / medianSeconds(repeats: repeats) { direct.run() } / 1e9
    }

    /// Attention with 12 heads of 128 at `n` tokens; the peer is the engine's own GEMM rate, the
    /// attention's FLOPs being GEMM FLOPs. The note records the process's resident memory growth.
    public func attention(sequenceLengths: [Int], dtype: DType, gemmRate: Double?) throws -> [BenchmarkRow] {
        var rows = [BenchmarkRow]()
        for n in sequenceLengths {
            let heads = 12, d = 128
            let q = try backend.cast(randomTensor([1, heads, n, d], seed: 3), to: dtype)
            let k = try backend.cast(randomTensor([1, heads, n, d], seed: 4), to: dtype)
            let v = try backend.cast(randomTensor([1, heads, n, d], seed: 5), to: dtype)
            let before = currentResidentBytes()
            let seconds = try medianSeconds(repeats: max(1, repeats / 2)) {
                _ = try backend.attention(query: q, key: k, value: v, scale: 1 / Float(d).squareRoot())
            }
            let flops = 4.0 * Double(heads) * Double(n) * Double(n) * Double(d)
            let inputs = 3 * q.byteCount
            let growth = Double(currentResidentBytes() - before) / 1048576
            let scoreMatrix = Double(heads * n * n * 4) / 1048576
            rows.append(BenchmarkRow(
                workload: "\(dtype.rawValue) attention 12 heads x \(n) tokens x d 128", engineSeconds: seconds,
                engineGFLOPS: flops / seconds / 1e9, peerName: "engine \(dtype.rawValue) GEMM rate", peerGFLOPS: gemmRate,
                note: "inputs \(fixed(Double(inputs) / 1048576)) MiB; resident memory grew \(fixed(growth)) MiB in the calls; an fp32 score matrix would take \(fixed(scoreMatrix)) MiB"))
        }
        return rows
    }

    /// Causal 3x3x3 convolutions at the Wan VAE decoder's shapes for a 256x256 clip, 4 frames of input.
    public func conv3d(gemmRate: Double?) throws -> [BenchmarkRow] {
        let shapes = [(384, 384, 32), (384, 384, 64), (192, 192, 128), (96, 96, 256)]
        var rows = [BenchmarkRow]()
        for (cin, cout, size) in shapes {
            let frames = 4
            let x = try randomTensor([1, cin, frames, size, size], seed: 6)
            let w = try backend.affine(randomTensor([cout, cin, 3, 3, 3], seed: 7), scale: 0.05, offset: 0)
            let b = try randomTensor([cout], seed: 8)
            let seconds = try medianSeconds(repeats: max(1, repeats / 2)) {
                _ = try backend.conv3d(x, weight: w, bias: b, stride: [1, 1, 1], padding: .causal(1, 1, 1))
            }
            let flops = 2.0 * Double(cout) * Double(cin * 27) * Double(frames * size * size)
            rows.append(BenchmarkRow(
                workload: "f32 conv3d \(cin)->\(cout) k3 causal, \(frames)x\(size)x\(size)", engineSeconds: seconds,
                engineGFLOPS: flops / seconds / 1e9, peerName: "engine f32 GEMM rate", peerGFLOPS: gemmRate, note: ""))
        }
        return rows
    }
}

/// A float32 tensor of uniform values in [-1, 1) from a fixed seed (xorshift; reproducible). Throws
/// ``TensorError`` for a shape whose memory cannot be counted or had.
func randomTensor(_ shape: [Int], seed: UInt64) throws -> Tensor {
    let tensor = try Tensor(allocating: shape, zeroed: false)
    guard let base = tensor.storage.hostPointer?.assumingMemoryBound(to: Float.self) else { return tensor }
    var state = seed &* 0x9E3779B97F4A7C15 | 1
    for i in 0..<tensor.count {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        base[i] = Float(state >> 40) / Float(1 << 23) - 1
    }
    return tensor
}
