import CPUBackend
import NN
import Tensor
import Testing

/// Weights held in memory, for exercising WeightScope without files.
struct MemoryWeights: WeightSource {
    let tensors: [(name: String, tensor: Tensor)]

    init(_ shapes: [(String, [Int])]) {
        tensors = shapes.map { ($0.0, Tensor(zeros: $0.1)) }
    }

    var names: [String] { tensors.map(\.name) }
    var description: String { "memory.safetensors" }

    func entry(named name: String) -> SafeTensorsEntry? {
        guard let t = tensors.first(where: { $0.name == name })?.tensor else { return nil }
        return SafeTensorsEntry(name: name, dtype: .float32, shape: t.shape, byteRange: 0..<t.byteCount)
    }

    func tensor(named name: String) throws -> Tensor {
        guard let t = tensors.first(where: { $0.name == name })?.tensor else {
            throw WeightFileError(path: description, tensor: name, .tensorNotFound)
        }
        return t
    }

    func tensor(named name: String, as dtype: DType) throws -> Tensor {
        try CPUBackend().cast(try tensor(named: name), to: dtype)
    }
}

@Suite struct WeightScopeTests {
    let weights = MemoryWeights([
        ("blocks.0.attn1.to_q.weight", [4, 4]),
        ("blocks.0.attn1.to_q.bias", [4]),
        ("blocks.0.attn1.to_k.weight", [4, 4]),
        ("blocks.1.attn1.to_q.weight", [4, 4]),
    ])

    @Test func prefixesCompose() {
        let scope = WeightScope(weights)
        #expect(scope.prefix == "")
        #expect(scope.child("blocks").child(3)["attn1"].prefix == "blocks.3.attn1")
        #expect(scope["blocks"][3].key("attn1.to_q.weight") == "blocks.3.attn1.to_q.weight")
        #expect(scope["ffn.net.0.proj"].key("weight") == "ffn.net.0.proj.weight")
        #expect(scope["blocks"][0].shape(of: "attn1.to_q.bias") == [4])
        #expect(scope["blocks"][0].contains("attn1.to_v.weight") == false)
    }

    @Test func shapeMismatchNamesKeyAndBothShapes() {
        let scope = WeightScope(weights)["blocks"][0]["attn1"]
        let error = #expect(throws: WeightLoadError.self) { try scope.tensor("to_q.weight", shape: [4, 8]) }
        #expect(error?.reason == .shapeMismatch(key: "blocks.0.attn1.to_q.weight", fileKey: "blocks.0.attn1.to_q.weight",
                                                expected: [4, 8], found: [4, 4]))
        #expect(error?.description
                == "memory.safetensors: tensor \"blocks.0.attn1.to_q.weight\" has shape [4, 4], expected [4, 8]")
    }

    @Test func missingKeyListsNeighbours() {
        let scope = WeightScope(weights)["blocks.0.attn1"]
        let error = #expect(throws: WeightLoadError.self) { try Linear(scope: scope["to_v"], inFeatures: 4, outFeatures: 4) }
        #expect(error?.description == "memory.safetensors: no tensor \"blocks.0.attn1.to_v.weight\" and none under "
                + "\"blocks.0.attn1.to_v.\"")
        let bias = #expect(throws: WeightLoadError.self) { try Linear(scope: scope["to_k"], inFeatures: 4, outFeatures: 4) }
        #expect(bias?.description == "memory.safetensors: no tensor \"blocks.0.attn1.to_k.bias\"; under "
                + "\"blocks.0.attn1.to_k.\" there are 1: \"blocks.0.attn1.to_k.weight\"")
    }

    @Test func optionalTensorIsNilWhenAbsentAndCheckedWhenPresent() throws {
        let scope = WeightScope(weights)["blocks.0.attn1"]
        #expect(try scope.optionalTensor("to_k.bias", shape: [4]) == nil)
        #expect(try scope.optionalTensor("to_q.bias", shape: [4])?.shape == [4])
        #expect(throws: WeightLoadError.self) { try scope.optionalTensor("to_q.bias", shape: [5]) }
        #expect(scope.usage.loadedKeys == ["blocks.0.attn1.to_q.bias"])
    }

    @Test func unusedKeysAreReported() throws {
        let usage = WeightUsage()
        let scope = WeightScope(weights, usage: usage)
        _ = try Linear(scope: scope["blocks.0.attn1.to_q"], inFeatures: 4, outFeatures: 4)
        #expect(usage.unusedKeys(weights) == ["blocks.0.attn1.to_k.weight", "blocks.1.attn1.to_q.weight"])
        let error = #expect(throws: WeightLoadError.self) { try usage.verifyAllUsed(weights) }
        #expect(error?.description == "memory.safetensors: 2 tensors were never loaded: "
                + "\"blocks.0.attn1.to_k.weight\", \"blocks.1.attn1.to_q.weight\"")
        try usage.verifyAllUsed(weights, ignoring: { $0.contains("to_k") || $0.hasPrefix("blocks.1.") })
        _ = try Linear(scope: scope["blocks.0.attn1.to_k"], inFeatures: 4, outFeatures: 4, bias: false)
        _ = try Linear(scope: scope["blocks.1.attn1.to_q"], inFeatures: 4, outFeatures: 4, bias: false)
        try usage.verifyAllUsed(weights)
    }

    @Test func longNameListsAreCapped() {
        let names = (0..<25).map { "blocks.\($0).scale_shift_table" }
        let error = WeightLoadError(source: "model.safetensors", .unused(names))
        #expect(error.description.hasSuffix("\"blocks.19.scale_shift_table\" and 5 more"))
        #expect(!error.description.contains("blocks.20."))
        #expect(error.description.hasPrefix("model.safetensors: 25 tensors were never loaded: \"blocks.0."))
    }

    // Canonical diffusers names looked up in the original Wan layout (`self_attn.q` for `attn1.to_q`).
    @Test func renamingHookMapsCanonicalNames() throws {
        let original = MemoryWeights([("blocks.0.self_attn.q.weight", [4, 4]), ("blocks.0.self_attn.q.bias", [4])])
        let usage = WeightUsage()
        let scope = WeightScope(original, usage: usage, rename: { name in
            name.replacing("attn1.to_q", with: "self_attn.q")
        })
        let layer = try Linear(scope: scope["blocks"][0]["attn1"]["to_q"], inFeatures: 4, outFeatures: 4)
        #expect(layer.bias?.shape == [4])
        #expect(usage.loadedKeys == ["blocks.0.self_attn.q.bias", "blocks.0.self_attn.q.weight"])
        try usage.verifyAllUsed(original)
        let error = #expect(throws: WeightLoadError.self) { try scope["blocks.0.attn1.to_q"].tensor("weight", shape: [2]) }
        #expect(error?.description == "memory.safetensors: tensor \"blocks.0.attn1.to_q.weight\" (looked up as "
                + "\"blocks.0.self_attn.q.weight\") has shape [4, 4], expected [2]")
    }

    @Test func uploadsToTheGivenBackend() throws {
        let scope = WeightScope(weights, uploadingTo: CPUBackend())
        #expect(try scope.tensor("blocks.1.attn1.to_q.weight", shape: [4, 4]).isOnHost)
    }
}
