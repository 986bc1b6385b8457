import CPUBackend
import NN
import Tensor
import TestSupport
import Testing

@Suite struct AttentionTests {
    let backend = CPUBackend()

    // x[0, n, h·2 + d] = n·6 + h·2 + d; splitHeads(x, 3)[0, h, n, d] must equal it.
    @Test func splitHeadsLayout() throws {
        let x = try Tensor((0..<12).map(Float.init), shape: [1, 2, 6])  // [B, N, H·D]
        let split = try splitHeads(x, heads: 3, on: backend)  // [B, H, N, D]
        #expect(split.shape == [1, 3, 2, 2])
        let values = split.floats()
        for h in 0..<3 {
            for n in 0..<2 {
                for d in 0..<2 {
                    #expect(values[(h * 2 + n) * 2 + d] == Float(n * 6 + h * 2 + d))
                }
            }
        }
        let merged = try mergeHeads(split, on: backend)  // [B, N, H·D]
        expectMatch(merged, x, .exact, "mergeHeads(splitHeads(x))")
    }

    @Test func splitHeadsRejectsUnevenWidth() {
        #expect(throws: TensorError.self) { try splitHeads(Tensor(zeros: [1, 2, 7]), heads: 3, on: backend) }
        #expect(throws: TensorError.self) { try mergeHeads(Tensor(zeros: [1, 2, 6]), on: backend) }
    }

    // q = randn(2, 5, 12), k = randn(2, 7, 12), v = randn(2, 7, 12); heads(t) = t.unflatten(2, (3, -1)).transpose(1, 2)
    // out = F.scaled_dot_product_attention(heads(q), heads(k), heads(v)).transpose(1, 2).flatten(2, 3)
    // Tolerance.float32: a softmax over 7 keys and a weighted sum, in another order than PyTorch.
    @Test func multiHeadAttentionMatchesSDPA() throws {
        let fixture = try NNFixture("attention")
        let out = try multiHeadAttention(query: try fixture.io("q"), key: try fixture.io("k"), value: try fixture.io("v"),
                                         heads: 3, on: backend)  // [2, 5, 12]
        expectMatch(out, try fixture.io("out"), .float32, "multiHeadAttention")
    }
}
