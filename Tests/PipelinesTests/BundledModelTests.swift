import CPUBackend
import Pipelines
import Tensor
import TestSupport
import Testing

/// The bundled model (models/zoetrope-tiny) through the same code path as real Wan weights, against
/// diffusers' run of it (tools/fixtures/make_bundled_model_fixtures.py): prompt encoding with its own
/// lowercasing tokenizer, 3 UniPC steps with guidance 5 from the fixture's noise, in fp32.
@Suite struct BundledModelTests {
    let backend = CPUBackend()

    @Test func matchesDiffusers() throws {
        let reference = try SafeTensorsFile(path: fixturePath("bundled_model/reference.safetensors"))
        let settings = reference.metadata
        let files = try WanModelFiles(folder: repositoryPath("models/zoetrope-tiny"))
        let request = try GenerationRequest(
            prompt: try #require(settings["prompt"]), negativePrompt: settings["negative_prompt"],
            steps: settings["num_inference_steps"].flatMap { Int($0) },
            guidance: settings["guidance_scale"].flatMap { Double($0) }, seed: 0
        ).validated(defaults: try GenerationDefaults(folder: files.folder))
        #expect(request.width == 256 && request.frames == 17)
        var frameCount = 0
        let latents = try TextToVideo(files: files, precision: .float32, backend: backend).run(
            request, noise: try reference.tensor(named: "noise"), onFrames: { frameCount += $0.shape[2] })
        expectMatch(latents, try reference.tensor(named: "latents"), .endToEnd, "bundled model latents")
        #expect(frameCount == 17)
    }
}
