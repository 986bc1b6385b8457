import CPUBackend
import Foundation
import Tensor
import Testing

/// Linear weights packed into oneDNN's GEMM layout at load (`prepareLinearWeight`): the same products
/// as the plain weight at every row count, given back plain by `download`, and refused by every op
/// that is not `linear`.
@Suite struct PackedWeightsTests {
    let backend = CPUBackend()

    private func random(_ shape: [Int], seed: UInt64, dtype: DType = .bfloat16) throws -> Tensor {
        var noise = GaussianNoise(seed: seed)
        return try backend.cast(noise.tensor(shape), to: dtype)
    }

    @Test(arguments: [1, 7, 300])
    func packedLinearEqualsPlainLinear(_ rows: Int) throws {
        let weight = try random([192, 128], seed: 1), bias = try random([192], seed: 2, dtype: .float32)
        let packed = try backend.prepareLinearWeight(weight)
        // Packed wherever oneDNN has a bf16 GEMM (AVX-512); on other CPUs the weight stays plain.
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        if flags.contains(" avx512_bf16") { #expect(!packed.isOnHost, "a bf16 weight is packed on this CPU") }
        #expect(packed.shape == [192, 128] && packed.dtype == .bfloat16)
        let x = try random([rows, 128], seed: 3)
        for activation in [nil, UnaryOp.geluTanh] {
            let plainOut = try backend.linear(x, weight: weight, bias: bias, activation: activation)
            let packedOut = try backend.linear(x, weight: packed, bias: bias, activation: activation)
            #expect(packedOut.floats() == plainOut.floats())
        }
        // Leading axes and an f32 input (cast to the weight's dtype) as the plain path takes them.
        let x3 = try random([2, rows, 128], seed: 4, dtype: .float32)
        #expect(try backend.linear(x3, weight: packed, bias: nil).floats() == backend.linear(x3, weight: weight, bias: nil).floats())
    }

    @Test func downloadGivesThePlainWeightBack() throws {
        let weight = try random([64, 96], seed: 5)
        let packed = try backend.prepareLinearWeight(weight)
        #expect(try backend.download(packed).floats() == weight.floats())
    }

    @Test func float32AndNonMatrixWeightsStayAsTheyAre() throws {
        let f32 = try random([64, 64], seed: 6, dtype: .float32)
        #expect(try backend.prepareLinearWeight(f32).isOnHost)
        let vector = try random([64], seed: 7)
        #expect(try backend.prepareLinearWeight(vector).isOnHost)
    }

    @Test func otherOpsRefuseAPackedWeight() throws {
        let packed = try backend.prepareLinearWeight(try random([64, 64], seed: 8))
        guard !packed.isOnHost else { return }  // not packed on this CPU: nothing to refuse
        #expect(throws: TensorError.self) { try backend.cast(packed, to: .float32) }
        #expect(throws: TensorError.self) { try backend.matmul(packed, packed) }
        // A packed weight reshaped is refused, and one of the wrong width is a shape error, as a plain one.
        #expect(throws: TensorError.self) { try backend.linear(try random([3, 32], seed: 9), weight: try packed.reshaped([128, 32]), bias: nil) }
        #expect(throws: TensorError.self) { try backend.linear(try random([3, 32], seed: 9), weight: packed, bias: nil) }
    }
}
