import CPUBackend
import Tensor
import TestSupport
import Testing

/// A matmul case: transposes and the requested output dtype.
struct MatmulCase: Sendable, CustomTestStringConvertible {
    let name: String
    var transposeA = false
    var transposeB = false
    var outputType: DType? = nil
    var testDescription: String { name }
}

/// An attention case and its scale.
struct AttentionCase: Sendable, CustomTestStringConvertible {
    let name: String
    let scale: Float
    var testDescription: String { name }
}

@Suite struct LinearAlgebraTests {
    let backend = CPUBackend()

    // a = randn(shape_a), b = randn(shape_b)
    // out = torch.matmul(a.transpose(-1, -2) if transposeA else a, b.transpose(-1, -2) if transposeB else b)
    static let matmulCases = [
        MatmulCase(name: "mm_2d"),                                    // [7, 13] · [13, 9]
        MatmulCase(name: "mm_batched"),                               // [2, 5, 11] · [2, 11, 6]
        MatmulCase(name: "mm_broadcast_b"),                           // [2, 3, 4, 8] · [8, 5]
        MatmulCase(name: "mm_broadcast_batch"),                       // [3, 4, 8] · [2, 1, 8, 5] -> [2, 3, 4, 5]
        MatmulCase(name: "mm_transA", transposeA: true),              // [2, 8, 5]ᵀ · [2, 8, 6]
        MatmulCase(name: "mm_transB", transposeB: true),              // [5, 8] · [6, 8]ᵀ
        MatmulCase(name: "mm_transAB", transposeA: true, transposeB: true),  // [3, 8, 5]ᵀ · [6, 8]ᵀ
        MatmulCase(name: "mm_row"),                                   // [1, 17] · [17, 33]
        MatmulCase(name: "mm_k1"),                                    // [4, 1] · [1, 3]
        // a = randn(9, 40).to(bf16), b = randn(40, 21).to(bf16); out = a.float() @ b.float()
        MatmulCase(name: "mm_bf16_f32out", outputType: .float32),
        // a = randn(2, 9, 40).to(bf16), b = randn(2, 40, 21).to(bf16); out = torch.matmul(a, b) (bf16)
        MatmulCase(name: "mm_bf16"),
        // a = randn(6, 32).to(bf16), b = randn(10, 32).to(bf16); out = a.float() @ b.float().T
        MatmulCase(name: "mm_bf16_transB_f32out", transposeB: true, outputType: .float32),
    ]

    @Test(arguments: matmulCases)
    func matmul(_ c: MatmulCase) throws {
        let fixture = try OpFixture("matmul")
        let out = try backend.matmul(try fixture.tensor(c.name, "a"), try fixture.tensor(c.name, "b"),
                                     transposeA: c.transposeA, transposeB: c.transposeB, outputType: c.outputType)
        let expected = try fixture.expected(c.name)
        // f32 outputs from bf16 inputs are exact products summed in f32: fp32 parity applies.
        expectMatch(out, expected, tolerance(for: expected.dtype, float32: .float32), c.name)
    }

    // x = randn(shape_x); weight = (randn(out, in) / sqrt(in)).to(wdtype); bias = randn(out).to(wdtype)
    // out = F.linear(x.to(wdtype), weight, bias)
    static let linearCases = [
        "linear_bias",          // x [6, 20], weight [12, 20], bias
        "linear_nobias_3d",     // x [2, 5, 20], weight [9, 20]
        "linear_one",           // x [1, 7], weight [1, 7], bias [1]
        "linear_bf16w",         // x [3, 4, 32] f32, weight [24, 32] bf16, bias bf16 -> bf16
        "linear_bf16w_nobias",  // x [5, 48] f32, weight [16, 48] bf16 -> bf16
    ]

    @Test(arguments: linearCases)
    func linear(_ name: String) throws {
        let fixture = try OpFixture("matmul")
        let out = try backend.linear(try fixture.tensor(name, "x"), weight: try fixture.tensor(name, "weight"),
                                     bias: try fixture.optionalTensor(name, "bias"))
        let expected = try fixture.expected(name)
        expectMatch(out, expected, tolerance(for: expected.dtype, float32: .float32), name)
    }

    // q = randn(B, H, Nq, D) * qmul, k = randn(B, H, Nk, D), v = randn(B, H, Nk, Dv)
    // out = F.scaled_dot_product_attention(q, k, v, scale=scale)
    static let attentionCases = [
        AttentionCase(name: "attn_basic", scale: 0.125),        // [1, 2, 16, 64]
        AttentionCase(name: "attn_n1", scale: 0.125),           // [2, 3, 1, 64]
        AttentionCase(name: "attn_odd77", scale: 0.125),        // [1, 1, 77, 64]
        AttentionCase(name: "attn_cross", scale: 1 / Float(128).squareRoot()),  // q [1, 1, 33, 128], k/v Nk = 77
        AttentionCase(name: "attn_d128", scale: 1 / Float(128).squareRoot()),   // [1, 2, 24, 128]
        AttentionCase(name: "attn_vdim", scale: 1 / Float(32).squareRoot()),    // q/k [2, 1, 10|13, 32], v Dv = 48
        AttentionCase(name: "attn_scale", scale: 0.3),          // [1, 1, 20, 64]
        AttentionCase(name: "attn_peaky", scale: 0.125),        // q [1, 2, 19, 64] * 4, k/v Nk = 35
        AttentionCase(name: "attn_long", scale: 1 / Float(8).squareRoot()),     // [1, 1, 2053, 8]
        AttentionCase(name: "attn_bf16", scale: 0.125),         // [1, 2, 50, 64] bf16, PyTorch's bf16 SDPA
    ]

    @Test(arguments: attentionCases)
    func attention(_ c: AttentionCase) throws {
        let fixture = try OpFixture("attention")
        let out = try backend.attention(query: try fixture.tensor(c.name, "q"), key: try fixture.tensor(c.name, "k"),
                                        value: try fixture.tensor(c.name, "v"), scale: c.scale)
        let expected = try fixture.expected(c.name)
        expectMatch(out, expected, tolerance(for: expected.dtype, float32: .float32), c.name)
    }

    @Test func everyFixtureCaseIsCovered() throws {
        #expect(try OpFixture("matmul").cases() == Set(Self.matmulCases.map(\.name) + Self.linearCases))
        #expect(try OpFixture("attention").cases() == Set(Self.attentionCases.map(\.name)))
    }
}
