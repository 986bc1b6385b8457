import CPUBackend
import Pipelines
import Tensor
import TestSupport
import Testing

/// A whole generation on the tiny `WanPipeline` of the pipeline fixture: the prompt and negative
/// prompt encoded, 4 UniPC steps with guidance 5 from diffusers' own initial noise, the decode; the
/// final latents and the frames (as `export_to_video` converts them) against diffusers' run.
@Suite struct TextToVideoTests {
    let backend = CPUBackend()
    let reference: SafeTensorsFile
    let request: ValidatedRequest

    init() throws {
        reference = try SafeTensorsFile(path: fixturePath("wan_pipeline/reference.safetensors"))
        let settings = reference.metadata
        func number(_ key: String) -> Int? { settings["e2e.\(key)"].flatMap { Int($0) } }
        request = try GenerationRequest(
            prompt: settings["e2e.prompt"] ?? "", negativePrompt: settings["e2e.negative_prompt"],
            width: number("width"), height: number("height"), frames: number("num_frames"),
            steps: number("num_inference_steps"), guidance: settings["e2e.guidance_scale"].flatMap { Double($0) },
            seed: 0
        ).validated()
    }

    /// Runs the fixture's generation; returns the final latents and the frames as uint8 values.
    private func generate(transformerFile: String? = nil) throws -> (latents: Tensor, frames: [Float]) {
        let files = try WanModelFiles(folder: fixturePath("wan_pipeline/tiny-wan"), transformer: transformerFile)
        let pipeline = TextToVideo(files: files, precision: .float32, backend: backend)
        var frames: [Float] = []
        let latents = try pipeline.run(request, noise: try reference.tensor(named: "e2e.noise"), onFrames: { chunk in
            // [1, 3, t, H, W] → [t, H, W, 3] bytes, as diffusers: clamp(x/2 + 1/2, 0, 1) · 255, truncated.
            let video = try backend.permute(chunk, [0, 2, 3, 4, 1])
            frames += video.floats().map { Float(UInt8(min(max($0 * 0.5 + 0.5, 0), 1) * 255)) }
        })
        return (latents, frames)
    }

    @Test func matchesDiffusersLatentsAndFrames() throws {
        let (latents, frames) = try generate()
        expectMatch(latents, try reference.tensor(named: "e2e.latents"), .endToEnd, "final latents")
        let expected = try reference.tensor(named: "e2e.frames").floats()  // [F, H, W, 3] uint8 values
        #expect(frames.count == expected.count)
        let largest = zip(frames, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(largest <= 2, "frames differ by up to \(largest)/255")
    }

    @Test func anOriginalLayoutTransformerFileGivesIdenticalLatents() throws {
        let folder = try generate().latents
        let single = try generate(transformerFile: fixturePath("wan_pipeline/transformer-original.safetensors")).latents
        #expect(single.floats() == folder.floats())
    }

    @Test func refusesNoiseOfTheWrongShape() throws {
        let files = try WanModelFiles(folder: fixturePath("wan_pipeline/tiny-wan"))
        let pipeline = TextToVideo(files: files, precision: .float32, backend: backend)
        #expect(throws: GenerationError.self) {
            _ = try pipeline.run(request, noise: Tensor(zeros: [1, 16, 2, 4, 6]))
        }
    }

    @Test func stopsWhenCancelled() throws {
        let files = try WanModelFiles(folder: fixturePath("wan_pipeline/tiny-wan"))
        let pipeline = TextToVideo(files: files, precision: .float32, backend: backend)
        var stages: [GenerationStage] = []
        #expect(throws: GenerationError.cancelled) {
            _ = try pipeline.run(request, onProgress: { stages.append($0.stage) }, isCancelled: { stages.contains(.denoising) })
        }
        #expect(!stages.contains(.decoding))
    }
}

extension TextToVideoTests {
    @Test func reportsEventsAsAnAsyncSequence() async throws {
        let files = try WanModelFiles(folder: fixturePath("wan_pipeline/tiny-wan"))
        let pipeline = TextToVideo(files: files, precision: .float32, backend: backend)
        var stages: [GenerationStage] = [], frameCount = 0, finished = false
        for try await event in pipeline.events(request, noise: try reference.tensor(named: "e2e.noise")) {
            switch event {
            case .progress(let progress): if stages.last != progress.stage { stages.append(progress.stage) }
            case .frames(let chunk): frameCount += chunk.shape[2]
            case .finished: finished = true
            }
        }
        #expect(stages == [.encodingPrompt, .loadingTransformer, .denoising, .decoding, .finished])
        #expect(frameCount == request.frames)
        #expect(finished)
    }
}
