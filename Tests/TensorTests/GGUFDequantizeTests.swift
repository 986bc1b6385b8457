import Tensor
import Testing

/// Every block type read against the gguf Python package (tools/fixtures/make_gguf_fixtures.py):
///
///     data = gguf.quants.quantize(values, qtype)       # F16, BF16, Q4_0 ... Q8_0
///     data = random blocks, finite half scales          # Q2_K ... Q6_K (gguf-py only decodes them)
///     expected = gguf.quants.dequantize(data, qtype)    # float32, held bit for bit
///
/// The C kernels and the Swift reference decoder must both give exactly these values.
@Suite struct GGUFDequantizeTests {
    let file: GGUFFile
    let expected: SafeTensorsFile

    init() throws {
        file = try GGUFFile(path: ggufFixture("types.gguf"))
        expected = try SafeTensorsFile(path: ggufFixture("types_expected.safetensors"))
    }

    static let blockTypes: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    func expectBitEqual(_ actual: [Float], _ reference: [Float], _ label: String,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == reference.count, "\(label): \(actual.count) values, expected \(reference.count)",
                sourceLocation: sourceLocation)
        let differing = zip(actual, reference).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
        #expect(differing.isEmpty, "\(label): \(differing.count) values differ, first at \(differing.first.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? "")",
                sourceLocation: sourceLocation)
    }

    @Test(arguments: GGMLType.allCases)
    func kernelsEqualGGUFPackage(_ type: GGMLType) throws {
        let name = type.name
        let reference = try expected.tensor(named: name)
        let info = try #require(file.info(named: name))
        #expect(info.type == type)
        #expect(info.shape == reference.shape)
        expectBitEqual(try file.tensor(named: name, as: .float32).floats(), reference.floats(), "\(name) as f32")
        // The default load keeps F16 and BF16, and decodes block types to float32.
        #expect(try file.tensor(named: name).dtype == (type.tensorDType ?? .float32))
        let bf16 = try file.tensor(named: name, as: .bfloat16).floats()
        expectBitEqual(bf16, reference.floats().map(roundedToBFloat16), "\(name) as bf16")
    }

    @Test(arguments: blockTypes)
    func quantizedMatrixDecodesLikeTheFile(_ type: GGMLType) throws {
        let reference = try expected.tensor(named: type.name).floats()
        let matrix = try #require(try file.quantizedMatrix(named: type.name))
        #expect(matrix.type == type)
        expectBitEqual(matrix.referenceDequantized(), reference, "\(type.name) Swift reference")
        expectBitEqual(try matrix.dequantized(as: .float32).floats(), reference, "\(type.name) C kernels")
        expectBitEqual(try matrix.dequantized(as: .bfloat16).floats(), reference.map(roundedToBFloat16), "\(type.name) C kernels bf16")
    }

    /// The C kernels and the Swift reference agree on random blocks of every type (scales kept
    /// finite: a NaN's payload is not a value).
    @Test(arguments: blockTypes)
    func kernelsEqualReferenceOnRandomBlocks(_ type: GGMLType) throws {
        var generator = SystemRandomNumberGenerator()
        let blocks = 16
        let storage = try Storage(allocatingHostBytes: blocks * type.blockBytes)
        let bytes = try #require(storage.hostPointer).assumingMemoryBound(to: UInt8.self)
        for i in 0..<(blocks * type.blockBytes) { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
        // Clear the top exponent bit of every byte pair that could be a half scale, so none is Inf/NaN.
        let halfOffsets: [GGMLType: [Int]] = [.q8_0: [0], .q4_0: [0], .q4_1: [0, 2], .q5_0: [0], .q5_1: [0, 2],
                                             .q2_K: [80, 82], .q3_K: [108], .q4_K: [0, 2], .q5_K: [0, 2], .q6_K: [208]]
        for block in 0..<blocks {
            for offset in halfOffsets[type] ?? [] { bytes[block * type.blockBytes + offset + 1] &= 0xBF }
        }
        let matrix = try QuantizedMatrix(type: type, shape: [blocks, type.blockSize], storage: storage)
        expectBitEqual(try matrix.dequantized().floats(), matrix.referenceDequantized(), "\(type.name) random")
    }

    /// ComfyUI-GGUF appends a Wan file's patch embedding as a 5-D F32 tensor, and stores some
    /// tensors reshaped with their real shape in `comfy.gguf.orig_shape.<name>`.
    @Test func fiveDimensionalAndReshapedTensors() throws {
        let five = try #require(file.entry(named: "patch_embedding.weight"))
        #expect(five.shape == [4, 2, 1, 2, 2])
        #expect(try file.tensor(named: "patch_embedding.weight").floats()
                == (try expected.tensor(named: "patch_embedding.weight").floats()))
        let reshaped = try #require(file.info(named: "reshaped.weight"))
        #expect(reshaped.shape == [4, 4, 4])
        #expect(reshaped.storedShape == [2, 32])
        expectBitEqual(try file.tensor(named: "reshaped.weight").floats(),
                       try expected.tensor(named: "reshaped.weight").floats(), "reshaped")
        // Its rows are not the tensor's rows, so it is never offered as a quantised matrix.
        #expect(try file.quantizedMatrix(named: "reshaped.weight") == nil)
        #expect(try file.quantizedMatrix(named: "F16") == nil)
    }

    @Test func metadataOfEveryValueType() throws {
        let m = file.metadata
        #expect(file.version == 3)
        #expect(file.architecture == "wan")
        #expect(m["test.uint8"] == .uint8(200))
        #expect(m["test.int8"] == .int8(-100))
        #expect(m["test.uint16"] == .uint16(60000))
        #expect(m["test.int16"] == .int16(-30000))
        #expect(m["test.uint32"] == .uint32(4_000_000_000))
        #expect(m["test.int32"] == .int32(-2_000_000_000))
        #expect(m["test.uint64"] == .uint64(18_000_000_000_000_000_000))
        #expect(m["test.int64"] == .int64(-9_000_000_000_000_000_000))
        #expect(m["test.float32"] == .float32(0.25))
        #expect(m["test.float64"] == .float64(-1.5))
        #expect(m["test.bool"] == .bool(true))
        #expect(m["test.string"] == .string("Zoëtrope"))
        #expect(m["test.strings"]?.arrayValue == [.string("a"), .string("bc"), .string("")])
        let nested = try #require(m["test.nested"]?.arrayValue)
        #expect(nested.map { $0.arrayValue?.compactMap(\.intValue) } == [[1, 2], [3]])
        #expect(file.metadataKeys.first == "general.architecture")
    }

    @Test func openWeightsChoosesGGUFByName() throws {
        let weights = try openWeights(path: ggufFixture("types.gguf"))
        #expect(weights is GGUFFile)
        // Entries give the PyTorch shape, the dtype a plain load gives and the bytes in the file.
        let entry = try #require(weights.entry(named: "Q4_K"))
        #expect(entry.shape == [2, 512] && entry.dtype == .float32 && entry.byteCount == 4 * 144)
    }
}
