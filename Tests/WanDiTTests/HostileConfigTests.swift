import Tensor
import Testing
import WanDiT

extension WanTransformerTests {
    /// Sizes in a `transformer/config.json` that would overflow a product or ask for a billion blocks:
    /// one line naming the file, the field and the bound, never a trap (issue 20).
    @Suite struct HostileConfigTests {
        typealias Config = WanTransformer.Config

        static func refusal(_ text: String) -> String? {
            do {
                _ = try Config(json: try JSONValue(parsing: text), file: "transformer/config.json")
                return nil
            } catch {
                return "\(error)"
            }
        }

        @Test(arguments: [
            (#"{"patch_size": [1, 4611686018427387904, 2]}"#,
             "transformer/config.json: patch_size [1, 4611686018427387904, 2] has the side 4611686018427387904, above the largest this port takes, 16"),
            (#"{"num_attention_heads": 4611686018427387904}"#,
             "transformer/config.json: num_attention_heads is 4611686018427387904, above the largest this port takes, 1024"),
            (#"{"num_attention_heads": 1024, "attention_head_dim": 1024}"#,
             "transformer/config.json: num_attention_heads × attention_head_dim is 1024 × 1024 = 1048576, above the largest model width this port takes, 65536"),
            (#"{"num_layers": 1000000000}"#, "transformer/config.json: num_layers is 1000000000, above the largest this port takes, 1000"),
            (#"{"ffn_dim": 4611686018427387904}"#, "transformer/config.json: ffn_dim is 4611686018427387904, above the largest this port takes, 1048576"),
            (#"{"rope_max_seq_len": 4611686018427387904}"#, "rope_max_seq_len is 4611686018427387904, above the largest this port takes, 65536"),
            (#"{"image_dim": 4611686018427387904, "added_kv_proj_dim": 5120}"#, "image_dim is 4611686018427387904, above the largest"),
            (#"{"in_channels": 4097}"#, "in_channels is 4097, above the largest this port takes, 4096"),
            (#"{"num_layers": 0}"#, "transformer/config.json: num_layers is 0, but must be positive"),
        ])
        func oversizedFieldsAreRefusedNamingFileAndField(text: String, message: String) {
            let refusal = Self.refusal(text)
            #expect(refusal?.contains(message) == true, "\(text): \(refusal ?? "accepted")")
            #expect(refusal?.contains("\n") == false)
        }

        // The largest values of every bound together still validate: the bounds refuse nothing real.
        @Test func theBoundsThemselvesAreAccepted() throws {
            let config = Config(patchSize: [16, 16, 16], numAttentionHeads: 64, attentionHeadDim: 1024, inChannels: 4096,
                                outChannels: 4096, textDim: 65_536, freqDim: 65_536, ffnDim: 1 << 20, numLayers: 1000,
                                ropeMaxSeqLen: 65_536)
            try config.validate()
            #expect(config.innerDim == Config.largestModelWidth)
            for (_, variant) in Config.knownVariants { try variant.validate() }
        }

        // num_layers is checked against the blocks in the weights before any block is built: 1e9
        // used to reserve a billion blocks (SIGABRT) before the missing tensor was noticed.
        @Test func numLayersMustMatchTheBlocksInTheWeights() throws {
            let fixture = try WanDiTFixture("tiny_a")
            for layers in [1, 3, 1000] {
                var config = try fixture.config()
                config.numLayers = layers
                let error = #expect(throws: WanTransformerError.self) { try WanTransformer(config: config, weights: try fixture.weights()) }
                #expect(error?.description.contains("num_layers is \(layers), but ") == true, "\(String(describing: error))")
                #expect(error?.description.hasSuffix("holds blocks numbered up to 1 (\"blocks.N.\")") == true, "\(String(describing: error))")
            }
        }
    }
}
