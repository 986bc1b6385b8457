import CPUBackend
import Tensor
import TestSupport
import Testing

/// One normalisation fixture case and its eps.
struct NormCase: Sendable, CustomTestStringConvertible {
    let name: String
    let eps: Float
    var testDescription: String { name }
}

@Suite struct NormalizationTests {
    let backend = CPUBackend()

    // x = randn(shape) (+ 1000 for ln_large_mean); weight = 1 + 0.3·randn(C), bias = 0.2·randn(C)
    // out = F.layer_norm(x.double(), (C,), weight.double(), bias.double(), eps).float()
    // ln_bf16: x = randn(4, 40).to(bf16), f32 weight/bias,
    //          out = F.layer_norm(x.float(), (40,), weight, bias, 1e-6).to(bf16)
    static let layerNormCases: [NormCase] = [
        NormCase(name: "ln_affine_eps1e-6", eps: 1e-6),  // x [2, 7, 48], affine
        NormCase(name: "ln_plain_eps1e-6", eps: 1e-6),   // x [3, 33], no affine
        NormCase(name: "ln_affine_eps1e-5", eps: 1e-5),  // x [5, 19], affine
        NormCase(name: "ln_plain_eps1e-5", eps: 1e-5),   // x [4, 16], no affine
        NormCase(name: "ln_width1", eps: 1e-5),          // x [3, 1]: out = bias
        NormCase(name: "ln_large_mean", eps: 1e-6),      // x [4, 64] = 1000 + randn
        NormCase(name: "ln_bf16", eps: 1e-6),            // x [4, 40] bf16
    ]

    @Test(arguments: layerNormCases)
    func layerNorm(_ c: NormCase) throws {
        let fixture = try OpFixture("norm")
        let x = try fixture.tensor(c.name, "x")
        let out = try backend.layerNorm(x, weight: try fixture.optionalTensor(c.name, "weight"),
                                        bias: try fixture.optionalTensor(c.name, "bias"), eps: c.eps)
        expectMatch(out, try fixture.expected(c.name), tolerance(for: x.dtype, float32: .float32Elementwise), c.name)
    }

    // x = randn(shape), weight = 1 + 0.3·randn(C)
    // out = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight
    // rms_bf16: x, weight bf16 [4, 24] / [24]; out = <same on x.float(), weight.float()>.to(bf16)
    static let rmsNormCases: [NormCase] = [
        NormCase(name: "rms_weight", eps: 1e-6),   // x [2, 5, 32]
        NormCase(name: "rms_plain", eps: 1e-6),    // x [3, 17], no weight
        NormCase(name: "rms_eps1e-5", eps: 1e-5),  // x [1, 24]
        NormCase(name: "rms_bf16", eps: 1e-6),     // x [4, 24] bf16, bf16 weight
    ]

    @Test(arguments: rmsNormCases)
    func rmsNorm(_ c: NormCase) throws {
        let fixture = try OpFixture("norm")
        let x = try fixture.tensor(c.name, "x")
        let out = try backend.rmsNorm(x, weight: try fixture.optionalTensor(c.name, "weight"), eps: c.eps)
        expectMatch(out, try fixture.expected(c.name), tolerance(for: x.dtype, float32: .float32Elementwise), c.name)
    }

    // out = torch.softmax(x, -1)
    static let softmaxCases = [
        "softmax_basic",   // x = randn(3, 37)
        "softmax_width1",  // x = randn(2, 4, 1): all ones
        "softmax_large",   // x = randn(2, 50) * 30
        "softmax_masked",  // x = randn(3, 21); x[:, :5] = -inf
        "softmax_bf16",    // x = (randn(4, 33) * 2).to(bf16), PyTorch's bf16 kernel
    ]

    @Test(arguments: softmaxCases)
    func softmax(_ name: String) throws {
        let fixture = try OpFixture("norm")
        let x = try fixture.tensor(name, "x")
        let out = try backend.softmax(x)
        expectMatch(out, try fixture.expected(name), tolerance(for: x.dtype, float32: .float32Elementwise), name)
    }

    @Test func everyFixtureCaseIsCovered() throws {
        let tested = Set(Self.layerNormCases.map(\.name) + Self.rmsNormCases.map(\.name) + Self.softmaxCases)
        #expect(try OpFixture("norm").cases() == tested)
    }

    @Test func softmaxOfAnAllMinusInfinityRowIsNaNLikePyTorch() throws {
        let x = try Tensor([-.infinity, -.infinity, 0, 1], shape: [2, 2])
        let out = try backend.softmax(x).floats()
        #expect(out[0].isNaN && out[1].isNaN)
        #expect(abs(out[2] + out[3] - 1) < 1e-6)
    }
}
