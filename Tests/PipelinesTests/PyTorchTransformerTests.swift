import CPUBackend
import Pipelines
import Tensor
import TestSupport
import Testing

/// The tiny pipeline with its transformer replaced by a PyTorch checkpoint laid out as Self-Forcing
/// saves one (`generator_ema` → `model.` → original Wan names, beside a `generator` copy): the run
/// equals the one with the folder's own diffusers-layout transformer, bit for bit.
@Suite struct PyTorchTransformerTests {
    @Test func aSelfForcingCheckpointGivesTheFolderModelsLatents() throws {
        let backend = CPUBackend()
        let request = try GenerationRequest(prompt: "a red ball", width: 48, height: 32, frames: 5, steps: 2, seed: 3).validated()
        func latents(transformer: String?) throws -> [Float] {
            let files = try WanModelFiles(folder: fixturePath("wan_pipeline/tiny-wan"), transformer: transformer)
            return try TextToVideo(files: files, precision: .float32, backend: backend).run(request).floats()
        }
        let checkpoint = try latents(transformer: fixturePath("pytorch/transformer-self-forcing.pt"))
        #expect(checkpoint == (try latents(transformer: nil)))
    }
}
