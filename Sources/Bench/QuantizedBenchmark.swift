import CPUBackend
import Tensor

extension CPUBenchmarks {
    /// The DiT's linear shapes with the weight in GGML blocks, as a GGUF model runs them: the
    /// blocks decoded to bf16 on the thread team, then the bf16 GEMM; the peer is the same GEMM on
    /// a dense bf16 weight, so the ratio is what decoding costs per layer at this token count.
    public func quantizedLinear(types: [GGMLType] = [.q8_0, .q4_K]) throws -> [BenchmarkRow] {
        let shapes = [(1536, 1536, "q/k/v/o"), (1536, 8960, "FFN up"), (8960, 1536, "FFN down")]
        let backend = CPUBackend()
        var rows = [BenchmarkRow]()
        for type in types {
            for (k, n, label) in shapes {
                let matrix = try randomBlocks(type, rows: n, columns: k)
                let x = try backend.cast(randomTensor([tokens, k], seed: 1), to: .bfloat16)  // [M, K]
                let dense = try backend.dequantize(matrix, to: .bfloat16)  // [N, K]
                let flops = 2.0 * Double(tokens) * Double(k) * Double(n)
                let decodeOnly = try medianSeconds(repeats: repeats) { _ = try backend.dequantize(matrix, to: .bfloat16) }
                let engine = try medianSeconds(repeats: repeats) {
                    _ = try backend.linear(x, weight: try backend.dequantize(matrix, to: .bfloat16), bias: nil)
                }
                let peer = try medianSeconds(repeats: repeats) { _ = try backend.linear(x, weight: dense, bias: nil) }
                rows.append(BenchmarkRow(
                    workload: "\(type.name) decode + bf16 matmul \(tokens)x\(k)x\(n) (\(label))", engineSeconds: engine,
                    engineGFLOPS: flops / engine / 1e9, peerName: "bf16 matmul on the dense weight", peerGFLOPS: flops / peer / 1e9,
                    note: "decoding alone \(fixed(decodeOnly * 1000, 1)) ms"))
            }
        }
        return rows
    }

    /// A `[rows, columns]` matrix of random `type` blocks whose half-precision scales are small and
    /// finite (no value is NaN or infinite).
    private func randomBlocks(_ type: GGMLType, rows: Int, columns: Int) throws -> QuantizedMatrix {
        let bytes = rows * columns / type.blockSize * type.blockBytes
        let storage = try Storage(allocatingHostBytes: bytes, zeroed: false)
        guard let raw = storage.hostPointer?.assumingMemoryBound(to: UInt8.self) else {
            preconditionFailure("host storage expected")
        }
        var state: UInt64 = 0x9E3779B97F4A7C15
        for i in 0..<bytes {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            raw[i] = UInt8(truncatingIfNeeded: state >> 56)
        }
        let scales: [GGMLType: [Int]] = [.q8_0: [0], .q4_0: [0], .q4_1: [0, 2], .q5_0: [0], .q5_1: [0, 2],
                                        .q2_K: [80, 82], .q3_K: [108], .q4_K: [0, 2], .q5_K: [0, 2], .q6_K: [208]]
        for block in 0..<(bytes / type.blockBytes) {
            for offset in scales[type] ?? [] { raw[block * type.blockBytes + offset + 1] &= 0x9F }  // |scale| < 2^-7
        }
        return try QuantizedMatrix(type: type, shape: [rows, columns], storage: storage)
    }
}
