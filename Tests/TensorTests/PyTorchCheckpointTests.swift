import Testing
import Tensor

/// The path of a file of `Tests/Fixtures/pytorch` (made by tools/fixtures/make_pytorch_fixtures.py).
func pytorchFixture(_ name: String) -> String {
    var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(2)  // Tests/TensorTests/<file> -> Tests
    return components.joined(separator: "/") + "/Fixtures/pytorch/" + name
}

/// Checkpoints written by torch.save, read without running their pickles: every tensor equals the
/// value torch held, stored beside them in expected.safetensors as "<file stem>/<name>".
@Suite struct PyTorchCheckpointTests {
    let expected: SafeTensorsFile

    init() throws { expected = try SafeTensorsFile(path: pytorchFixture("expected.safetensors")) }

    /// The expected names of one fixture, without its stem, in file order.
    private func expectedNames(_ stem: String) -> [String] {
        expected.names.filter { $0.hasPrefix(stem + "/") }.map { String($0.dropFirst(stem.count + 1)) }
    }

    /// Opens `file`, checks it holds exactly the fixture's tensors and that each equals its expected
    /// value bit for bit (as its own dtype, and as float32).
    @discardableResult
    private func expectMatches(_ file: String, stem: String) throws -> PyTorchCheckpoint {
        let checkpoint = try PyTorchCheckpoint(path: pytorchFixture(file))
        #expect(Set(checkpoint.names) == Set(expectedNames(stem)), "\(file)")
        for name in checkpoint.names {
            let want = try expected.tensor(named: "\(stem)/\(name)")
            let got = try checkpoint.tensor(named: name)
            #expect(got.shape == want.shape, "\(file): \(name)")
            #expect(got.dtype == want.dtype, "\(file): \(name)")
            #expect(got.floats().map(\.bitPattern) == want.floats().map(\.bitPattern), "\(file): \(name)")
            let asFloat = try checkpoint.tensor(named: name, as: .float32)
            #expect(asFloat.floats().map(\.bitPattern) == want.floats().map(\.bitPattern), "\(file): \(name) as f32")
        }
        return checkpoint
    }

    @Test func everyDTypeAndNonTensorLeavesSkipped() throws {
        let checkpoint = try expectMatches("dtypes.pt", stem: "dtypes")
        #expect(checkpoint.names == ["f32", "f16", "bf16", "f64", "i64", "i32", "scalar"])
        let types = checkpoint.entries.map(\.dtype)
        #expect(types == [.float32, .float16, .bfloat16, .float64, .int64, .int32, .float32])
        #expect(checkpoint.entry(named: "scalar")?.shape == [])
        #expect(checkpoint.strippedPrefix == "")
        // Integers and f64 load as float32, the others keep their dtype.
        #expect(try checkpoint.tensor(named: "i64").floats() == [-3, -2, -1, 0, 1, 2])
        #expect(try checkpoint.tensor(named: "i32").floats() == [0, 7, 14, 21, 28])
        #expect(try checkpoint.tensor(named: "f16", as: .bfloat16).dtype == .bfloat16)
    }

    @Test func float8AndUnsignedTensorsOfUntypedStorages() throws {
        let checkpoint = try expectMatches("float8.pt", stem: "float8")
        #expect(checkpoint.entries.map(\.dtype) == [.float8E4M3, .float8E5M2, .uint16])
        #expect(try checkpoint.tensor(named: "u16").floats() == [0, 1, 65535])
    }

    @Test func selfForcingCheckpointReadsTheEMAGeneratorWithoutItsPrefixes() throws {
        let checkpoint = try expectMatches("self_forcing.pt", stem: "self_forcing")
        #expect(checkpoint.strippedPrefix == "generator_ema.model.")
        #expect(checkpoint.names == ["blocks.0.self_attn.q.weight", "blocks.0.self_attn.q.bias", "head.head.weight"])
        #expect(checkpoint.description.hasSuffix("(3 tensors, read from generator_ema.model.)"))
    }

    @Test func nestedStateDictWithNetPrefixAndMetadata() throws {
        let checkpoint = try expectMatches("nested.pth", stem: "nested")
        #expect(checkpoint.strippedPrefix == "state_dict.net.")
        #expect(checkpoint.names == ["0.weight", "0.bias", "1.weight", "1.bias"])
    }

    @Test func viewsOfOneStorageAtOffsetsAndNonContiguousViews() throws {
        let checkpoint = try expectMatches("views.pt", stem: "views")
        // Both views point into the one storage of 24 floats.
        guard let first = checkpoint.entry(named: "first"), let second = checkpoint.entry(named: "second") else {
            Issue.record("views missing"); return
        }
        #expect(second.byteRange.lowerBound - first.byteRange.lowerBound == 8 * 4)
        #expect(try checkpoint.tensor(named: "first").floats() == (2..<8).map { Float($0) / 8 })
        #expect(try checkpoint.tensor(named: "strided").floats()
                == [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23].map { Float($0) / 8 })
    }

    @Test func protocol4Pickle() throws {
        let checkpoint = try expectMatches("protocol4.pt", stem: "protocol4")
        #expect(checkpoint.strippedPrefix == "model.")
    }

    @Test func zip64Records() throws {
        try expectMatches("zip64.pt", stem: "zip64")
    }

    @Test func openWeightsChoosesTheReaderByExtension() throws {
        let weights = try openWeights(path: pytorchFixture("nested.pth"))
        #expect(weights is PyTorchCheckpoint)
        #expect(weights.parameterCount == 3 * 2 + 2 + 2 + 2)
        for name in ["a.pt", "b.PTH", "c.ckpt", "pytorch_model.bin"] { #expect(PyTorchCheckpoint.isCheckpointName(name)) }
        #expect(!PyTorchCheckpoint.isCheckpointName("model.safetensors"))
    }

    @Test func wrapperRuleKeepsThePreferredWrapperAndPlainNames() {
        func names(_ input: [String]) -> ([String], String) {
            let (kept, prefix) = PyTorchCheckpoint.unwrapping(input)
            return (kept, prefix)
        }
        #expect(names(["blocks.0.q", "head.w"]) == (["blocks.0.q", "head.w"], ""))
        #expect(names(["module.model.blocks.0.q"]) == (["blocks.0.q"], "module.model."))
        #expect(names(["model.a", "ema.a", "optimizer.x"]) == (["a"], "ema."))
        #expect(names(["net.blocks.0.q", "net.head.w"]) == (["blocks.0.q", "head.w"], "net."))
    }
}
