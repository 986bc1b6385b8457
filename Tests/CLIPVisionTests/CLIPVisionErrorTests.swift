import CLIPVision
import CPUBackend
import NN
import Tensor
import TestSupport
import Testing

/// Bad weights, configs and inputs: each is one plain line naming the tensor, field or file, never a trap.
@Suite struct CLIPVisionErrorTests {
    let backend = CPUBackend()

    /// The error `body` throws, as its one-line description.
    func message(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "(no error)"
        } catch {
            let text = "\(error)"
            #expect(!text.contains("\n"), "more than one line: \(text)")
            return text
        }
    }

    @Test func missingTensorIsNamed() throws {
        let fixture = try CLIPCase("a")
        let name = "vision_model.encoder.layers.1.mlp.fc1.weight"
        let text = message { try CLIPVisionEncoder(config: fixture.config, weights: EditedWeights(base: fixture.weights).removing(name)) }
        #expect(text.contains("no tensor \"\(name)\""), "\(text)")
        let wan = try fixture.original("original.safetensors")
        let fused = "visual.transformer.0.attn.to_qkv.weight"
        let wanText = message { try CLIPVisionEncoder(config: fixture.config, weights: EditedWeights(base: wan).removing(fused)) }
        #expect(wanText.contains("(looked up as \"\(fused)\")"), "\(wanText)")
    }

    @Test func wrongShapeIsNamed() throws {
        let fixture = try CLIPCase("a")
        let name = "vision_model.encoder.layers.0.self_attn.q_proj.weight"
        let edited = EditedWeights(base: fixture.weights).adding(name, Tensor(zeros: [8, 7]))
        let text = message { try CLIPVisionEncoder(config: fixture.config, weights: edited) }
        #expect(text.contains("tensor \"\(name)\" has shape [8, 7], expected [8, 8]"), "\(text)")
        // A config whose image size disagrees with the position embedding.
        var config = fixture.config
        config.imageSize = 40
        let sized = message { try CLIPVisionEncoder(config: config, weights: fixture.weights) }
        #expect(sized.contains("position_embedding.weight\" has shape [17, 8], expected [26, 8]"), "\(sized)")
    }

    @Test func unusedTensorsAreListedButTheUnneededOnesAreNot() throws {
        let fixture = try CLIPCase("a")
        // Present and unused on purpose: the last layer, post_layernorm, visual_projection; a text tower is fine too.
        let full = EditedWeights(base: fixture.weights).adding("text_model.embeddings.token_embedding.weight", Tensor(zeros: [4, 2]))
            .adding("logit_scale", Tensor(zeros: []))
        _ = try CLIPVisionEncoder(config: fixture.config, weights: full)
        // Without the last layer and post_layernorm the encoder still loads: it never needs them.
        var trimmed = EditedWeights(base: fixture.weights)
        for name in fixture.weights.names where name.hasPrefix("vision_model.encoder.layers.2.") || name.hasPrefix("vision_model.post_layernorm.") {
            trimmed = trimmed.removing(name)
        }
        _ = try CLIPVisionEncoder(config: fixture.config, weights: trimmed)
        // A tensor nothing reads is an error: a layer beyond the config's count.
        let extra = EditedWeights(base: fixture.weights).adding("vision_model.encoder.layers.3.mlp.fc1.bias", Tensor(zeros: [16]))
        let text = message { try CLIPVisionEncoder(config: fixture.config, weights: extra) }
        #expect(text.contains("never loaded") && text.contains("vision_model.encoder.layers.3.mlp.fc1.bias"), "\(text)")
    }

    // Another model's weights given as the image encoder: the Wan transformer and the UMT5 fixtures.
    @Test func otherModelsAreRefused() throws {
        for path in ["wan_dit/tiny_a/transformer/diffusion_pytorch_model.safetensors", "umt5/b/wan_names.safetensors"] {
            let weights = try openWeights(path: fixturePath(path))
            let text = message { try CLIPVisionEncoder(weights: weights) }
            #expect(text.contains("is not a CLIP vision encoder"), "\(text)")
            let configured = message { try CLIPVisionEncoder(config: .vitHuge14, weights: weights) }
            #expect(configured.contains("is not a CLIP vision encoder"), "\(configured)")
        }
        // And another model's config.json.
        let umt5 = try JSONValue(parsing: #"{"model_type": "umt5", "d_model": 32}"#)
        let text = message { try CLIPVisionEncoder.Config(json: umt5, file: "config.json") }
        #expect(text.hasPrefix("config.json: \"model_type\" must be \"clip_vision_model\""), "\(text)")
    }

    // Every field out of bounds, one at a time; also the CLIPConfig wrapper and an unknown activation.
    @Test func configOutOfBounds() throws {
        let base: [String: String] = ["hidden_size": "8", "intermediate_size": "16", "num_hidden_layers": "3",
                                      "num_attention_heads": "2", "image_size": "32", "patch_size": "8",
                                      "num_channels": "3", "layer_norm_eps": "1e-5"]
        func json(_ changes: [String: String], wrap: Bool = false) throws -> JSONValue {
            let fields = base.merging(changes) { $1 }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
            let text = wrap ? #"{"model_type": "clip", "vision_config": {\#(fields)}}"# : "{\(fields)}"
            return try JSONValue(parsing: text)
        }
        #expect(try CLIPVisionEncoder.Config(json: try json([:]), file: nil).tokens == 17)
        #expect(try CLIPVisionEncoder.Config(json: try json([:], wrap: true), file: nil).hiddenSize == 8)
        let refused: [([String: String], String)] = [
            (["hidden_size": "0"], "\"hidden_size\" is 0, expected a positive integer"),
            (["hidden_size": "70000"], "\"hidden_size\" is 70000, above the largest"),
            (["intermediate_size": "-1"], "\"intermediate_size\" is -1"),
            (["intermediate_size": "2000000"], "\"intermediate_size\" is 2000000, above"),
            (["num_hidden_layers": "0"], "\"num_hidden_layers\" is 0"),
            (["num_hidden_layers": "1001"], "\"num_hidden_layers\" is 1001, above"),
            (["num_attention_heads": "3"], "\"num_attention_heads\" is 3, which does not divide hidden_size 8"),
            (["num_attention_heads": "2048", "hidden_size": "4096"], "\"num_attention_heads\" is 2048, above"),
            (["image_size": "20000"], "\"image_size\" is 20000, above"),
            (["image_size": "4"], "\"patch_size\" is 8, larger than image_size 4"),
            (["image_size": "4096", "patch_size": "1"], "\"image_size\" gives 16777217 tokens"),
            (["patch_size": "0"], "\"patch_size\" is 0"),
            (["num_channels": "65"], "\"num_channels\" is 65, above"),
            (["layer_norm_eps": "0"], "\"layer_norm_eps\" is 0.0, expected a positive number below 1"),
            (["layer_norm_eps": "2"], "\"layer_norm_eps\" is 2.0"),
            (["hidden_act": "\"swish\""], "\"hidden_act\" is \"swish\"; this port takes"),
            (["hidden_size": "8.5"], "\"hidden_size\" must be a whole number"),
        ]
        for (changes, expected) in refused {
            let text = message { try CLIPVisionEncoder.Config(json: try json(changes), file: "image_encoder/config.json") }
            #expect(text.hasPrefix("image_encoder/config.json: ") && text.contains(expected), "\(changes): \(text)")
        }
        let nested = message { try CLIPVisionEncoder.Config(json: try json(["hidden_size": "0"], wrap: true), file: "c.json") }
        #expect(nested.hasPrefix("c.json: \"vision_config.hidden_size\" is 0"), "\(nested)")
    }

    @Test func inputsOfTheWrongShapeAreRefused() throws {
        let fixture = try CLIPCase("a")
        let encoder = try CLIPVisionEncoder(component: fixture.component)
        for shape in [[1, 3, 32, 31], [1, 4, 32, 32], [3, 32, 32], [0, 3, 32, 32]] {
            let text = message { try encoder.penultimateHiddenStates(Tensor(zeros: shape), on: backend) }
            #expect(text.hasPrefix("CLIP vision input: pixels have shape \(shape)"), "\(text)")
        }
    }
}
