import CPUBackend
import Tensor
import Testing

/// Bad shapes, axes and arguments throw a `TensorError` instead of trapping.
@Suite struct ErrorTests {
    let backend = CPUBackend()

    @Test func binaryShapesThatDoNotBroadcastThrow() {
        #expect(throws: TensorError.self) { try backend.add(Tensor(zeros: [2, 3]), Tensor(zeros: [4])) }
        #expect(throws: TensorError.self) { try backend.mul(Tensor(zeros: [2, 3, 4]), Tensor(zeros: [3, 1, 1, 2])) }
    }

    @Test func normalisationParametersMustMatchTheLastAxis() {
        let x = Tensor(zeros: [2, 8])
        #expect(throws: TensorError.self) { try backend.layerNorm(x, weight: Tensor(zeros: [7]), bias: nil, eps: 1e-6) }
        #expect(throws: TensorError.self) { try backend.layerNorm(x, weight: nil, bias: Tensor(zeros: [1, 8]), eps: 1e-6) }
        #expect(throws: TensorError.self) { try backend.rmsNorm(x, weight: Tensor(zeros: [16]), eps: 1e-6) }
    }

    @Test func reductionsOverTheLastAxisNeedOne() throws {
        let scalar = try Tensor([1], shape: [])
        #expect(throws: TensorError.self) { try backend.softmax(scalar) }
        #expect(throws: TensorError.self) { try backend.layerNorm(scalar, weight: nil, bias: nil, eps: 1e-6) }
        #expect(throws: TensorError.self) { try backend.rmsNorm(scalar, weight: nil, eps: 1e-6) }
    }

    @Test func rotaryChecksShapes() {
        let table = Tensor(zeros: [3, 8])
        // rank 3 input
        #expect(throws: TensorError.self) { try backend.rotaryEmbedding(Tensor(zeros: [3, 2, 8]), cos: table, sin: table) }
        // odd head size
        #expect(throws: TensorError.self) {
            try backend.rotaryEmbedding(Tensor(zeros: [1, 3, 2, 7]), cos: Tensor(zeros: [3, 7]), sin: Tensor(zeros: [3, 7]))
        }
        // tables for the wrong number of tokens
        #expect(throws: TensorError.self) {
            try backend.rotaryEmbedding(Tensor(zeros: [1, 4, 2, 8]), cos: table, sin: table)
        }
        // sin shaped differently from cos
        #expect(throws: TensorError.self) {
            try backend.rotaryEmbedding(Tensor(zeros: [1, 3, 2, 8]), cos: table, sin: Tensor(zeros: [1, 3, 1, 8]))
        }
    }

    @Test func permuteNeedsAPermutation() {
        let x = Tensor(zeros: [2, 3, 4])
        #expect(throws: TensorError.self) { try backend.permute(x, [0, 0, 1]) }
        #expect(throws: TensorError.self) { try backend.permute(x, [0, 1]) }
        #expect(throws: TensorError.self) { try backend.permute(x, [0, 1, 3]) }
        #expect(throws: TensorError.self) { try backend.permute(x, [-1, 0, 1]) }
    }

    @Test func concatChecksAxisShapesAndDTypes() {
        let a = Tensor(zeros: [2, 3])
        #expect(throws: TensorError.self) { try backend.concat([], axis: 0) }
        #expect(throws: TensorError.self) { try backend.concat([a, a], axis: 2) }
        #expect(throws: TensorError.self) { try backend.concat([a, a], axis: -3) }
        #expect(throws: TensorError.self) { try backend.concat([a, Tensor(zeros: [3, 3])], axis: 1) }
        #expect(throws: TensorError.self) { try backend.concat([a, Tensor(zeros: [2, 3, 1])], axis: 0) }
        #expect(throws: TensorError.self) { try backend.concat([a, Tensor(zeros: [2, 3], dtype: .bfloat16)], axis: 0) }
    }

    @Test func sliceChecksItsRange() {
        let x = Tensor(zeros: [4, 5])
        #expect(throws: TensorError.self) { try backend.slice(x, axis: 1, start: 2, end: 6) }
        #expect(throws: TensorError.self) { try backend.slice(x, axis: 1, start: 3, end: 2) }
        #expect(throws: TensorError.self) { try backend.slice(x, axis: 0, start: -1, end: 2) }
        #expect(throws: TensorError.self) { try backend.slice(x, axis: 2, start: 0, end: 1) }
    }

    @Test func padNeedsOneNonNegativePairPerAxis() {
        let x = Tensor(zeros: [2, 3])
        #expect(throws: TensorError.self) { try backend.pad(x, [(1, 1)], value: 0) }
        #expect(throws: TensorError.self) { try backend.pad(x, [(0, 0), (0, -1)], value: 0) }
    }

    @Test func upsampleNeedsPositiveFactorsForExistingAxes() {
        let x = Tensor(zeros: [2, 3])
        #expect(throws: TensorError.self) { try backend.upsampleNearest(x, factors: [1, 0]) }
        #expect(throws: TensorError.self) { try backend.upsampleNearest(x, factors: [2, 2, 2]) }
    }

    @Test func linearAlgebraChecksShapes() {
        #expect(throws: TensorError.self) { try backend.matmul(Tensor(zeros: [2, 3]), Tensor(zeros: [4, 5])) }
        #expect(throws: TensorError.self) {
            try backend.matmul(Tensor(zeros: [2, 2, 3]), Tensor(zeros: [3, 3, 5]))  // batch 2 vs 3
        }
        #expect(throws: TensorError.self) {
            try backend.linear(Tensor(zeros: [2, 3]), weight: Tensor(zeros: [4, 5]), bias: nil)
        }
        #expect(throws: TensorError.self) {
            try backend.attention(query: Tensor(zeros: [1, 2, 4, 8]), key: Tensor(zeros: [1, 2, 4, 16]),
                                  value: Tensor(zeros: [1, 2, 4, 8]), scale: 1)
        }
        #expect(throws: TensorError.self) {
            try backend.conv3d(Tensor(zeros: [1, 3, 2, 4, 4]), weight: Tensor(zeros: [2, 4, 1, 1, 1]), bias: nil,
                               stride: [1, 1, 1], padding: .symmetric(0, 0, 0))
        }
        #expect(throws: TensorError.self) {
            try backend.conv2d(Tensor(zeros: [1, 3, 4, 4]), weight: Tensor(zeros: [2, 3, 5, 5]), bias: nil,
                               stride: [1, 1], padding: [0, 0])
        }
    }
}
