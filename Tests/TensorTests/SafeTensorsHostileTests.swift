#if canImport(Glibc)
import Glibc
#endif
import Testing
import Tensor

/// Malformed files, built byte by byte: each must throw a one-line ``WeightFileError`` naming the
/// file (and the tensor where one is at fault), never trap.
@Suite struct SafeTensorsHostileTests {
    let folder: TemporaryFolder
    init() throws { folder = try TemporaryFolder() }

    /// Writes `bytes` as `bad.safetensors` and expects opening it to fail.
    @discardableResult
    func expectOpenFails(_ bytes: [UInt8], tensor: String? = nil,
                         sourceLocation: SourceLocation = #_sourceLocation) throws -> WeightFileError? {
        let path = try folder.write(bytes, to: "bad.safetensors")
        return expectWeightError(file: "bad.safetensors", tensor: tensor, sourceLocation: sourceLocation) {
            _ = try SafeTensorsFile(path: path)
        }
    }

    func entry(_ name: String, _ dtype: String = "F32", _ shape: String, _ offsets: String) -> String {
        "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":\(offsets)}"
    }

    @Test func missingFile() {
        let error = expectWeightError(file: "absent.safetensors") {
            _ = try SafeTensorsFile(path: folder.file("absent.safetensors"))
        }
        #expect(error?.description.hasSuffix("absent.safetensors: does not exist") == true)
    }

    /// A FIFO is refused at once, never waited on (opening one for reading blocks until a writer
    /// comes), and so are a folder and a loop of symbolic links, each named for what it is.
    @Test func whatIsNotARegularFileIsNamed() throws {
        let fifo = folder.file("pipe.safetensors")
        #expect(mkfifo(fifo, 0o600) == 0)
        let loop = folder.file("loop.safetensors")
        #expect(symlink(loop + "-b", loop) == 0 && symlink(loop, loop + "-b") == 0)
        let cases = [(fifo, "is a FIFO (named pipe), not a regular file"), (loop, "is a loop of symbolic links"),
                     (folder.path, "is a folder, not a file")]
        for (path, phrase) in cases {
            let error = expectWeightError(file: fileName(path)) { _ = try SafeTensorsFile(path: path) }
            #expect(error?.description == "\(path): \(phrase)")
        }
    }

    private func fileName(_ path: String) -> String { String(path.split(separator: "/").last ?? "") }

    @Test func emptyFile() throws {
        #expect(try expectOpenFails([])?.reason == .tooSmall(byteCount: 0))
    }

    @Test func twoByteFile() throws {
        let error = try expectOpenFails([0x10, 0x00])
        #expect(error?.reason == .tooSmall(byteCount: 2))
        #expect(error?.description.contains("2 bytes") == true)
    }

    @Test func headerLengthPastEndOfFile() throws {
        let error = try expectOpenFails(safetensorsBytes(header: "{}", headerLength: 1_000))
        #expect(error?.reason == .headerPastEnd(headerLength: 1_000, fileSize: 10))
        // A length near 2^64 must not overflow the bounds check.
        try expectOpenFails(safetensorsBytes(header: "{}", headerLength: UInt64.max - 3))
    }

    @Test func offsetsOutOfRange() throws {
        let header = "{" + entry("blocks.0.attn1.to_q.weight", "U8", "[390]", "[10,400]") + "}"
        let error = try expectOpenFails(safetensorsBytes(header: header, data: [UInt8](repeating: 0, count: 300)),
                                        tensor: "blocks.0.attn1.to_q.weight")
        #expect(error?.description.hasSuffix(
            "bad.safetensors: tensor \"blocks.0.attn1.to_q.weight\": data_offsets [10, 400] run past the end of the data section (300 bytes)") == true)
        let reversed = "{" + entry("w", "U8", "[0]", "[8,4]") + "}"
        try expectOpenFails(safetensorsBytes(header: reversed, data: [UInt8](repeating: 0, count: 8)), tensor: "w")
        let negative = "{" + entry("w", "U8", "[4]", "[-4,0]") + "}"
        try expectOpenFails(safetensorsBytes(header: negative, data: [UInt8](repeating: 0, count: 8)), tensor: "w")
    }

    @Test func overlappingOffsets() throws {
        let header = "{" + entry("a", "F32", "[4]", "[0,16]") + "," + entry("b", "F32", "[2]", "[8,16]") + "}"
        let error = try expectOpenFails(safetensorsBytes(header: header, data: [UInt8](repeating: 0, count: 16)),
                                        tensor: "b")
        #expect(error?.reason == .overlap(other: "a", range: 8..<16, otherRange: 0..<16))
    }

    @Test func shapeDisagreesWithByteSize() throws {
        let header = "{" + entry("w", "F32", "[2,3]", "[0,20]") + "}"
        let error = try expectOpenFails(safetensorsBytes(header: header, data: [UInt8](repeating: 0, count: 24)),
                                        tensor: "w")
        #expect(error?.reason == .sizeMismatch(shape: [2, 3], dtype: "F32", expected: 24, actual: 20))
    }

    @Test func unknownDType() throws {
        let header = "{" + entry("w", "F12", "[1]", "[0,4]") + "}"
        let error = try expectOpenFails(safetensorsBytes(header: header, data: [0, 0, 0, 0]), tensor: "w")
        #expect(error?.reason == .unknownDType("F12"))
    }

    @Test func invalidJSON() throws {
        let error = try expectOpenFails(safetensorsBytes(header: #"{"w": {"dtype": "F32",, }"#))
        guard case .headerNotJSON(let message) = error?.reason else {
            Issue.record("expected headerNotJSON, got \(String(describing: error))")
            return
        }
        #expect(message.contains("at byte 22"))
        // Bytes that are not UTF-8, and a truncated header.
        let notUTF8 = Array("{\"".utf8) + [0xFF, 0xFE] + Array("\":1}".utf8)
        try expectOpenFails(littleEndianBytes([UInt64(notUTF8.count)]) + notUTF8)
        try expectOpenFails(safetensorsBytes(header: #"{"w": {"dtype": "F32""#))
    }

    @Test func headerNotAnObject() throws {
        let error = try expectOpenFails(safetensorsBytes(header: "[1, 2]"))
        #expect(error?.reason == .headerNotObject("an array"))
        try expectOpenFails(safetensorsBytes(header: "\"just a string\""))
    }

    @Test func negativeShape() throws {
        let header = "{" + entry("w", "F32", "[2,-1]", "[0,0]") + "}"
        let error = try expectOpenFails(safetensorsBytes(header: header), tensor: "w")
        #expect(error?.description.contains("negative") == true)
        let fractional = "{" + entry("w", "F32", "[1.5]", "[0,4]") + "}"
        try expectOpenFails(safetensorsBytes(header: fractional, data: [0, 0, 0, 0]), tensor: "w")
    }

    @Test func hugeShapeThatWouldOverflow() throws {
        let header = "{" + entry("w", "F32", "[4294967296,4294967296,16]", "[0,16]") + "}"
        let error = try expectOpenFails(safetensorsBytes(header: header, data: [UInt8](repeating: 0, count: 16)),
                                        tensor: "w")
        #expect(error.map { if case .badShape = $0.reason { true } else { false } } == true)
        // The element count fits but the byte count does not.
        let bytes = "{" + entry("w", "F64", "[2305843009213693952]", "[0,16]") + "}"
        try expectOpenFails(safetensorsBytes(header: bytes, data: [UInt8](repeating: 0, count: 16)), tensor: "w")
        // Sizes beyond Int64 are not integers this reader accepts.
        let beyond = "{" + entry("w", "F32", "[18446744073709551616]", "[0,16]") + "}"
        try expectOpenFails(safetensorsBytes(header: beyond, data: [UInt8](repeating: 0, count: 16)), tensor: "w")
    }

    @Test func subByteTensorMustFillWholeBytes() throws {
        let header = "{" + entry("w", "F4", "[3]", "[0,2]") + "}"
        try expectOpenFails(safetensorsBytes(header: header, data: [0, 0]), tensor: "w")
    }

    @Test func malformedEntriesAndMetadata() throws {
        try expectOpenFails(safetensorsBytes(header: #"{"w": 3}"#), tensor: "w")
        try expectOpenFails(safetensorsBytes(header: #"{"w": {"shape": [1], "data_offsets": [0, 4]}}"#), tensor: "w")
        try expectOpenFails(safetensorsBytes(header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}"#),
                            tensor: "w")
        let metadata = try expectOpenFails(safetensorsBytes(header: #"{"__metadata__": {"step": 3}}"#))
        #expect(metadata?.description.contains("__metadata__") == true)
        try expectOpenFails(safetensorsBytes(header: #"{"a": {}, "a": {}}"#))
    }

    @Test func deeplyNestedHeaderDoesNotExhaustTheStack() throws {
        try expectOpenFails(safetensorsBytes(header: String(repeating: "[", count: 100_000)))
    }

    @Test func tensorNameWithNewlineStaysOnOneLine() throws {
        let header = "{" + entry("a\\nb", "F32", "[1]", "[0,8]") + "}"
        let error = try expectOpenFails(safetensorsBytes(header: header, data: [UInt8](repeating: 0, count: 8)))
        #expect(error?.tensor == "a\nb")
        #expect(error?.description.contains(#"tensor "a\nb": shape [1] of F32"#) == true)
    }

    @Test func tensorNotFound() throws {
        let path = folder.file("ok.safetensors")
        try SafeTensorsWriter.write([(name: "present", tensor: try Tensor([1], shape: [1]))], to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(file.entry(named: "absent") == nil)
        let error = expectWeightError(file: "ok.safetensors", tensor: "absent") { _ = try file.tensor(named: "absent") }
        #expect(error?.description.hasSuffix("ok.safetensors: tensor \"absent\": not found") == true)
        expectWeightError(file: "ok.safetensors", tensor: "absent") { _ = try file.tensor(named: "absent", as: .bfloat16) }
    }

    @Test func folderIsNotAFile() throws {
        try folder.makeFolder("dir.safetensors")
        expectWeightError(file: "dir.safetensors") { _ = try SafeTensorsFile(path: folder.file("dir.safetensors")) }
    }
}
