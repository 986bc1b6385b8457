import CPUBackend
import NN
import Tensor
import Testing

/// A quantised linear weight: the CPU backend's threaded decoding equals the single-threaded C path
/// and the plain Swift reference value for value, and a layer on blocks equals the same layer on
/// their dense values.
@Suite struct QuantizedWeightTests {
    let backend = CPUBackend()

    /// `rows` rows of random `type` blocks with finite half scales.
    func randomMatrix(_ type: GGMLType, rows: Int, columns: Int) throws -> QuantizedMatrix {
        let bytes = rows * columns / type.blockSize * type.blockBytes
        let storage = try Storage(allocatingHostBytes: bytes)
        let raw = try #require(storage.hostPointer).assumingMemoryBound(to: UInt8.self)
        var generator = SystemRandomNumberGenerator()
        for i in 0..<bytes { raw[i] = UInt8.random(in: 0...255, using: &generator) }
        let halves: [GGMLType: [Int]] = [.q8_0: [0], .q4_0: [0], .q4_1: [0, 2], .q5_0: [0], .q5_1: [0, 2],
                                        .q2_K: [80, 82], .q3_K: [108], .q4_K: [0, 2], .q5_K: [0, 2], .q6_K: [208]]
        for block in 0..<(bytes / type.blockBytes) {
            // Exponent at most 14: scales below 1, never Inf or NaN.
            for offset in halves[type] ?? [] { raw[block * type.blockBytes + offset + 1] &= 0xB7 }
        }
        return try QuantizedMatrix(type: type, shape: [rows, columns], storage: storage)
    }

    @Test(arguments: [GGMLType.q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K])
    func threadedDecodingEqualsReference(_ type: GGMLType) throws {
        let matrix = try randomMatrix(type, rows: 37, columns: 1024)
        let reference = matrix.referenceDequantized()
        let threaded = try backend.dequantize(matrix, to: .float32)
        #expect(threaded.shape == [37, 1024] && threaded.dtype == .float32)
        #expect(threaded.floats().map(\.bitPattern) == reference.map(\.bitPattern))
        #expect(try backend.dequantize(matrix, to: .bfloat16).floats().map(\.bitPattern)
                == reference.map { roundedToBFloat16($0).bitPattern })
        #expect(try backend.dequantize(matrix, to: .float16).dtype == .float16)
    }

    @Test(arguments: [GGMLType.q8_0, .q5_1, .q3_K, .q6_K])
    func rowsDecodeLikeTheWholeMatrix(_ type: GGMLType) throws {
        let matrix = try randomMatrix(type, rows: 9, columns: 512)
        let whole = try matrix.dequantized().floats()
        #expect(try matrix.dequantizedRows(3..<5).floats() == Array(whole[(3 * 512)..<(5 * 512)]))
        #expect(try matrix.dequantizedRows(8..<9, as: .bfloat16).floats() == whole[(8 * 512)...].map(roundedToBFloat16))
        #expect(throws: TensorError.self) { try matrix.dequantizedRows(8..<10) }
    }

    @Test func linearOnBlocksEqualsLinearOnTheirValues() throws {
        let matrix = try randomMatrix(.q4_K, rows: 24, columns: 512)
        let bias = try Tensor((0..<24).map { Float($0) / 10 }, shape: [24])
        let x = try Tensor((0..<(3 * 512)).map { Float($0 % 17) / 8 - 1 }, shape: [3, 512])
        let quantized = Linear(weight: .quantized(matrix, computeType: .float32), bias: bias)
        let dense = Linear(weight: try matrix.dequantized(), bias: bias)
        #expect(quantized.inFeatures == 512 && quantized.outFeatures == 24)
        #expect(quantized.weight.residentBytes == 24 * 2 * 144)
        #expect(try quantized(x, on: backend).floats() == (try dense(x, on: backend).floats()))
    }
}
