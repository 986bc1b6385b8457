import CPUBackend
import Tensor
import TestSupport
import Testing

/// A data-movement case: the fixture name and the op's integer parameters.
struct ShapeCase: Sendable, CustomTestStringConvertible {
    let name: String
    let values: [Int]
    var testDescription: String { name }
    init(_ name: String, _ values: [Int]) { self.name = name; self.values = values }
}

@Suite struct ShapeOpsTests {
    let backend = CPUBackend()

    // x = randn(shape); out = x.permute(*axes)   (values = axes)
    static let permuteCases = [
        ShapeCase("permute_3d", [2, 0, 1]),                // x [2, 3, 5]
        ShapeCase("permute_5d_tokens", [0, 2, 3, 4, 1]),   // x [2, 3, 2, 4, 5]: [B, C, T, H, W] -> [B, T, H, W, C]
        ShapeCase("permute_identity", [0, 1]),             // x [3, 4]
        ShapeCase("permute_swap_last", [0, 2, 1]),         // x [2, 17, 9]
        ShapeCase("permute_heads", [0, 2, 1, 3]),          // x [1, 5, 3, 4]: [B, N, H, D] -> [B, H, N, D]
        ShapeCase("permute_bf16", [1, 2, 0]),              // x [3, 4, 5] bf16
    ]

    @Test(arguments: permuteCases)
    func permute(_ c: ShapeCase) throws {
        let fixture = try OpFixture("shape")
        let out = try backend.permute(try fixture.tensor(c.name, "x"), c.values)
        expectMatch(out, try fixture.expected(c.name), .exact, c.name)
    }

    // xs = [randn(s) for s in shapes]; out = torch.cat(xs, axis)   (values = [axis, tensor count])
    static let concatCases = [
        ShapeCase("concat_axis0", [0, 3]),  // [2, 3], [1, 3], [4, 3]
        ShapeCase("concat_axis1", [1, 2]),  // [2, 3, 5], [2, 1, 5]
        ShapeCase("concat_last", [2, 2]),   // [2, 3, 4], [2, 3, 7]
        ShapeCase("concat_time", [2, 3]),   // [1, 2, 2, 3, 3], [1, 2, 1, 3, 3], [1, 2, 3, 3, 3]
        ShapeCase("concat_single", [1, 1]), // [3, 5]
        ShapeCase("concat_bf16", [1, 2]),   // [2, 5], [2, 3] bf16
    ]

    @Test(arguments: concatCases)
    func concat(_ c: ShapeCase) throws {
        let fixture = try OpFixture("shape")
        let inputs = try (0..<c.values[1]).map { try fixture.tensor(c.name, "in\($0)") }
        let out = try backend.concat(inputs, axis: c.values[0])
        expectMatch(out, try fixture.expected(c.name), .exact, c.name)
        // Negative axes count from the end, as in torch.cat.
        let negative = try backend.concat(inputs, axis: c.values[0] - inputs[0].rank)
        expectMatch(negative, try fixture.expected(c.name), .exact, "\(c.name) (negative axis)")
    }

    // x = randn(shape); out = x[..., start:end, ...] on axis   (values = [axis, start, end])
    static let sliceCases = [
        ShapeCase("slice_cols", [1, 2, 7]),    // x [4, 10]
        ShapeCase("slice_rows", [0, 1, 2]),    // x [3, 5, 6]
        ShapeCase("slice_frames", [1, 5, 7]),  // x [2, 7, 3, 3]: the last two frames
        ShapeCase("slice_all", [0, 0, 3]),     // x [3, 4]
        ShapeCase("slice_last1", [2, 8, 9]),   // x [2, 3, 9]
    ]

    @Test(arguments: sliceCases)
    func slice(_ c: ShapeCase) throws {
        let fixture = try OpFixture("shape")
        let out = try backend.slice(try fixture.tensor(c.name, "x"), axis: c.values[0], start: c.values[1], end: c.values[2])
        expectMatch(out, try fixture.expected(c.name), .exact, c.name)
    }

    /// A pad case: padding per axis (outermost first) and the value.
    struct PadCase: Sendable, CustomTestStringConvertible {
        let name: String
        let padding: [[Int]]
        let value: Float
        var testDescription: String { name }
    }

    // x = randn(shape); out = F.pad(x, <padding reversed, innermost axis first>, value=value)
    static let padCases = [
        PadCase(name: "pad_3d", padding: [[0, 0], [1, 2], [3, 0]], value: 0),  // x [2, 3, 4]
        // x [1, 2, 3, 4, 5], F.pad(x, (1, 1, 1, 1, 2, 0)): Wan's causal padding
        PadCase(name: "pad_causal", padding: [[0, 0], [0, 0], [2, 0], [1, 1], [1, 1]], value: 0),
        PadCase(name: "pad_value", padding: [[2, 1], [0, 3]], value: -1.5),  // x [3, 5]
        PadCase(name: "pad_none", padding: [[0, 0], [0, 0]], value: 0),      // x [2, 3]
        PadCase(name: "pad_bf16", padding: [[1, 0], [0, 0], [2, 2]], value: 0.5),  // x [2, 3, 3] bf16
    ]

    @Test(arguments: padCases)
    func pad(_ c: PadCase) throws {
        let fixture = try OpFixture("shape")
        let out = try backend.pad(try fixture.tensor(c.name, "x"), c.padding.map { ($0[0], $0[1]) }, value: c.value)
        expectMatch(out, try fixture.expected(c.name), .exact, c.name)
    }

    // x = randn(shape); out = F.interpolate(x, scale_factor=scale, mode="nearest")   (values = factors)
    static let upsampleCases = [
        ShapeCase("up_4d", [2, 2]),            // x [1, 2, 3, 5], scale 2
        ShapeCase("up_5d", [2, 2, 2]),         // x [1, 2, 2, 3, 3], scale 2
        ShapeCase("up_5d_spatial", [1, 2, 2]), // x [2, 3, 2, 3, 5], scale (1, 2, 2)
        ShapeCase("up_3d_x3", [3]),            // x [2, 3, 4], scale 3
        ShapeCase("up_4d_bf16", [2, 2]),       // x [1, 3, 2, 3] bf16, scale 2
    ]

    @Test(arguments: upsampleCases)
    func upsampleNearest(_ c: ShapeCase) throws {
        let fixture = try OpFixture("shape")
        let out = try backend.upsampleNearest(try fixture.tensor(c.name, "x"), factors: c.values)
        expectMatch(out, try fixture.expected(c.name), .exact, c.name)
    }

    @Test func everyFixtureCaseIsCovered() throws {
        let names = [Self.permuteCases, Self.concatCases, Self.sliceCases, Self.upsampleCases].flatMap { $0.map(\.name) }
            + Self.padCases.map(\.name)
        #expect(try OpFixture("shape").cases() == Set(names))
    }

    @Test func emptyAndScalarTensors() throws {
        let empty = Tensor(zeros: [0, 2])
        #expect(try backend.permute(empty, [1, 0]).shape == [2, 0])
        #expect(try backend.pad(empty, [(1, 0), (0, 1)], value: 3).floats() == [3, 3, 3])
        #expect(try backend.slice(Tensor(zeros: [3, 2]), axis: 0, start: 1, end: 1).shape == [0, 2])
        #expect(try backend.upsampleNearest(empty, factors: [2]).shape == [0, 4])
        let scalar = try Tensor([5], shape: [])
        #expect(try backend.permute(scalar, []).floats() == [5])
        #expect(try backend.pad(scalar, [], value: 0).floats() == [5])
    }
}
