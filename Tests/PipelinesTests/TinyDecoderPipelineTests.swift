import CPUBackend
import Pipelines
import Tensor
import TestSupport
import Testing
import TinyDecoder

/// The generation core with a TAEHV tiny decoder (`ModelSource.decoder`) in place of the VAE: the
/// bundled model's latents, decoded by Tests/Fixtures/taehv's small decoder.
@Suite struct TinyDecoderPipelineTests {
    let backend = CPUBackend()
    let folder = repositoryPath("models/zoetrope-tiny")

    private func generator(decoder: String?) throws -> Generator {
        Generator(store: try ModelStore(single: ModelSource(folder: folder, decoder: decoder)), precision: .float32, backend: backend)
    }

    /// The frames are the tiny decoder's decode of the final latents as the transformer made them
    /// (no latent mean and std applied, unlike the VAE's input), mapped to [−1, 1], in the VAE's frame count.
    @Test func decodesTheFinalLatents() throws {
        let path = fixturePath("taehv/decoder.safetensors")
        let generator = try generator(decoder: path)
        let request = try generator.validate(GenerationRequest(prompt: "a red ball", width: 64, height: 32, frames: 9, steps: 2, seed: 3))
        var chunks: [Tensor] = []
        let latents = try generator.run(request, onFrames: { chunks.append($0) })
        #expect(chunks.map { $0.shape[2] } == [1, 4, 4])
        let frames = try backend.concat(chunks, axis: 2)  // [1, 3, 9, 32, 64]
        let expected = try TAEHV(weights: try SafeTensorsFile(path: path)).decode(latents, on: backend)  // [1, 3, 9, 32, 64] in [0, 1]
        expectMatch(frames, try backend.affine(expected, scale: 2, offset: -1), .exact, "tiny-decoded frames")
    }

    /// A VAE given as the tiny decoder is refused before any denoising, in one line naming the file.
    @Test func refusesAVAEBeforeDenoising() throws {
        let path = repositoryPath("models/zoetrope-tiny/vae/diffusion_pytorch_model.safetensors")
        let generator = try generator(decoder: path)
        let request = try generator.validate(GenerationRequest(prompt: "a red ball", width: 64, height: 32, frames: 5, steps: 2, seed: 3))
        var stages: Set<GenerationStage> = []
        let error = #expect(throws: TinyDecoderError.self) {
            try generator.run(request, onProgress: { stages.insert($0.stage) })
        }
        #expect(!stages.contains(.denoising))
        if let error {
            let text = String(describing: error)
            #expect(text.hasPrefix(path) && text.contains("Wan VAE") && !text.contains("\n"), "\(text)")
        }
    }
}
