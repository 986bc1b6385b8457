import CPUBackend
import NN
import Tensor
import TestSupport
import Testing
import WanDiT

extension WanTransformerTests {
    /// Strict loading (missing, misshapen and unused tensors are errors naming them) and input checks.
    @Suite struct LoadingErrorTests {
        let backend = CPUBackend()

        func load(_ weights: any WeightSource, _ config: String = "tiny_a") throws -> WanTransformer {
            try WanTransformer(config: try WanDiTFixture(config).config(), weights: weights)
        }

        @Test func missingTensorIsNamed() throws {
            var weights = EditedWeights(base: try WanDiTFixture("tiny_a").weights())
            weights.removed = ["blocks.1.attn2.norm_k.weight"]
            let error = #expect(throws: WeightLoadError.self) { try load(weights) }
            #expect(error?.reason == .missing(key: "blocks.1.attn2.norm_k.weight", fileKey: "blocks.1.attn2.norm_k.weight",
                                              nearby: []))
            #expect(error?.description == "edited.safetensors: no tensor \"blocks.1.attn2.norm_k.weight\" "
                + "and none under \"blocks.1.attn2.norm_k.\"")
        }

        // In the original layout the message gives both names.
        @Test func missingOriginalTensorGivesBothNames() throws {
            var weights = EditedWeights(base: try WanDiTFixture("tiny_i2v").originalWeights())
            weights.removed = ["model.diffusion_model.blocks.0.norm3.weight"]
            let error = #expect(throws: WeightLoadError.self) { try load(weights, "tiny_i2v") }
            #expect(error?.description.contains(
                "no tensor \"blocks.0.norm2.weight\" (looked up as \"model.diffusion_model.blocks.0.norm3.weight\")") == true,
                "\(String(describing: error))")
        }

        @Test func wrongShapeIsNamed() throws {
            var weights = EditedWeights(base: try WanDiTFixture("tiny_a").weights())
            weights.replaced = ["blocks.0.ffn.net.0.proj.weight": Tensor(zeros: [33, 24])]
            let error = #expect(throws: WeightLoadError.self) { try load(weights) }
            #expect(error?.reason == .shapeMismatch(key: "blocks.0.ffn.net.0.proj.weight", fileKey: "blocks.0.ffn.net.0.proj.weight",
                                                    expected: [32, 24], found: [33, 24]))
        }

        @Test func unexpectedTensorsAreListed() throws {
            var weights = EditedWeights(base: try WanDiTFixture("tiny_a").weights())
            weights.replaced = ["blocks.0.attn2.extra.weight": Tensor(zeros: [2]), "vace_blocks.0.proj.weight": Tensor(zeros: [2])]
            let error = #expect(throws: WeightLoadError.self) { try load(weights) }
            #expect(error?.reason == .unused(["blocks.0.attn2.extra.weight", "vace_blocks.0.proj.weight"]))
            #expect(error?.description == "edited.safetensors: 2 tensors were never loaded: "
                + "\"blocks.0.attn2.extra.weight\", \"vace_blocks.0.proj.weight\"")
        }

        // diffusers drops `norm_added_q` on load (`_keys_to_ignore_on_load_unexpected`); so does this.
        @Test func normAddedQIsIgnored() throws {
            var weights = EditedWeights(base: try WanDiTFixture("tiny_i2v").weights())
            weights.replaced = ["blocks.0.attn2.norm_added_q.weight": Tensor(zeros: [24])]
            _ = try load(weights, "tiny_i2v")
        }

        // FastWan's sparse-attention gate has no use under dense attention; it is left unused.
        @Test func fastWanGateIsIgnored() throws {
            var weights = EditedWeights(base: try WanDiTFixture("tiny_a").weights())
            weights.replaced = ["blocks.0.attn1.to_gate_compress.weight": Tensor(zeros: [2]),
                                "blocks.0.attn1.to_gate_compress.bias": Tensor(zeros: [2])]
            _ = try load(weights)
        }

        // An all-in-one ComfyUI file: tensors outside `model.diffusion_model.` belong to other models.
        @Test func tensorsOutsideThePrefixAreLeftAlone() throws {
            var weights = EditedWeights(base: try WanDiTFixture("tiny_i2v").originalWeights())
            weights.replaced = ["first_stage_model.decoder.conv1.weight": Tensor(zeros: [2])]
            _ = try load(weights, "tiny_i2v")
            weights.replaced = ["model.diffusion_model.blocks.0.extra": Tensor(zeros: [2])]
            let error = #expect(throws: WeightLoadError.self) { try load(weights, "tiny_i2v") }
            #expect(error?.reason == .unused(["model.diffusion_model.blocks.0.extra"]))
        }

        // The wrong variant: I2V weights for a T2V config leave the image tensors unused.
        @Test func imageWeightsWithATextConfigAreUnused() throws {
            let i2v = try WanDiTFixture("tiny_i2v")
            var config = try i2v.config()
            config.imageDim = nil
            config.addedKVProjDim = nil
            config.posEmbedSeqLen = nil
            let error = #expect(throws: WeightLoadError.self) { try WanTransformer(config: config, weights: try i2v.weights()) }
            guard case .unused(let names)? = error?.reason else {
                Issue.record("expected unused tensors, got \(String(describing: error))")
                return
            }
            #expect(names.count == 9 + 2 * 5 && names.contains("blocks.1.attn2.add_k_proj.weight"))
        }

        @Test func notAWanCheckpoint() throws {
            var weights = EditedWeights(base: try WanDiTFixture("tiny_a").weights())
            weights.removed = ["proj_out.weight"]
            let error = #expect(throws: WanTransformerError.self) { try load(weights) }
            #expect(error?.description.contains("neither \"proj_out.weight\" (diffusers) nor \"head.head.weight\"") == true)
        }

        @Test func inputsAreChecked() throws {
            let fixture = try WanDiTFixture("tiny_a")
            let model = try WanTransformer(component: try fixture.component())
            let (latents, timestep, context) = (try fixture.tensor("b2", "hidden_states"), try fixture.tensor("b2", "timestep"),
                                                try fixture.tensor("b2", "encoder_hidden_states"))
            func expectInputError(_ fragment: String, _ body: () throws -> Tensor) {
                let error = #expect(throws: WanTransformerError.self) { _ = try body() }
                #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
            }
            expectInputError("must be [B, 4, T, H, W]") {
                try model(latents: Tensor(zeros: [2, 3, 3, 6, 10]), timestep: timestep, context: context, on: backend)
            }
            expectInputError("must be positive multiples of the patch size [1, 2, 2]") {
                try model(latents: Tensor(zeros: [2, 4, 3, 5, 10]), timestep: timestep, context: context, on: backend)
            }
            expectInputError("longer than rope_max_seq_len 32") {
                try model(latents: Tensor(zeros: [2, 4, 1, 2, 66]), timestep: timestep, context: context, on: backend)
            }
            expectInputError("timestep [3] must be [2] or [1]") {
                try model(latents: latents, timestep: Tensor(zeros: [3]), context: context, on: backend)
            }
            expectInputError("context [2, 7, 31] must be [B, L, 32]") {
                try model(latents: latents, timestep: timestep, context: Tensor(zeros: [2, 7, 31]), on: backend)
            }
            expectInputError("the context has batch 1, the latents 2") {
                try model(latents: latents, timestep: timestep, context: Tensor(zeros: [1, 7, 32]), on: backend)
            }
            expectInputError("takes no image context") {
                try model(latents: latents, timestep: timestep, context: context, imageContext: Tensor(zeros: [2, 4, 20]),
                          on: backend)
            }
            let i2v = try WanTransformer(component: try WanDiTFixture("tiny_i2v").component())
            expectInputError("needs an image context") {
                try i2v(latents: Tensor(zeros: [1, 8, 1, 2, 2]), timestep: Tensor(zeros: [1]),
                        context: Tensor(zeros: [1, 512, 32]), on: backend)
            }
            expectInputError("needs 10") {
                try i2v(latents: Tensor(zeros: [1, 8, 1, 2, 2]), timestep: Tensor(zeros: [1]),
                        context: Tensor(zeros: [1, 512, 32]), imageContext: Tensor(zeros: [1, 4, 20]), on: backend)
            }
        }

        // One timestep for the whole batch broadcasts like a [B] of equal values.
        @Test func oneTimestepServesTheBatch() throws {
            let fixture = try WanDiTFixture("tiny_a")
            let model = try WanTransformer(component: try fixture.component())
            let (latents, context) = (try fixture.tensor("b2", "hidden_states"), try fixture.tensor("b2", "encoder_hidden_states"))
            let shared = try model(latents: latents, timestep: try Tensor([37.5], shape: [1]), context: context, on: backend)
            let each = try model(latents: latents, timestep: try Tensor([37.5, 37.5], shape: [2]), context: context, on: backend)
            expectMatch(shared, each, .float32, "one timestep for two samples")
        }
    }
}
