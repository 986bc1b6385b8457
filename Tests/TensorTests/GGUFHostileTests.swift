#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Tensor
import Testing

/// Malformed GGUF files, built field by field: each must throw a one-line ``WeightFileError``
/// naming the file (and the tensor where one is at fault), never trap or read past the end.
@Suite struct GGUFHostileTests {
    let folder: TemporaryFolder
    init() throws { folder = try TemporaryFolder() }

    @discardableResult
    func expectOpenFails(_ bytes: [UInt8], tensor: String? = nil, saying phrase: String,
                         sourceLocation: SourceLocation = #_sourceLocation) throws -> WeightFileError? {
        let path = try folder.write(bytes, to: "bad.gguf")
        let error = expectWeightError(file: "bad.gguf", tensor: tensor, sourceLocation: sourceLocation) {
            _ = try GGUFFile(path: path)
        }
        #expect(error?.description.contains(phrase) == true, "\(error?.description ?? "no error") lacks \"\(phrase)\"",
                sourceLocation: sourceLocation)
        return error
    }

    @Test func wellFormedHandMadeFileOpens() throws {
        let path = try folder.write(GGUFBytes.single(), to: "good.gguf")
        let file = try GGUFFile(path: path)
        #expect(file.entry(named: "w")?.shape == [2, 4])
        #expect(try file.tensor(named: "w").floats() == [Float](repeating: 0, count: 8))
    }

    @Test func emptyAndBadMagicAndVersions() throws {
        try expectOpenFails([], saying: "is empty, not a GGUF file")
        try expectOpenFails(Array("GGU".utf8), saying: "is not a GGUF file")
        try expectOpenFails(GGUFBytes.header(tensors: 0, metadata: 0, magic: "GGML").bytes, saying: "not the magic \"GGUF\"")
        try expectOpenFails(GGUFBytes.header(version: 1, tensors: 0, metadata: 0).bytes, saying: "version 1, from 2023")
        try expectOpenFails(GGUFBytes.header(version: 3 << 24, tensors: 0, metadata: 0).bytes, saying: "big-endian")
        try expectOpenFails(GGUFBytes.header(version: 7, tensors: 0, metadata: 0).bytes, saying: "GGUF version 7")
    }

    /// Every prefix of a valid file is refused (or, once the data is whole, opens): no truncation
    /// reads past the end.
    @Test func everyTruncationIsRefused() throws {
        let whole = Array(try Data(contentsOf: URL(fileURLWithPath: ggufFixture("types.gguf"))))
        // Step through the header byte by byte and the data in strides.
        let lengths = Array(0..<min(whole.count, 2048)) + Array(stride(from: 2048, to: whole.count, by: 97))
        for length in lengths {
            let path = try folder.write(Array(whole[0..<length]), to: "cut.gguf")
            do {
                let file = try GGUFFile(path: path)
                // Only the padding after the last tensor may be missing.
                #expect(length > whole.count - 32, "a \(length)-byte prefix of \(whole.count) opened")
                for name in file.names { _ = try file.tensor(named: name) }
            } catch let error as WeightFileError {
                #expect(!error.description.contains("\n") && error.description.contains("cut.gguf"))
            }
        }
    }

    @Test func absurdCounts() throws {
        try expectOpenFails(GGUFBytes.header(tensors: 1 << 60, metadata: 0).bytes,
                            saying: "the tensor count at byte 8 is 1152921504606846976, more than")
        try expectOpenFails(GGUFBytes.header(tensors: 0, metadata: UInt64.max).bytes, saying: "the metadata count")
        var long = GGUFBytes.header(tensors: 0, metadata: 1)
        long.string("key", length: 1 << 62)
        long.bytes += [UInt8](repeating: 0, count: 16)
        try expectOpenFails(long.bytes, saying: "the length of the key of metadata entry 0")
        var array = GGUFBytes.header(tensors: 0, metadata: 1)
        array.string("a")
        array.u32(9)
        array.u32(10)
        array.u64(1 << 40)
        try expectOpenFails(array.bytes, saying: "the element count of metadata \"a\"")
        // Legal by the file's size, but more values than any real file holds.
        var huge = GGUFBytes.header(tensors: 0, metadata: 1)
        huge.string("big")
        huge.u32(9)
        huge.u32(0)
        huge.u64(1 << 24)
        huge.bytes += [UInt8](repeating: 0, count: 1 << 24)
        try expectOpenFails(huge.bytes, saying: "metadata \"big\" has 16777216 elements, more than the 8388608 metadata values read")
        var unknown = GGUFBytes.header(tensors: 0, metadata: 1)
        unknown.string("k")
        unknown.u32(13)
        try expectOpenFails(unknown.bytes, saying: "unknown value type 13")
    }

    @Test func badDimensions() throws {
        var overflow = GGUFBytes.header(tensors: 1, metadata: 0)
        overflow.tensor("big", dims: [1 << 40, 1 << 40])
        try expectOpenFails(overflow.bytes, tensor: "big", saying: "more elements than fit in 64 bits")
        var negative = GGUFBytes.header(tensors: 1, metadata: 0)
        negative.tensor("neg", dims: [UInt64.max])
        try expectOpenFails(negative.bytes, tensor: "neg", saying: "dimension 0 is 18446744073709551615, too large")
        var none = GGUFBytes.header(tensors: 1, metadata: 0)
        none.tensor("scalar", dims: [])
        try expectOpenFails(none.bytes, tensor: "scalar", saying: "has 0 dimensions; 1 to 8 are read")
        var partial = GGUFBytes.header(tensors: 1, metadata: 0)
        partial.tensor("rows", dims: [48, 2], type: 8)
        try expectOpenFails(partial.bytes, tensor: "rows", saying: "rows of 48 values are not whole Q8_0 blocks of 32")
    }

    @Test func dataOutsideTheFile() throws {
        var past = GGUFBytes.header(tensors: 1, metadata: 0)
        past.tensor("w", dims: [8], offset: 0)
        past.pad()
        past.bytes += [UInt8](repeating: 0, count: 16)
        try expectOpenFails(past.bytes, tensor: "w", saying: "its 32 bytes at data offset 0 run past the end of the data section (16 bytes")
        var far = GGUFBytes.header(tensors: 1, metadata: 0)
        far.tensor("w", dims: [8], offset: UInt64(Int.max) - 31)
        try expectOpenFails(far.bytes, tensor: "w", saying: "run past the end")
        var misaligned = GGUFBytes.header(tensors: 1, metadata: 0)
        misaligned.tensor("w", dims: [1], offset: 4)
        misaligned.pad()
        misaligned.bytes += [UInt8](repeating: 0, count: 64)
        try expectOpenFails(misaligned.bytes, tensor: "w", saying: "not a multiple of the alignment 32")
        var overlap = GGUFBytes.header(tensors: 2, metadata: 0)
        overlap.tensor("a", dims: [16], offset: 0)
        overlap.tensor("b", dims: [8], offset: 32)
        overlap.pad()
        overlap.bytes += [UInt8](repeating: 0, count: 64)
        try expectOpenFails(overlap.bytes, tensor: "b", saying: "overlap those of tensor \"a\"")
        var twice = GGUFBytes.header(tensors: 2, metadata: 0)
        twice.tensor("a", dims: [8], offset: 0)
        twice.tensor("a", dims: [8], offset: 32)
        try expectOpenFails(twice.bytes, tensor: "a", saying: "tensor name appears twice")
    }

    @Test func unknownTypeIsNamed() throws {
        var iq = GGUFBytes.header(tensors: 1, metadata: 0)
        iq.tensor("w", dims: [256], type: 16)
        try expectOpenFails(iq.bytes, tensor: "w", saying: "has type IQ2_XXS, which is not read (read: F32, F16, Q4_0")
        var odd = GGUFBytes.header(tensors: 1, metadata: 0)
        odd.tensor("w", dims: [256], type: 999)
        try expectOpenFails(odd.bytes, tensor: "w", saying: "has type type 999, which is not read")
    }

    @Test func badAlignmentAndShapeMetadata() throws {
        var alignment = GGUFBytes.header(tensors: 0, metadata: 1)
        alignment.string("general.alignment")
        alignment.u32(4)
        alignment.u32(24)
        try expectOpenFails(alignment.bytes, saying: "general.alignment is")
        var shape = GGUFBytes.header(tensors: 1, metadata: 1)
        shape.string("comfy.gguf.orig_shape.w")
        shape.u32(9)
        shape.u32(5)
        shape.u64(2)
        shape.u32(3)
        shape.u32(3)
        shape.tensor("w", dims: [8])
        shape.pad()
        shape.bytes += [UInt8](repeating: 0, count: 32)
        try expectOpenFails(shape.bytes, tensor: "w", saying: "comfy.gguf.orig_shape [3, 3] does not hold the 8 stored values")
    }

    @Test func missingTensorIsNamed() throws {
        let file = try GGUFFile(path: try folder.write(GGUFBytes.single(), to: "one.gguf"))
        expectWeightError(file: "one.gguf", tensor: "absent") { _ = try file.tensor(named: "absent") }
    }

    @Test func architectureIsChecked() throws {
        let flux = try GGUFFile(path: try folder.write(GGUFBytes.single(architecture: "flux"), to: "flux.gguf"))
        let error = expectWeightError(file: "flux.gguf") { try flux.requireArchitecture(["wan"], for: "a Wan transformer") }
        #expect(error?.description.hasSuffix("flux.gguf: general.architecture is \"flux\", not a Wan transformer (\"wan\")") == true)
        let bare = try GGUFFile(path: try folder.write(GGUFBytes.single(architecture: nil), to: "bare.gguf"))
        try bare.requireArchitecture(["wan"], for: "a Wan transformer")
    }
}
