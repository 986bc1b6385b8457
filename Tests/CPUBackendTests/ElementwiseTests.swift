import CPUBackend
import Tensor
import TestSupport
import Testing

/// A broadcasting pattern of the binary fixtures: `binary_<op>_<name>`.
struct BroadcastPattern: Sendable, CustomTestStringConvertible {
    let name: String
    var testDescription: String { name }
}

// Shapes of a and b, as in BROADCASTS of make_op_fixtures.py.
let broadcastPatterns: [BroadcastPattern] = [
    "same",      // [4, 37] op [4, 37]
    "trailing",  // [2, 5, 19] op [19]
    "middle1",   // [2, 5, 19] op [2, 1, 19]
    "column",    // [2, 5, 19] op [2, 5, 1]
    "both",      // [3, 1, 7] op [1, 4, 1] -> [3, 4, 7]
    "scalar",    // [6, 17] op [1]
    "leadingA",  // [1, 17] op [5, 17]
    "rankA",     // [7] op [3, 4, 7]
].map(BroadcastPattern.init)

@Suite struct ElementwiseTests {
    let backend = CPUBackend()

    /// x = randn(3, 37) * 3 (uniform(0.05, 6) for log/sqrt/rsqrt), and a [1, 1, 1] case;
    /// out = torch.neg/abs/exp/log/sqrt/rsqrt/tanh/sigmoid/square(x), F.silu(x), F.gelu(x),
    /// F.gelu(x, approximate="tanh").
    @Test(arguments: UnaryOp.allCases)
    func unaryFloat32(_ op: UnaryOp) throws {
        let fixture = try OpFixture("elementwise")
        for suffix in ["f32", "one"] {
            let name = "unary_\(op.rawValue)_\(suffix)"
            let out = try backend.unary(op, try fixture.tensor(name, "x"))
            expectMatch(out, try fixture.expected(name), .float32Elementwise, name)
        }
    }

    /// x = (randn(5, 33) * 3).to(bf16); out = <the same torch op>(x), PyTorch's own bf16 kernel.
    @Test(arguments: UnaryOp.allCases)
    func unaryBFloat16(_ op: UnaryOp) throws {
        let fixture = try OpFixture("elementwise")
        let name = "unary_\(op.rawValue)_bf16"
        let out = try backend.unary(op, try fixture.tensor(name, "x"))
        expectMatch(out, try fixture.expected(name), .bfloat16, name)
    }

    /// a = randn(shape_a) * 2, b = randn(shape_b) * 2 (for div: ±uniform(0.5, 2));
    /// out = torch.add/sub/mul/div/maximum/minimum(a, b).
    @Test(arguments: BinaryOp.allCases, broadcastPatterns)
    func binaryFloat32(_ op: BinaryOp, _ pattern: BroadcastPattern) throws {
        let fixture = try OpFixture("elementwise")
        let name = "binary_\(op.rawValue)_\(pattern.name)"
        let out = try backend.binary(op, try fixture.tensor(name, "a"), try fixture.tensor(name, "b"))
        expectMatch(out, try fixture.expected(name), .float32Elementwise, name)
    }

    /// a = randn(2, 5, 19).to(bf16), b = uniform(0.5, 2, (19,)).to(bf16); out = torch.<op>(a, b) in bf16.
    @Test(arguments: BinaryOp.allCases)
    func binaryBFloat16(_ op: BinaryOp) throws {
        let fixture = try OpFixture("elementwise")
        let name = "binary_\(op.rawValue)_bf16"
        let out = try backend.binary(op, try fixture.tensor(name, "a"), try fixture.tensor(name, "b"))
        expectMatch(out, try fixture.expected(name), .bfloat16, name)
    }

    /// a = randn(3, 4, 16).to(bf16), b = randn(3, 1, 16) (f32); out = a * b, promoted to float32.
    @Test func binaryMixedDTypesPromoteToFloat32() throws {
        let fixture = try OpFixture("elementwise")
        let name = "binary_mul_mixed"
        let out = try backend.mul(try fixture.tensor(name, "a"), try fixture.tensor(name, "b"))
        expectMatch(out, try fixture.expected(name), .float32Elementwise, name)
    }

    /// affine_f32: x = randn(3, 37); out = x * 0.7 + (-1.25).
    /// affine_bf16: x = randn(4, 21).to(bf16); out = (x.float() * 0.7 + (-1.25)).to(bf16).
    @Test(arguments: ["affine_f32", "affine_bf16"])
    func affine(_ name: String) throws {
        let fixture = try OpFixture("elementwise")
        let x = try fixture.tensor(name, "x")
        let out = try backend.affine(x, scale: 0.7, offset: -1.25)
        expectMatch(out, try fixture.expected(name), tolerance(for: x.dtype, float32: .float32Elementwise), name)
    }

    @Test func everyFixtureCaseIsCovered() throws {
        let fixture = try OpFixture("elementwise")
        var tested: Set<String> = ["binary_mul_mixed", "affine_f32", "affine_bf16"]
        for op in UnaryOp.allCases {
            for suffix in ["f32", "one", "bf16"] { tested.insert("unary_\(op.rawValue)_\(suffix)") }
        }
        for op in BinaryOp.allCases {
            for pattern in broadcastPatterns { tested.insert("binary_\(op.rawValue)_\(pattern.name)") }
            tested.insert("binary_\(op.rawValue)_bf16")
        }
        #expect(fixture.cases() == tested)
    }

    @Test func maximumAndMinimumPropagateNaN() throws {
        let a = try Tensor([1, .nan, 3], shape: [3])
        let b = try Tensor([.nan, 2, 0], shape: [3])
        let high = try backend.binary(.maximum, a, b).floats()
        let low = try backend.binary(.minimum, a, b).floats()
        #expect(high[0].isNaN && high[1].isNaN && high[2] == 3)
        #expect(low[0].isNaN && low[1].isNaN && low[2] == 0)
    }

    @Test func emptyTensorsStayEmpty() throws {
        let empty = Tensor(zeros: [0, 3])
        #expect(try backend.unary(.exp, empty).shape == [0, 3])
        #expect(try backend.add(empty, Tensor(zeros: [3])).shape == [0, 3])
        #expect(try backend.affine(empty, scale: 2, offset: 1).shape == [0, 3])
    }

    @Test func scalarShapesBroadcast() throws {
        let scalar = try Tensor([2], shape: [])
        let out = try backend.mul(scalar, try Tensor([1, 2, 3], shape: [3]))
        #expect(out.shape == [3])
        #expect(out.floats() == [2, 4, 6])
    }
}
