import Testing
import Tensor

/// Hostile and broken PyTorch checkpoints: each is refused at open with one line that names the
/// file and the problem, and nothing in its pickle runs.
@Suite struct PyTorchHostileTests {
    /// Opening `hostile/<name>` fails with a one-line error naming it and containing `text`.
    private func expectRefused(_ name: String, _ text: String, tensor: String? = nil,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        let error = expectWeightError(file: name, tensor: tensor, sourceLocation: sourceLocation) {
            _ = try PyTorchCheckpoint(path: pytorchFixture("hostile/" + name))
        }
        if let error {
            #expect(error.description.contains(text), "\(error.description) lacks \(text)", sourceLocation: sourceLocation)
        }
    }

    @Test func codeInThePickleIsRefusedByName() {
        expectRefused("os_system.pt", "refuses the global os.system (only tensors and plain containers are read)")
        expectRefused("builtins_eval.pt", "refuses the global builtins.eval")
        expectRefused("newobj.pt", "refuses the pickle opcode NEWOBJ (0x81)")
    }

    @Test func brokenPickles() {
        expectRefused("unknown_opcode.pt", "refuses the pickle opcode 0xFF at byte 3")
        expectRefused("huge_length.pt", "BINUNICODE claims 4294967280 bytes")
    }

    @Test func brokenArchives() {
        expectRefused("truncated.pt", "has no end-of-central-directory record")
        expectRefused("bad_directory_offset.pt", "the central directory's offset 1099511627776 lies past the end of the file")
        expectRefused("compressed.pt", "is compressed (method 8); only stored entries")
        expectRefused("legacy.pt", "is an old non-zip torch.save file; re-save it with torch >= 1.6")
    }

    @Test func viewsThatDoNotFitTheirStorage() {
        expectRefused("past_storage.pt", "reads element 9 of a storage of 6", tensor: "w")
        expectRefused("repeating_view.pt", "is a view that repeats elements", tensor: "w")
        expectRefused("missing_storage.pt", "its storage data/7 is not in the archive", tensor: "w")
    }

    @Test func notAZipFile() throws {
        let folder = try TemporaryFolder()
        let text = try folder.write("hello", to: "notes.pt")
        let error = expectWeightError(file: "notes.pt") { _ = try openWeights(path: text) }
        #expect(error?.description.contains("it starts with bytes 68 65 6C 6C") == true)
        let empty = try folder.write([UInt8](), to: "empty.pth")
        let emptyError = expectWeightError(file: "empty.pth") { _ = try openWeights(path: empty) }
        #expect(emptyError?.description.hasSuffix("is empty") == true)
    }

    // Pickles in a minimal archive: the limits and the refusals that need no storage.

