import Testing
import Tensor

@Suite struct ShardedSafeTensorsTests {
    let folder: TemporaryFolder
    let indexPath: String

    /// Two shards and an index: `a.*` in the first, `b.*` in the second.
    init() throws {
        folder = try TemporaryFolder()
        try folder.makeFolder("set")
        try SafeTensorsWriter.write([
            (name: "a.weight", tensor: try Tensor([1, 2, 3, 4], shape: [2, 2])),
            (name: "a.bias", tensor: try Tensor([5, 6], shape: [2], dtype: .bfloat16)),
        ], to: folder.file("set/model-00001-of-00002.safetensors"))
        try SafeTensorsWriter.write([(name: "b.weight", tensor: try Tensor([7], shape: [1, 1]))],
                                    to: folder.file("set/model-00002-of-00002.safetensors"))
        indexPath = try folder.write("""
            {"metadata": {"total_size": 24},
             "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
                            "a.bias": "model-00001-of-00002.safetensors",
                            "b.weight": "model-00002-of-00002.safetensors"}}
            """, to: "set/model.safetensors.index.json")
    }

    @Test func readsTensorsAcrossShards() throws {
        let set = try ShardedSafeTensors(indexPath: indexPath)
        #expect(set.names == ["a.weight", "a.bias", "b.weight"])
        #expect(set.metadata["total_size"] == .int(24))
        #expect(set.shards.count == 2)
        #expect(set.entry(named: "b.weight")?.shape == [1, 1])
        #expect(try set.tensor(named: "a.bias").dtype == .bfloat16)
        #expect(try set.tensor(named: "a.bias", as: .float32).floats() == [5, 6])
        #expect(try set.tensor(named: "b.weight").floats() == [7])
        #expect(set.shard(for: "b.weight")?.path.hasSuffix("model-00002-of-00002.safetensors") == true)
        #expect(set.parameterCount == 7)
        expectWeightError(file: "model.safetensors.index.json", tensor: "c") { _ = try set.tensor(named: "c") }
    }

    @Test func openWeightsChoosesTheIndex() throws {
        #expect(try openWeights(path: indexPath).names.count == 3)
        let fromFolder = try openWeights(path: folder.file("set"))
        #expect(fromFolder is ShardedSafeTensors)
        #expect(fromFolder.names.count == 3)
    }

    @Test func missingShard() throws {
        let path = try folder.write(#"{"weight_map": {"a.weight": "model-00001-of-00002.safetensors", "z": "gone.safetensors"}}"#,
                                    to: "set/broken.safetensors.index.json")
        let error = expectWeightError(file: "broken.safetensors.index.json") { _ = try ShardedSafeTensors(indexPath: path) }
        #expect(error?.description.contains("\"gone.safetensors\"") == true)
    }

    @Test func mappedNameMissingFromItsShard() throws {
        let path = try folder.write(#"{"weight_map": {"b.weight": "model-00001-of-00002.safetensors"}}"#,
                                    to: "set/wrong.safetensors.index.json")
        expectWeightError(file: "wrong.safetensors.index.json", tensor: "b.weight") {
            _ = try ShardedSafeTensors(indexPath: path)
        }
    }

    @Test func malformedIndexes() throws {
        let cases = [
            ("no-map", #"{"metadata": {}}"#),
            ("not-object", "[]"),
            ("bad-json", #"{"weight_map": {"#),
            ("bad-value", #"{"weight_map": {"a.weight": 3}}"#),
            ("escape", #"{"weight_map": {"a.weight": "../model-00001-of-00002.safetensors"}}"#),
        ]
        for (name, text) in cases {
            let path = try folder.write(text, to: "set/\(name).safetensors.index.json")
            expectWeightError(file: "\(name).safetensors.index.json") { _ = try ShardedSafeTensors(indexPath: path) }
        }
        expectWeightError(file: "absent.index.json") { _ = try ShardedSafeTensors(indexPath: folder.file("absent.index.json")) }
    }

    @Test func aBrokenShardNamesTheShard() throws {
        try folder.write([1, 2], to: "set/model-00002-of-00002.safetensors")
        expectWeightError(file: "model-00002-of-00002.safetensors") { _ = try ShardedSafeTensors(indexPath: indexPath) }
    }
}
