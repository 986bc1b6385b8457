import CPUBackend
import Tensor
import TestSupport
import Testing

/// conv3d with bf16 weights computes in bf16 (source and weights rounded to bf16, float32
/// accumulation) and returns the input's dtype; float32 weights keep the float32 reference path.
@Suite struct BFloat16ConvolutionTests {
    let backend = CPUBackend()

    private func roundedToBFloat16(_ x: Tensor) throws -> Tensor {
        try backend.cast(try backend.cast(x, to: .bfloat16), to: .float32)
    }

    /// x [1, 32, 3, 10, 12], w [48, 32, 3, 3, 3], Wan's causal padding: the bf16 convolution is the
    /// float32 convolution of the bf16-rounded operands, up to float32 summation order.
    @Test func bf16WeightsConvolveTheRoundedOperandsInFloat32() throws {
        var noise = GaussianNoise(seed: 17)
        let x = noise.tensor([1, 32, 3, 10, 12])
        let weight = try backend.affine(noise.tensor([48, 32, 3, 3, 3]), scale: 0.03, offset: 0)
        let bias = noise.tensor([48])
        let out = try backend.conv3d(x, weight: try backend.cast(weight, to: .bfloat16), bias: bias, stride: [1, 1, 1],
                                     padding: .causal(1, 1, 1))
        #expect(out.dtype == .float32)
        let expected = try backend.conv3d(try roundedToBFloat16(x), weight: try roundedToBFloat16(weight), bias: bias,
                                          stride: [1, 1, 1], padding: .causal(1, 1, 1))
        expectMatch(out, expected, .float32, "bf16 conv3d vs f32 conv3d of rounded operands")
    }

    /// Against the unrounded float32 convolution, each output moves by at most the rounding of its
    /// products: |x̃·w̃ − x·w| ≤ (2⁻⁸ + 2⁻¹⁸)|x·w| for bf16's relative rounding 2⁻⁹ on each operand,
    /// plus float32 summation error (K·2⁻²⁴ of Σ|x·w| over K = 864 terms), so the bound is
    /// (2⁻⁸ + K·2⁻²³)·conv(|x|, |w|) per element.
    @Test func bf16ErrorStaysWithinTheRoundingBound() throws {
        var noise = GaussianNoise(seed: 4)
        let x = noise.tensor([1, 32, 3, 10, 12])
        let weight = try backend.affine(noise.tensor([48, 32, 3, 3, 3]), scale: 0.03, offset: 0)
        let exact = try backend.conv3d(x, weight: weight, bias: nil, stride: [1, 1, 1], padding: .causal(1, 1, 1)).floats()
        let fast = try backend.conv3d(x, weight: try backend.cast(weight, to: .bfloat16), bias: nil, stride: [1, 1, 1],
                                      padding: .causal(1, 1, 1)).floats()
        let magnitude = try backend.conv3d(try backend.unary(.abs, x), weight: try backend.unary(.abs, weight), bias: nil,
                                           stride: [1, 1, 1], padding: .causal(1, 1, 1)).floats()
        let factor = Float(0x1p-8) + Float(864) * Float(0x1p-23)
        var worst: Float = 0, largest: Float = 0
        for index in exact.indices {
            worst = max(worst, abs(fast[index] - exact[index]) / (factor * magnitude[index]))
            largest = max(largest, abs(fast[index] - exact[index]))
        }
        #expect(worst <= 1, "error reaches \(worst) of the rounding bound")
        #expect(largest > 0, "bf16 weights must compute in bf16, not widen to float32")
    }

    /// bf16 activations with bf16 weights give bf16 outputs; float32 weights with bf16 activations
    /// compute in float32 (the weight decides) and give bf16.
    @Test func outputKeepsTheInputDType() throws {
        var noise = GaussianNoise(seed: 5)
        let x = try backend.cast(noise.tensor([1, 8, 2, 5, 6]), to: .bfloat16)
        let weight = noise.tensor([4, 8, 3, 3, 3])
        for w in [weight, try backend.cast(weight, to: .bfloat16)] {
            let out = try backend.conv3d(x, weight: w, bias: nil, stride: [1, 1, 1], padding: .causal(1, 1, 1))
            #expect(out.dtype == .bfloat16 && out.shape == [1, 4, 2, 5, 6])
            let reference = try backend.conv3d(try backend.cast(x, to: .float32), weight: try roundedToBFloat16(weight),
                                               bias: nil, stride: [1, 1, 1], padding: .causal(1, 1, 1))
            expectMatch(try backend.cast(out, to: .float32), reference, .bfloat16, "bf16 activations, \(w.dtype) weights")
        }
    }

    /// The reordered-weight cache must never hand back an earlier tensor's weights: each new weight
    /// tensor of the same shape (freed ones' addresses get reused) gives its own result.
    @Test func newWeightsOfTheSameShapeAreNotServedFromTheCache() throws {
        var noise = GaussianNoise(seed: 6)
        let x = noise.tensor([1, 6, 2, 5, 5])
        for round in 0..<6 {
            let values = noise.tensor([5, 6, 3, 3, 3]).floats()
            let out = try backend.conv3d(x, weight: try Tensor(values, shape: [5, 6, 3, 3, 3]), bias: nil, stride: [1, 1, 1],
                                         padding: .causal(1, 1, 1))
            let reference = try Tensor(directCausalConvolution(x.floats(), values, cin: 6, cout: 5, frames: 2, height: 5, width: 5),
                                       shape: [1, 5, 2, 5, 5])
            expectMatch(out, reference, .float32, "round \(round)")
        }
    }
}

/// A 3×3×3 convolution with Wan's causal padding (2 frames before, 1 pixel around), as plain loops.
private func directCausalConvolution(_ x: [Float], _ w: [Float], cin: Int, cout: Int, frames: Int, height: Int,
                                     width: Int) -> [Float] {
    var out = [Float](repeating: 0, count: cout * frames * height * width)
    for o in 0..<cout { for t in 0..<frames { for h in 0..<height { for v in 0..<width {
        var sum: Float = 0
        for c in 0..<cin { for dt in 0..<3 { for dh in 0..<3 { for dw in 0..<3 {
            let (ti, hi, wi) = (t + dt - 2, h + dh - 1, v + dw - 1)
            guard ti >= 0, hi >= 0, hi < height, wi >= 0, wi < width else { continue }
            sum += x[((c * frames + ti) * height + hi) * width + wi] * w[(((o * cin + c) * 3 + dt) * 3 + dh) * 3 + dw]
        } } } }
        out[((o * frames + t) * height + h) * width + v] = sum
    } } } }
    return out
}
