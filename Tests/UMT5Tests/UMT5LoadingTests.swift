import CPUBackend
import NN
import Tensor
import TestSupport
import Testing
import UMT5

/// Strict loading: a missing, misshapen or unexpected tensor is an error that names it; the tied
/// embedding copy and ComfyUI's `spiece_model` are accepted; bad inputs are refused.
@Suite struct UMT5LoadingTests {
    let backend = CPUBackend()

    @Test func missingTensorIsNamed() throws {
        let fixture = try UMT5Case("a")
        let name = "encoder.block.1.layer.1.DenseReluDense.wo.weight"
        let weights = EditedWeights(base: fixture.weights).removing(name)
        let error = #expect(throws: WeightLoadError.self) { try UMT5Encoder(config: fixture.config, weights: weights, dtype: .f32) }
        guard case .missing(let key, _, let nearby) = error?.reason else {
            Issue.record("expected a missing-tensor error, got \(String(describing: error))")
            return
        }
        #expect(key == name)
        #expect(nearby.isEmpty)
        #expect(error?.description.contains("no tensor \"\(name)\"") == true)
    }

    // In the Wan layout the error gives the canonical name and the name looked up.
    @Test func missingWanTensorNamesBothSpellings() throws {
        let fixture = try UMT5Case("b")
        let wan = try SafeTensorsFile(path: umt5FixturePath("b/wan_names.safetensors"))
        let weights = EditedWeights(base: wan).removing("blocks.2.ffn.gate.0.weight")
        let error = #expect(throws: WeightLoadError.self) { try UMT5Encoder(config: fixture.config, weights: weights) }
        #expect(error?.description.contains("no tensor \"encoder.block.2.layer.1.DenseReluDense.wi_0.weight\" "
                                            + "(looked up as \"blocks.2.ffn.gate.0.weight\")") == true)
    }

    @Test func wrongShapeIsNamed() throws {
        let fixture = try UMT5Case("b")
        let name = "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"
        let weights = EditedWeights(base: fixture.weights).adding(name, Tensor(zeros: [32, 3]))
        let error = #expect(throws: WeightLoadError.self) { try UMT5Encoder(config: fixture.config, weights: weights) }
        #expect(error?.reason == .shapeMismatch(key: name, fileKey: name, expected: [12, 3], found: [32, 3]))
        #expect(error?.description == "edited \(fixture.weights.description): tensor \"\(name)\" has shape [32, 3], expected [12, 3]")
    }

    @Test func unexpectedTensorsAreListed() throws {
        let fixture = try UMT5Case("a")
        let extra = ["encoder.block.2.layer.0.SelfAttention.q.weight", "lm_head.weight"]
        var weights = EditedWeights(base: fixture.weights)
        for name in extra { weights = weights.adding(name, Tensor(zeros: [32, 32])) }
        let error = #expect(throws: WeightLoadError.self) { try UMT5Encoder(config: fixture.config, weights: weights) }
        #expect(error?.reason == .unused(extra))
        #expect(error?.description.hasSuffix("2 tensors were never loaded: \"\(extra[0])\", \"\(extra[1])\"") == true)
    }

    // ComfyUI's extra tensor is skipped; `encoder.embed_tokens.weight` is accepted beside
    // `shared.weight` (shape-checked, not read) and used alone when `shared.weight` is absent.
    @Test func tiedEmbeddingAndSentencePieceTensor() throws {
        let fixture = try UMT5Case("b")
        let (ids, mask) = (try fixture.ids, try fixture.mask)
        let reference = try fixture.reference("last_hidden_state")
        let shared = try fixture.weights.tensor(named: "shared.weight")
        let comfy = EditedWeights(base: fixture.weights)
            .adding("spiece_model", Tensor(zeros: [16]), as: .uint8)
            .adding("encoder.embed_tokens.weight", shared)
        let both = try UMT5Encoder(config: fixture.config, weights: comfy, dtype: .f32)
        expectMatch(try both(ids: ids, attentionMask: mask, on: backend), reference, .float32, "umt5 b with tied copy")

        let onlyTied = EditedWeights(base: fixture.weights).removing("shared.weight")
            .adding("encoder.embed_tokens.weight", shared)
        let tied = try UMT5Encoder(config: fixture.config, weights: onlyTied, dtype: .f32)
        expectMatch(try tied(ids: ids, attentionMask: mask, on: backend), reference, .float32, "umt5 b from embed_tokens")

        let misshapen = EditedWeights(base: fixture.weights).adding("encoder.embed_tokens.weight", Tensor(zeros: [519, 48]))
        let error = #expect(throws: WeightLoadError.self) { try UMT5Encoder(config: fixture.config, weights: misshapen) }
        #expect(error?.reason == .shapeMismatch(key: "encoder.embed_tokens.weight", fileKey: "encoder.embed_tokens.weight",
                                                expected: [520, 48], found: [519, 48]))
    }

    @Test func badInputsAreRefused() throws {
        let fixture = try UMT5Case("b")
        let encoder = try fixture.encoder(.f32)
        let inputs: [([[Int]], [[Int]], String)] = [
            ([[1, 2, 520]], [[1, 1, 1]], "id 520 at [0, 2] is outside the vocabulary 0..<520"),
            ([[1, -1]], [[1, 1]], "id -1 at [0, 1] is outside the vocabulary 0..<520"),
            ([[1, 2], [3]], [[1, 1], [1]], "row 1 has 1 ids and 1 mask values, expected 2 of each"),
            ([[1, 2]], [[1, 2]], "mask value 2 at [0, 1] is neither 0 nor 1"),
            ([[1, 2]], [], "1 id rows but 0 mask rows"),
            ([], [], "needs at least one sequence of at least one token"),
        ]
        for (ids, mask, message) in inputs {
            let error = #expect(throws: UMT5Error.self) { try encoder(ids: ids, attentionMask: mask, on: backend) }
            #expect(error == .invalidInput(message))
        }
    }

    // The diffusers folder form: model_index.json names the component, its folder holds the rest.
    @Test func loadsFromModelFolderComponent() throws {
        let folder = try ModelFolder(path: umt5FixturePath("a"))
        let component = try #require(folder.component(named: "text_encoder"))
        #expect(component.className == "UMT5EncoderModel")
        let encoder = try UMT5Encoder(component: component, dtype: .f32)
        #expect(encoder.blocks.count == 2 && encoder.precision == .f32)
    }
}
