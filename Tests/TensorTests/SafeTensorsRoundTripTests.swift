import Testing
import Tensor

@Suite struct SafeTensorsRoundTripTests {
    @Test func writesAndReadsFloatTypesWithMetadata() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("model.safetensors")
        let a = try Tensor([1, -2.5, 3, 4, 5, 6], shape: [2, 3])
        let b = try Tensor([0.5, 1.5, -7, 1e-3], shape: [4], dtype: .bfloat16)
        let c = try Tensor([65504, -0.25], shape: [1, 2, 1], dtype: .float16)
        let scalar = try Tensor([42], shape: [])
        let empty = Tensor(zeros: [0, 3], dtype: .bfloat16)
        let written = [("blocks.0.weight", a), ("blocks.0.bias", b), ("norm", c), ("scale", scalar), ("empty", empty)]
        try SafeTensorsWriter.write(written.map { (name: $0.0, tensor: $0.1) },
                                    metadata: ["format": "pt", "note": "quote \" and\nnewline"], to: path)

        let file = try SafeTensorsFile(path: path)
        #expect(file.metadata == ["format": "pt", "note": "quote \" and\nnewline"])
        #expect(file.names == ["blocks.0.weight", "blocks.0.bias", "norm", "scale", "empty"])
        #expect(file.entry(named: "blocks.0.bias") == SafeTensorsEntry(
            name: "blocks.0.bias", dtype: .bfloat16, shape: [4], byteRange: 24..<32))
        for (name, original) in written {
            let loaded = try file.tensor(named: name)
            #expect(loaded.shape == original.shape)
            #expect(loaded.dtype == original.dtype)
            #expect(loaded.floats() == original.floats())
        }
        #expect(file.parameterCount == 6 + 4 + 2 + 1)
        #expect(file.byteCount == 24 + 8 + 4 + 4)
    }

    @Test func headerIsPaddedToAMultipleOfEight() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("x.safetensors")
        for name in ["a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh"] {
            try SafeTensorsWriter.write([(name: name, tensor: try Tensor([1], shape: [1]))], to: path)
            #expect(try folder.list() == ["x.safetensors"])  // no temporary file left behind
            #expect(try SafeTensorsFile(path: path).withUnsafeBytes(named: name) { Array($0) } == float32Bytes([1]))
            let bytes = try folder.read("x.safetensors")
            let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
            #expect(length % 8 == 0)
            #expect(bytes[8 + length - 1] == UInt8(ascii: " ") || bytes[8 + length - 1] == UInt8(ascii: "}"))
            #expect(bytes.count == 8 + length + 4)
        }
    }

    @Test func convertsOnLoad() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("m.safetensors")
        try SafeTensorsWriter.write([(name: "w", tensor: try Tensor([1.00390625, -3, 0.1], shape: [3]))], to: path)
        let file = try SafeTensorsFile(path: path)
        let bf16 = try file.tensor(named: "w", as: .bfloat16)
        #expect(bf16.dtype == .bfloat16)
        #expect(bf16.floats() == [1, -3, roundedToBFloat16(0.1)])
        let f16 = try file.tensor(named: "w", as: .float16)
        #expect(f16.floats() == [1.00390625, -3, Float(Float16(0.1))])
    }

    /// Integer, F64, BOOL and F8 tensors load as float32, from unaligned offsets.
    @Test func loadsConvertedTypesFromHandBuiltBytes() throws {
        let u8: [UInt8] = [0, 7, 255]
        let boolBytes: [UInt8] = [1, 0, 2]
        let i64 = littleEndianBytes([Int64(-5), 1 << 40])
        let f64 = littleEndianBytes([(2.5 as Double).bitPattern, (-1e-3 as Double).bitPattern])
        let i16 = littleEndianBytes([Int16(-300), 300])
        // e4m3: 0x38 = 1.0, 0xC4 = -1.5·2^1, 0x01 = the smallest subnormal 2^-9, 0x7F = NaN.
        let e4m3: [UInt8] = [0x38, 0xC4, 0x01, 0x7F]
        let e5m2: [UInt8] = [0x3C, 0xC0]  // 1.0, -2.0
        let e8m0: [UInt8] = [127, 130, 0xFF]  // 1, 8, NaN
        var data: [UInt8] = []
        var entries: [String] = []
        func add(_ name: String, _ dtype: String, _ shape: [Int], _ bytes: [UInt8]) {
            entries.append("\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(data.count),\(data.count + bytes.count)]}")
            data += bytes
        }
        add("u8", "U8", [3], u8)
        add("i64", "I64", [2], i64)
        add("flags", "BOOL", [3], boolBytes)
        add("f64", "F64", [2, 1], f64)
        add("i16", "I16", [2], i16)
        add("e4m3", "F8_E4M3", [4], e4m3)
        add("e5m2", "F8_E5M2", [2], e5m2)
        add("e8m0", "F8_E8M0", [3], e8m0)
        let folder = try TemporaryFolder()
        let path = try folder.write(safetensorsBytes(header: "{" + entries.joined(separator: ",") + "}", data: data),
                                    to: "mixed.safetensors")
        let file = try SafeTensorsFile(path: path)
        #expect(file.entry(named: "i64")?.byteRange == 3..<19)
        #expect(try file.tensor(named: "u8").floats() == [0, 7, 255])
        #expect(try file.tensor(named: "i64").floats() == [-5, Float(1 << 40)])
        #expect(try file.tensor(named: "flags").floats() == [1, 0, 1])
        let f64Tensor = try file.tensor(named: "f64")
        #expect(f64Tensor.dtype == .float32 && f64Tensor.shape == [2, 1])
        #expect(f64Tensor.floats() == [2.5, Float(-1e-3 as Double)])
        #expect(try file.tensor(named: "i16", as: .bfloat16).floats() == [-300, 300])
        let e4m3Values = try file.tensor(named: "e4m3").floats()
        #expect(Array(e4m3Values[0..<3]) == [1, -3, 1.0 / 512])
        #expect(e4m3Values[3].isNaN)
        #expect(try file.tensor(named: "e5m2").floats() == [1, -2])
        let e8m0Values = try file.tensor(named: "e8m0").floats()
        #expect(Array(e8m0Values[0..<2]) == [1, 8])
        #expect(e8m0Values[2].isNaN)
    }

    @Test func refusesToLoadComplexAndSubByteTypes() throws {
        let header = #"{"c":{"dtype":"C64","shape":[1],"data_offsets":[0,8]},"f4":{"dtype":"F4","shape":[2,3],"data_offsets":[8,11]}}"#
        let folder = try TemporaryFolder()
        let path = try folder.write(safetensorsBytes(header: header, data: [UInt8](repeating: 0, count: 11)),
                                    to: "odd.safetensors")
        let file = try SafeTensorsFile(path: path)
        #expect(file.entry(named: "f4")?.byteCount == 3)
        let error = expectWeightError(file: "odd.safetensors", tensor: "f4") { _ = try file.tensor(named: "f4") }
        #expect(error?.reason == .unsupportedDType("F4"))
        expectWeightError(file: "odd.safetensors", tensor: "c") { _ = try file.tensor(named: "c", as: .float32) }
    }

    @Test func writerReplacesAtomicallyAndRejectsDuplicates() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("w.safetensors")
        try SafeTensorsWriter.write([(name: "x", tensor: try Tensor([1, 2], shape: [2]))], to: path)
        try SafeTensorsWriter.write([(name: "y", tensor: try Tensor([3], shape: [1]))], to: path)
        #expect(try SafeTensorsFile(path: path).names == ["y"])
        let one = try Tensor([1], shape: [1])
        let error = expectWeightError(file: "w.safetensors", tensor: "x") {
            try SafeTensorsWriter.write([(name: "x", tensor: one), (name: "x", tensor: one)], to: path)
        }
        #expect(error.map { if case .writeFailed = $0.reason { true } else { false } } == true)
        #expect(try folder.list() == ["w.safetensors"])
        #expect(try SafeTensorsFile(path: path).names == ["y"])
        expectWeightError(file: "missing-folder/w.safetensors") {
            try SafeTensorsWriter.write([(name: "x", tensor: one)], to: folder.file("missing-folder/w.safetensors"))
        }
    }

    @Test func opensASingleFileOrAFolderHoldingOne() throws {
        let folder = try TemporaryFolder()
        try folder.makeFolder("one")
        try SafeTensorsWriter.write([(name: "x", tensor: try Tensor([1], shape: [1]))], to: folder.file("one/a.safetensors"))
        #expect(try openWeights(path: folder.file("one/a.safetensors")).names == ["x"])
        #expect(try openWeights(path: folder.file("one")).names == ["x"])
        try SafeTensorsWriter.write([(name: "y", tensor: try Tensor([1], shape: [1]))], to: folder.file("one/b.safetensors"))
        let error = expectWeightError(file: "one") { _ = try openWeights(path: folder.file("one")) }
        #expect(error?.description.contains("2 .safetensors files") == true)
        try folder.makeFolder("none")
        expectWeightError(file: "none") { _ = try openWeights(path: folder.file("none")) }
    }
}
