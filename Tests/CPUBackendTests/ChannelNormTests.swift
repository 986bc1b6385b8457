import CPUBackend
import Tensor
import TestSupport
import Testing

/// The fused channel RMS norm (+ SiLU) gives what the composition it replaces gives: channels last,
/// the last-axis RMS norm, the bias, channels first, SiLU.
@Suite struct ChannelNormTests {
    let backend = CPUBackend()

    private func composed(_ x: Tensor, gamma: Tensor, bias: Tensor?, eps: Float, silu: Bool) throws -> Tensor {
        let rank = x.rank
        let toLast = [0] + Array(2..<rank) + [1], toFirst = [0, rank - 1] + Array(1..<(rank - 1))
        var y = try backend.rmsNorm(try backend.permute(x, toLast), weight: gamma, eps: eps)  // [B, ..., C]
        if let bias { y = try backend.add(y, bias) }
        y = try backend.permute(y, toFirst)  // [B, C, ...]
        return silu ? try backend.silu(y) : y
    }

    // Shapes: a VAE activation [2, 24, 3, 7, 9] (spatial 189, not a multiple of the 256-position
    // block), a 4-D attention input [1, 5, 17, 19] (spatial 323, two blocks), with and without bias.
    @Test(arguments: [([2, 24, 3, 7, 9], true, false), ([1, 5, 17, 19], false, true), ([1, 16, 2, 1, 3], true, true)])
    func fusedMatchesTheComposition(_ shape: [Int], silu: Bool, withBias: Bool) throws {
        var noise = GaussianNoise(seed: UInt64(shape.reduce(0, +)))
        let x = try backend.affine(noise.tensor(shape), scale: 3, offset: 0.5)
        let gamma = noise.tensor([shape[1]])
        let bias = withBias ? noise.tensor([shape[1]]) : nil
        let eps = 1e-24 / Float(shape[1])
        let fused = try backend.channelRMSNorm(x, gamma: gamma, bias: bias, eps: eps, silu: silu)
        let expected = try composed(x, gamma: gamma, bias: bias, eps: eps, silu: silu)
        #expect(fused.shape == shape)
        expectMatch(fused, expected, .float32Elementwise, "\(shape) silu \(silu) bias \(withBias)")
    }

    /// A zero vector normalises to zero (the reference clamps ‖x‖), not NaN.
    @Test func zeroInputGivesZero() throws {
        let out = try backend.channelRMSNorm(Tensor(zeros: [1, 4, 2, 3]), gamma: Tensor(filling: 1, shape: [4]), bias: nil,
                                             eps: 1e-24 / 4, silu: true)
        #expect(out.floats().allSatisfy { $0 == 0 })
    }

    @Test func wrongGammaIsRejected() throws {
        #expect(throws: TensorError.self) {
            try backend.channelRMSNorm(Tensor(zeros: [1, 4, 2, 3]), gamma: Tensor(zeros: [3]), bias: nil, eps: 1e-6, silu: false)
        }
    }
}
