#if canImport(Glibc)
import Glibc
#endif
import CPUBackend
import Tensor
import Testing

/// Attention with a per-key bias: the flash kernel against the same attention written out with the
/// repeated keys it stands for, with the keys a −∞ bias masks left out, and against the materialised
/// composition (scores, bias, softmax, product).
@Suite struct KeyBiasAttentionTests {
    let backend = CPUBackend()

    private func random(_ shape: [Int], seed: UInt64, dtype: DType = .float32) throws -> Tensor {
        var noise = GaussianNoise(seed: seed)
        return try backend.cast(noise.tensor(shape), to: dtype)
    }

    private func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        let x = a.floats(), y = b.floats()
        let scale = y.map(abs).max() ?? 1
        return zip(x, y).map { abs($0 - $1) }.max()! / max(scale, 1e-30)
    }

    /// `x [B, N, H, D]` with row `row` of every batch item repeated to `copies` rows (rows after it follow).
    private func repeating(_ x: Tensor, row: Int, copies: Int) throws -> Tensor {
        let n = x.shape[1]
        let head = try backend.slice(x, axis: 1, start: 0, end: row)
        let repeated = try backend.concat(Array(repeating: try backend.slice(x, axis: 1, start: row, end: row + 1), count: copies), axis: 1)
        let tail = try backend.slice(x, axis: 1, start: row + 1, end: n)
        return try backend.concat([head, repeated, tail].filter { $0.shape[1] > 0 }, axis: 1)
    }

    @Test(arguments: [DType.float32, .bfloat16])
    func logMultiplicityEqualsRepeatedKeys(_ dtype: DType) throws {
        // One key standing for 300 identical ones (more than a key block): batch item 0's last key,
        // batch item 1's too; 21 real keys before it.
        let q = try random([2, 37, 3, 16], seed: 1, dtype: dtype)
        let k = try random([2, 22, 3, 16], seed: 2, dtype: dtype), v = try random([2, 22, 3, 8], seed: 3, dtype: dtype)
        var bias = [Float](repeating: 0, count: 2 * 22)
        bias[21] = logf(300)
        bias[22 + 21] = bias[21]
        let biased = try backend.attention(tokenMajorQuery: q, key: k, value: v, scale: 0.25,
                                           keyBias: try Tensor(bias, shape: [2, 22]))
        let expanded = try backend.attention(tokenMajorQuery: q, key: try repeating(k, row: 21, copies: 300),
                                             value: try repeating(v, row: 21, copies: 300), scale: 0.25)
        #expect(biased.shape == [2, 37, 3, 8])
        // f32: 300 sums against one product; bf16: each repeated probability is rounded, the one key's once.
        #expect(relativeError(biased, expanded) < (dtype == .float32 ? 1e-5 : 8e-3))
    }

    @Test func minusInfinityMasksKeysOut() throws {
        let q = try random([1, 5, 2, 8], seed: 4), k = try random([1, 9, 2, 8], seed: 5), v = try random([1, 9, 2, 8], seed: 6)
        let bias = (0..<9).map { $0 >= 6 ? -Float.infinity : 0 }
        let masked = try backend.attention(tokenMajorQuery: q, key: k, value: v, scale: 0.3,
                                           keyBias: try Tensor(bias, shape: [1, 9]))
        let kept = try backend.attention(tokenMajorQuery: q, key: try backend.slice(k, axis: 1, start: 0, end: 6),
                                         value: try backend.slice(v, axis: 1, start: 0, end: 6), scale: 0.3)
        #expect(relativeError(masked, kept) < 2e-6)
    }

    @Test func randomBiasEqualsMaterialisedComposition() throws {
        let q = try random([2, 7, 2, 8], seed: 7), k = try random([2, 300, 2, 8], seed: 8), v = try random([2, 300, 2, 4], seed: 9)
        let bias = try random([2, 300], seed: 10)
        let flash = try backend.attention(tokenMajorQuery: q, key: k, value: v, scale: 0.35, keyBias: bias)
        func headMajor(_ t: Tensor) throws -> Tensor { try backend.permute(t, [0, 2, 1, 3]) }
        let scores = try backend.affine(try backend.matmul(try headMajor(q), try headMajor(k), transposeA: false,
                                                           transposeB: true, outputType: .float32), scale: 0.35, offset: 0)
        let p = try backend.softmax(try backend.add(scores, try bias.reshaped([2, 1, 1, 300])))
        let composed = try backend.permute(try backend.matmul(p, try headMajor(v)), [0, 2, 1, 3])
        #expect(relativeError(flash, composed) < 2e-6)
    }

    @Test func biasOfTheWrongShapeIsRefused() throws {
        let q = try random([1, 5, 2, 8], seed: 4), k = try random([1, 9, 2, 8], seed: 5)
        #expect(throws: TensorError.self) {
            try backend.attention(tokenMajorQuery: q, key: k, value: k, scale: 0.3, keyBias: try random([1, 8], seed: 1))
        }
    }
}
