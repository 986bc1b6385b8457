import NN
import Tensor
import Testing
import WanDiT

extension WanTransformerTests {
    /// `config.json` parsing, detection from weight shapes, validation, and the name table.
    @Suite struct ConfigTests {
        typealias Config = WanTransformer.Config

        @Test func parsesTheFixtureConfigs() throws {
            let a = try WanDiTFixture("tiny_a").config()
            #expect(a == Config(numAttentionHeads: 2, attentionHeadDim: 12, inChannels: 4, outChannels: 4, textDim: 32,
                                ffnDim: 32, numLayers: 2, ropeMaxSeqLen: 32))
            #expect(a.innerDim == 24 && a.patchFeaturesOut == 16 && !a.takesImage && a.variantName == nil)
            let b = try WanDiTFixture("tiny_b").config()
            #expect(b == Config(numAttentionHeads: 3, attentionHeadDim: 16, textDim: 24, freqDim: 32, ffnDim: 40,
                                numLayers: 3, crossAttnNorm: false, ropeMaxSeqLen: 32))
            let i2v = try WanDiTFixture("tiny_i2v").config()
            #expect(i2v == Config(numAttentionHeads: 2, attentionHeadDim: 12, inChannels: 8, outChannels: 4, textDim: 32,
                                  ffnDim: 32, numLayers: 2, imageDim: 20, addedKVProjDim: 24, ropeMaxSeqLen: 32,
                                  posEmbedSeqLen: 10))
        }

        // Wan-AI/Wan2.1-T2V-1.3B-Diffusers transformer/config.json (docs/wan-reference.md §8.1).
        @Test func parsesTheReal1_3BConfig() throws {
            let text = """
                {"_class_name": "WanTransformer3DModel", "_diffusers_version": "0.33.0.dev0", "added_kv_proj_dim": null,
                 "attention_head_dim": 128, "cross_attn_norm": true, "eps": 1e-06, "ffn_dim": 8960, "freq_dim": 256,
                 "image_dim": null, "in_channels": 16, "num_attention_heads": 12, "num_layers": 30, "out_channels": 16,
                 "patch_size": [1, 2, 2], "qk_norm": "rms_norm_across_heads", "rope_max_seq_len": 1024, "text_dim": 4096}
                """
            let config = try Config(parsing: text)
            #expect(config == .wan21T2V1_3B && config.variantName == "Wan2.1-T2V-1.3B" && config.innerDim == 1536)
        }

        // Absent fields take WanTransformer3DModel's class defaults (the 14B values), as in diffusers;
        // `out_channels: null` means as many as in.
        @Test func absentFieldsTakeDiffusersDefaults() throws {
            #expect(try Config(parsing: "{}") == .wan21T2V14B)
            #expect(try Config(parsing: #"{"in_channels": 36, "out_channels": null}"#).outChannels == 36)
        }

        @Test func malformedConfigsNameTheField() throws {
            let cases = [
                (#"{"num_layers": "30"}"#, #"config.json: "num_layers" must be a whole number, not "30""#),
                (#"{"patch_size": [1, 2]}"#, #"config.json: "patch_size" must be a list of 3 whole numbers, not [1,2]"#),
                (#"{"eps": true}"#, #"config.json: "eps" must be a number, not true"#),
                (#"{"_class_name": "WanAnimateTransformer3DModel"}"#,
                 #"config.json: "_class_name" must be "WanTransformer3DModel" or "WanVACETransformer3DModel", not "WanAnimateTransformer3DModel""#),
                (#"{"image_dim": 1280}"#, "image_dim needs added_kv_proj_dim equal to the model width 5120"),
                (#"{"attention_head_dim": 127}"#, "attention_head_dim 127 must be even"),
                ("[1]", "config.json must be an object, not [1]"),
            ]
            for (text, fragment) in cases {
                let error = #expect(throws: WanTransformerError.self) { try Config(parsing: text) }
                #expect(error?.description.contains(fragment) == true, "\(text): \(error?.description ?? "no error")")
            }
        }

        /// Found by fuzzing (Fuzz/json.swift): sizes whose product overflows an Int trapped in
        /// validate() (the model width, with image_dim set) instead of being refused. Each factor's
        /// upper bound now refuses them before any product is taken.
        @Test func sizesWhoseProductOverflowsAreRefused() throws {
            let cases = [
                (#"{"num_attention_heads": 4611686018427387904, "attention_head_dim": 4, "image_dim": 1, "added_kv_proj_dim": 1}"#,
                 "num_attention_heads is 4611686018427387904, above the largest this port takes, 1024"),
                (#"{"out_channels": 4611686018427387904}"#, "out_channels is 4611686018427387904, above the largest this port takes"),
                (#"{"patch_size": [4294967296, 4294967296, 1]}"#,
                 "patch_size [4294967296, 4294967296, 1] has the side 4294967296, above the largest this port takes, 16"),
            ]
            for (text, fragment) in cases {
                let error = #expect(throws: WanTransformerError.self) { try Config(parsing: text) }
                #expect(error?.description.contains(fragment) == true, "\(text): \(error?.description ?? "no error")")
            }
        }

        @Test(arguments: ["tiny_a", "tiny_b", "tiny_i2v"])
        func detectsTheFixtureConfigsFromShapes(_ name: String) throws {
            let fixture = try WanDiTFixture(name)
            var expected = try fixture.config()
            expected.ropeMaxSeqLen = 1024  // not in any shape: detection takes the value of every real variant
            let detected = try Config(detectingFrom: try fixture.weights(), attentionHeadDim: expected.attentionHeadDim)
            #expect(detected == expected)
            if name != "tiny_b" {
                #expect(try Config(detectingFrom: try fixture.originalWeights(), attentionHeadDim: expected.attentionHeadDim)
                        == expected)
            }
        }

        // The real variants' tensor lists (shapes only), in both layouts, detect as the presets with the
        // default head width of 128.
        @Test(arguments: Config.knownVariants.map(\.name))
        func detectsTheRealVariants(_ name: String) throws {
            let config = try #require(Config.knownVariants.first { $0.name == name }?.config)
            let shapes = ShapeOnlyWeights.diffusers(config)
            if config == .wan21T2V1_3B { #expect(shapes.count == 825) }  // 27 per block × 30 + 15 (docs/wan-reference.md §1.2)
            #expect(try Config(detectingFrom: ShapeOnlyWeights(shapes)) == config)
            let comfy = WanTransformer.WeightLayout.original(prefix: "model.diffusion_model.")
            let original = ShapeOnlyWeights(shapes.map { (comfy.fileName(for: $0.name), $0.shape) })
            #expect(try WanTransformer.WeightLayout(detecting: original) == comfy)
            #expect(try Config(detectingFrom: original) == config)
        }

        @Test func detectionFailuresSayWhy() throws {
            let a = try WanDiTFixture("tiny_a").weights()
            let width = #expect(throws: WanTransformerError.self) { try Config(detectingFrom: a) }
            #expect(width?.description.contains("the model width 24 is not a multiple of the head width 128") == true)
            var shapes = ShapeOnlyWeights.diffusers(.wan21T2V1_3B)
            shapes.removeAll { $0.name.hasPrefix("blocks.7.") }
            let gap = #expect(throws: WanTransformerError.self) { try Config(detectingFrom: ShapeOnlyWeights(shapes)) }
            #expect(gap?.description.contains("has blocks up to 29 but none numbered 7") == true)
            let empty = #expect(throws: WanTransformerError.self) { try Config(detectingFrom: ShapeOnlyWeights([])) }
            #expect(empty?.description.contains("has no \"patch_embedding.weight\"") == true)
        }

        // docs/wan-reference.md §8.2, including the two traps: the output modulation is `head.modulation`,
        // a block's is `modulation`; diffusers' affine `norm2` is the original `norm3`.
        @Test func originalNames() {
            let layout = WanTransformer.WeightLayout.original(prefix: "")
            let pairs = [
                ("scale_shift_table", "head.modulation"), ("blocks.3.scale_shift_table", "blocks.3.modulation"),
                ("proj_out.weight", "head.head.weight"), ("blocks.0.norm2.weight", "blocks.0.norm3.weight"),
                ("blocks.12.attn1.to_out.0.bias", "blocks.12.self_attn.o.bias"),
                ("blocks.1.attn2.norm_added_k.weight", "blocks.1.cross_attn.norm_k_img.weight"),
                ("blocks.1.attn2.add_v_proj.weight", "blocks.1.cross_attn.v_img.weight"),
                ("blocks.2.ffn.net.0.proj.bias", "blocks.2.ffn.0.bias"), ("blocks.2.ffn.net.2.weight", "blocks.2.ffn.2.weight"),
                ("condition_embedder.time_proj.weight", "time_projection.1.weight"),
                ("condition_embedder.time_embedder.linear_2.bias", "time_embedding.2.bias"),
                ("condition_embedder.text_embedder.linear_1.weight", "text_embedding.0.weight"),
                ("condition_embedder.image_embedder.ff.net.2.weight", "img_emb.proj.3.weight"),
                ("condition_embedder.image_embedder.pos_embed", "img_emb.emb_pos"),
                ("patch_embedding.weight", "patch_embedding.weight"),
            ]
            for (diffusers, original) in pairs { #expect(layout.fileName(for: diffusers) == original) }
            #expect(WanTransformer.WeightLayout.diffusers(prefix: "x.").fileName(for: "proj_out.bias") == "x.proj_out.bias")
        }

        // diffusers' _keep_in_fp32_modules, matched on name components.
        @Test func bfloat16LoadKeepsDiffusersFloat32Modules() {
            let kept = ["condition_embedder.time_embedder.linear_1.weight", "scale_shift_table", "blocks.4.scale_shift_table",
                        "blocks.4.norm2.bias", "condition_embedder.image_embedder.norm1.weight"]
            let rounded = ["patch_embedding.weight", "condition_embedder.time_proj.weight", "blocks.4.attn1.norm_q.weight",
                           "blocks.4.attn2.to_k.bias", "blocks.4.ffn.net.2.weight", "proj_out.weight",
                           "condition_embedder.image_embedder.pos_embed", "blocks.4.attn2.norm_added_k.weight"]
            for name in kept { #expect(WanTransformer.storageType(ofParameter: name, modelType: .bfloat16) == .float32) }
            for name in rounded { #expect(WanTransformer.storageType(ofParameter: name, modelType: .bfloat16) == .bfloat16) }
        }
    }
}
