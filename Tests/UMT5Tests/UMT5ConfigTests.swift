import Tensor
import Testing
import UMT5

/// `UMT5Encoder.Config` from real `config.json` files (written by transformers' `save_pretrained`
/// into the fixture folders), from hand-written JSON and from weight shapes.
@Suite struct UMT5ConfigTests {
    @Test func readsSavePretrainedFiles() throws {
        let a = try UMT5Case("a").config
        #expect(a == UMT5Encoder.Config(vocabSize: 384, dModel: 32, dKV: 8, numHeads: 4, dFF: 64, numLayers: 2,
                                        relativeAttentionNumBuckets: 32, relativeAttentionMaxDistance: 128,
                                        layerNormEpsilon: 1e-6, feedForwardProj: "gated-gelu"))
        let b = try UMT5Case("b").config
        #expect(b == UMT5Encoder.Config(vocabSize: 520, dModel: 48, dKV: 12, numHeads: 3, dFF: 40, numLayers: 3,
                                        relativeAttentionNumBuckets: 12, relativeAttentionMaxDistance: 20))
        #expect(b.innerDim == 36)
        #expect(try b.activation() == .geluTanh)
    }

    // Absent fields take google/umt5-xxl's values (docs/wan-reference.md §3.1), which are also the memberwise defaults.
    @Test func defaultsAreUMT5XXL() throws {
        let xxl = UMT5Encoder.Config()
        #expect(xxl.vocabSize == 256_384 && xxl.dModel == 4096 && xxl.dKV == 64 && xxl.numHeads == 64)
        #expect(xxl.dFF == 10_240 && xxl.numLayers == 24 && xxl.relativeAttentionNumBuckets == 32)
        #expect(xxl.relativeAttentionMaxDistance == 128 && xxl.layerNormEpsilon == 1e-6 && xxl.feedForwardProj == "gated-gelu")
        #expect(try UMT5Encoder.Config(json: JSONValue(parsing: "{\"model_type\": \"umt5\"}")) == xxl)
        let partial = try UMT5Encoder.Config(json: JSONValue(parsing: "{\"d_model\": 64, \"layer_norm_epsilon\": 1e-5}"))
        #expect(partial.dModel == 64 && partial.layerNormEpsilon == 1e-5 && partial.numHeads == 64)
    }

    // ComfyUI's spelling and SiLU are accepted; ungated or other activations are refused by name.
    @Test func feedForwardKinds() throws {
        for (kind, op) in [("gated-gelu_pytorch_tanh", UnaryOp.geluTanh), ("gated-gelu_new", .geluTanh), ("gated-silu", .silu)] {
            #expect(try UMT5Encoder.Config(feedForwardProj: kind).activation() == op)
        }
        let error = #expect(throws: UMT5Error.self) {
            try UMT5Encoder.Config(json: JSONValue(parsing: "{\"feed_forward_proj\": \"relu\"}"))
        }
        #expect(error == .unsupportedFeedForward("relu"))
        #expect(error?.description.hasPrefix("UMT5 config: feed_forward_proj \"relu\" is not supported") == true)
    }

    @Test func invalidFieldsAreNamed() throws {
        let cases: [(String, String)] = [
            ("{\"d_model\": \"4096\"}", "d_model"),
            ("{\"num_heads\": 0}", "num_heads"),
            ("{\"d_kv\": 6.5}", "d_kv"),
            ("{\"layer_norm_epsilon\": -1}", "layer_norm_epsilon"),
            ("{\"relative_attention_num_buckets\": 2}", "relative_attention_num_buckets"),
            ("{\"relative_attention_num_buckets\": 32, \"relative_attention_max_distance\": 8}", "relative_attention_max_distance"),
            ("{\"model_type\": \"t5\"}", "model_type"),
            ("[1, 2]", "(document)"),
        ]
        for (text, field) in cases {
            let error = #expect(throws: UMT5Error.self, "\(text)") { try UMT5Encoder.Config(json: JSONValue(parsing: text)) }
            guard case .invalidConfig(_, let named, _) = error else {
                Issue.record("\(text): expected an invalid-config error, got \(String(describing: error))")
                continue
            }
            #expect(named == field)
        }
        let error = #expect(throws: UMT5Error.self) { try UMT5Encoder.Config(json: JSONValue(parsing: "{\"d_ff\": -3}")) }
        #expect(error?.description == "UMT5 config: \"d_ff\" is -3, expected a positive integer")
    }

    // Without a config.json the sizes come from the shapes, in both layouts; only the max distance
    // (not in the weights) falls back to umt5-xxl's 128.
    @Test func detectsSizesFromWeights() throws {
        let a = try UMT5Case("a")
        #expect(try UMT5Encoder.Config(detectingFrom: a.weights) == a.config)
        let b = try UMT5Case("b")
        var expected = b.config
        expected.relativeAttentionMaxDistance = 128
        #expect(try UMT5Encoder.Config(detectingFrom: b.weights) == expected)
        let wan = try SafeTensorsFile(path: umt5FixturePath("b/wan_names.safetensors"))
        #expect(try UMT5Encoder.Config(detectingFrom: wan) == expected)
    }
}
