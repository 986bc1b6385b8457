import CPUBackend
import Pipelines
import Tensor
import TestSupport
import Testing

/// `Tests/Fixtures/wan_pipeline/<name>`, written by tools/fixtures/make_wan_pipeline_fixtures.py: a
/// tiny random diffusers `WanPipeline` saved with `save_pretrained` (`tiny-wan/`) and what diffusers
/// computes with it (`reference.safetensors`).
private func pipelineFixture(_ name: String) -> String { fixturePath("wan_pipeline/\(name)") }

/// The folder as `save_pretrained` wrote it loads unmodified, and each component computes what
/// diffusers' pipeline computes with it.
@Suite struct WanModelFilesTests {
    let backend = CPUBackend()
    let files: WanModelFiles
    let reference: SafeTensorsFile

    init() throws {
        files = try WanModelFiles(folder: pipelineFixture("tiny-wan"))
        reference = try SafeTensorsFile(path: pipelineFixture("reference.safetensors"))
    }

    private var prompt: String {
        get throws {
            guard let prompt = reference.metadata["prompt"] else { throw WanModelError.missingFile(folder: "reference", file: "prompt") }
            return prompt
        }
    }

    @Test func tokenizesThePromptAsThePipelineDoes() throws {
        let encoder = PromptEncoder(tokenizer: try files.loadTokenizer(), textEncoder: try files.loadTextEncoder(precision: .f32))
        let encoding = try encoder.tokenize(try prompt)
        #expect(encoding.ids == (try reference.tensor(named: "prompt.ids")).floats().map { Int($0) })
        #expect(encoding.attentionMask == (try reference.tensor(named: "prompt.mask")).floats().map { Int($0) })
    }

    @Test func encodesPromptsLikeEncodePrompt() throws {
        let encoder = PromptEncoder(tokenizer: try files.loadTokenizer(), textEncoder: try files.loadTextEncoder(precision: .f32))
        expectMatch(try encoder.encode([try prompt], on: backend), try reference.tensor(named: "prompt.embeds"),
                    .float32, "prompt embeddings")
        expectMatch(try encoder.encode([""], on: backend), try reference.tensor(named: "negative.embeds"),
                    .float32, "empty negative prompt embeddings")
    }

    @Test(arguments: [DType.float32, .bfloat16])
    func transformerMatchesOneCall(dtype: DType) throws {
        let transformer = try files.loadTransformer(dtype: dtype)
        let latents = try backend.cast(try reference.tensor(named: "latents"), to: dtype)  // [1, 16, 3, 4, 6]
        let context = try backend.cast(try reference.tensor(named: "prompt.embeds"), to: dtype)  // [1, 512, 16]
        let velocity = try transformer(latents: latents, timestep: try Tensor([999], shape: [1]), context: context, on: backend)
        let expected = try reference.tensor(named: "transformer.output")
        if dtype == .float32 {
            expectMatch(velocity, expected, .float32, "transformer output")
        } else {
            expectMatch(try backend.cast(velocity, to: .float32), expected, .bfloat16Model, "bf16 transformer output")
        }
    }

    @Test func vaeDecodesThePipelinesLatents() throws {
        let vae = try files.loadVAE(weightType: .float32, parts: .decoder)
        let latents = try reference.tensor(named: "latents")  // [1, 16, 3, 4, 6]
        let video = try vae.decode(try vae.denormalize(latents, on: backend), on: backend)  // [1, 3, 9, 32, 48]
        expectMatch(video, try reference.tensor(named: "vae.video"), .float32, "decoded video")
    }

    @Test func readsTheSchedulerConfig() throws {
        let config = try files.schedulerConfig()
        #expect(config.kind == .unipc)
        #expect(config.shift == 3.0)
    }

    @Test func namesAMissingComponent() throws {
        #expect(throws: WanModelError.missingComponent(folder: files.folder.path, name: "image_encoder")) {
            try files.component("image_encoder")
        }
    }
}