    private func expectPickleRefused(_ bytes: [UInt8], _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: WeightFileError.self, sourceLocation: sourceLocation) {
            let folder = try pickleArchive(bytes)
            _ = try PyTorchCheckpoint(path: folder.file("shared.pt"))
        }
        if let error {
            #expect(error.description.contains(text), "\(error.description) lacks \(text)", sourceLocation: sourceLocation)
            #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
        }
    }

    private func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }

    @Test func refusalsOfThePickleMachine() {
        // REDUCE of a storage class, of a non-callable, and an allowed rebuild with wrong arguments.
        expectPickleRefused([0x80, 2] + global("torch", "FloatStorage") + [0x29, 0x52, 0x2E], "refuses to call torch.FloatStorage")
        expectPickleRefused([0x80, 2, 0x29, 0x29, 0x52, 0x2E], "refuses to call a tuple")
        expectPickleRefused([0x80, 2] + global("torch._utils", "_rebuild_tensor_v2") + [0x29, 0x52, 0x2E],
                            "calls torch._utils._rebuild_tensor_v2 with arguments () it does not take")
        // A persistent id that is not a storage, BUILD on a list, a global name with a newline in it.
        expectPickleRefused([0x80, 2, 0x4B, 1, 0x51, 0x2E], "refuses a persistent id")
        expectPickleRefused([0x80, 2, 0x5D, 0x29, 0x62, 0x2E], "refuses to set the state of a list")
        expectPickleRefused([0x80, 2] + global("torch", "load") + [0x2E], "refuses the global torch.load")
        // Stack and memo misuse.
        expectPickleRefused([0x80, 2, 0x2E], "STOP at byte 2 finds the stack empty")
        expectPickleRefused([0x80, 2, 0x28, 0x73, 0x2E], "SETITEM at byte 3 finds the stack empty")
        expectPickleRefused([0x80, 2, 0x68, 5, 0x2E], "reads memo entry 5, which was never stored")
        expectPickleRefused([0x80, 2, 0x74], "TUPLE at byte 2 finds no MARK")
        expectPickleRefused([0x80, 2, 0x7D], "ends without STOP")
        expectPickleRefused([0x80, 2, 0x8A, 9] + [UInt8](repeating: 1, count: 9) + [0x2E], "larger than 64 bits")
    }

    @Test func limitsBoundWhatAPickleCanBuild() throws {
        // MARK and DUP of the same dict, over and over: stopped by the stack bound, not memory.
        let marks = [UInt8](repeating: 0x28, count: (1 << 20) + 1)  // the machine's stack bound, 2^20, and one
        expectPickleRefused([0x80, 2] + marks, "stack grows past")
        // Dicts that hold the one below twice, 24 deep: 2^24 paths, stopped by the visit bound.
        var bytes: [UInt8] = [0x80, 2, 0x7D, 0x71, 0]  // d0 = {} memo 0
        for level in 1...24 {
            // d_level = {'a': d_(level-1), 'b': d_(level-1)}
            bytes += [0x7D, 0x71, UInt8(level), 0x28]
            bytes += [0x58, 1, 0, 0, 0, 0x61, 0x68, UInt8(level - 1)]
            bytes += [0x58, 1, 0, 0, 0, 0x62, 0x68, UInt8(level - 1), 0x75]
        }
        bytes += [0x2E]
        let folder = try pickleArchive(bytes)
        let error = expectWeightError(file: "shared.pt") { _ = try PyTorchCheckpoint(path: folder.file("shared.pt")) }
        #expect(error?.description.contains("dict entries once shared dicts are followed") == true)
        // A dict that holds itself: stopped by the depth bound.
        let loop = try pickleArchive([0x80, 2, 0x7D, 0x71, 0, 0x58, 1, 0, 0, 0, 0x61, 0x68, 0, 0x73, 0x2E])
        let loopError = expectWeightError(file: "shared.pt") { _ = try PyTorchCheckpoint(path: loop.file("shared.pt")) }
        #expect(loopError?.description.contains("nests dicts more than 32 deep") == true)
    }

    /// A folder holding `shared.pt`: a stored zip of `archive/data.pkl` = `pickle`.
    private func pickleArchive(_ pickle: [UInt8]) throws -> TemporaryFolder {
        // By hand: one local header, one central header, the end record.
        let name = Array("archive/data.pkl".utf8)
        func le16(_ v: Int) -> [UInt8] { littleEndianBytes([UInt16(v)]) }
        func le32(_ v: Int) -> [UInt8] { littleEndianBytes([UInt32(v)]) }
        var zip = le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0)
        zip += le32(pickle.count) + le32(pickle.count) + le16(name.count) + le16(0) + name + pickle
        let directory = zip.count
        zip += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0)
        zip += le32(pickle.count) + le32(pickle.count) + le16(name.count) + le16(0) + le16(0) + le16(0) + le16(0)
        zip += le32(0) + le32(0) + name
        let size = zip.count - directory
        zip += le32(0x0605_4B50) + le16(0) + le16(0) + le16(1) + le16(1) + le32(size) + le32(directory) + le16(0)
        let folder = try TemporaryFolder()
        try folder.write(zip, to: "shared.pt")
        return folder
    }
}
