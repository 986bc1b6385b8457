import CPUBackend
import Tensor
import TestSupport
import Testing

/// A 3-D convolution case: padding and stride.
struct Conv3DCase: Sendable, CustomTestStringConvertible {
    let name: String
    let padding: Padding3D
    let stride: [Int]
    var testDescription: String { name }
}

/// A 2-D convolution case: padding and stride, `[h, w]` each.
struct Conv2DCase: Sendable, CustomTestStringConvertible {
    let name: String
    let padding: [Int]
    let stride: [Int]
    var testDescription: String { name }
}

@Suite struct ConvolutionTests {
    let backend = CPUBackend()

    // x = randn(shape_x); weight = randn(shape_w) / sqrt(fan_in); bias = randn(Cout)
    // out = F.conv3d(F.pad(x, pad), weight, bias, stride=stride)   (F.pad lists w, h, t pairs)
    static let conv3DCases = [
        // x [1, 4, 3, 6, 5], w [6, 4, 3, 3, 3], pad (1, 1, 1, 1, 2, 0): Wan's CausalConv3d
        Conv3DCase(name: "conv3d_causal333", padding: .causal(1, 1, 1), stride: [1, 1, 1]),
        // x [1, 4, 1, 5, 7] (one frame), w [3, 4, 3, 3, 3], pad (1, 1, 1, 1, 2, 0)
        Conv3DCase(name: "conv3d_causal_t1", padding: .causal(1, 1, 1), stride: [1, 1, 1]),
        // x [1, 3, 2, 7, 9], w [5, 3, 3, 3, 3], pad (1, 1, 1, 1, 2, 0), stride (1, 2, 2)
        Conv3DCase(name: "conv3d_down_s122", padding: .causal(1, 1, 1), stride: [1, 2, 2]),
        // x [1, 3, 2, 8, 7], w [4, 3, 1, 3, 3], pad (0, 1, 0, 1, 0, 0), stride (1, 2, 2): Wan's ZeroPad2d + stride 2
        Conv3DCase(name: "conv3d_down_asym", padding: Padding3D(time: (0, 0), height: (0, 1), width: (0, 1)),
                   stride: [1, 2, 2]),
        // x [2, 3, 4, 3, 5], w [5, 3, 3, 1, 1], pad (0, 0, 0, 0, 2, 0): causal temporal kernel
        Conv3DCase(name: "conv3d_time311", padding: .causal(1, 0, 0), stride: [1, 1, 1]),
        // x [1, 4, 5, 3, 3], w [4, 4, 3, 1, 1], no pad, stride (2, 1, 1): Wan's time downsample
        Conv3DCase(name: "conv3d_time_s2", padding: .symmetric(0, 0, 0), stride: [2, 1, 1]),
        // x [2, 5, 2, 3, 4], w [7, 5, 1, 1, 1], no bias
        Conv3DCase(name: "conv3d_pointwise", padding: .symmetric(0, 0, 0), stride: [1, 1, 1]),
        // x [1, 2, 3, 4, 5], w [3, 2, 3, 3, 3], pad (1, 1, 1, 1, 1, 1), no bias
        Conv3DCase(name: "conv3d_symmetric", padding: .symmetric(1, 1, 1), stride: [1, 1, 1]),
        // x [1, 4, 2, 6, 8], w [8, 4, 1, 2, 2], stride (1, 2, 2): Wan's patch embedding
        Conv3DCase(name: "conv3d_patch", padding: .symmetric(0, 0, 0), stride: [1, 2, 2]),
    ]

    @Test(arguments: conv3DCases)
    func conv3d(_ c: Conv3DCase) throws {
        let fixture = try OpFixture("conv")
        let out = try backend.conv3d(try fixture.tensor(c.name, "x"), weight: try fixture.tensor(c.name, "weight"),
                                     bias: try fixture.optionalTensor(c.name, "bias"), stride: c.stride, padding: c.padding)
        expectMatch(out, try fixture.expected(c.name), .float32, c.name)
    }

    // out = F.conv2d(x, weight, bias, stride=stride, padding=padding)
    static let conv2DCases = [
        Conv2DCase(name: "conv2d_3x3_p1", padding: [1, 1], stride: [1, 1]),  // x [2, 3, 7, 9], w [5, 3, 3, 3]
        Conv2DCase(name: "conv2d_s2", padding: [1, 1], stride: [2, 2]),      // x [1, 4, 9, 8], w [6, 4, 3, 3]
        Conv2DCase(name: "conv2d_1x1", padding: [0, 0], stride: [1, 1]),     // x [2, 6, 3, 5], w [4, 6, 1, 1], no bias
    ]

    @Test(arguments: conv2DCases)
    func conv2d(_ c: Conv2DCase) throws {
        let fixture = try OpFixture("conv")
        let out = try backend.conv2d(try fixture.tensor(c.name, "x"), weight: try fixture.tensor(c.name, "weight"),
                                     bias: try fixture.optionalTensor(c.name, "bias"), stride: c.stride, padding: c.padding)
        expectMatch(out, try fixture.expected(c.name), .float32, c.name)
    }

    @Test func everyFixtureCaseIsCovered() throws {
        let names = Self.conv3DCases.map(\.name) + Self.conv2DCases.map(\.name)
        #expect(try OpFixture("conv").cases() == Set(names))
    }
}
