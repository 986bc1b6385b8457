import Pipelines
import Testing

@Suite struct GenerationRequestTests {
    @Test func fillsInWanDefaults() throws {
        let request = try GenerationRequest(prompt: "a cat", seed: 7).validated()
        #expect(request.width == 832 && request.height == 480 && request.frames == 81 && request.fps == 16)
        #expect(request.steps == 50 && request.guidance == 5 && request.negativePrompt == "" && request.seed == 7)
        #expect(request.latentShape == [1, 16, 21, 60, 104])
        #expect(request.usesGuidance)
    }

    @Test func secondsBecomeFramesAtTheFrameRate() throws {
        #expect(try GenerationRequest(prompt: "a", seconds: 5, fps: 16).validated().frames == 81)
        #expect(try GenerationRequest(prompt: "a", seconds: 1, fps: 24).validated().frames == 25)
    }

    @Test(arguments: [
        (GenerationRequest(prompt: "  "), "the prompt is empty"),
        (GenerationRequest(prompt: "a", width: 100), "width 100 must be a positive multiple of 16"),
        (GenerationRequest(prompt: "a", height: 0), "height 0 must be a positive multiple of 16"),
        (GenerationRequest(prompt: "a", frames: 80), "frames must be of the form 4k+1 (the VAE's time compression): 77 or 81, not 80"),
        (GenerationRequest(prompt: "a", seconds: 1.5, fps: 10), "1.5 s at 10 fps gives 16 frames; frames must be of the form 4k+1 (the VAE's time compression): 13 or 17, not 16"),
        (GenerationRequest(prompt: "a", frames: 17, seconds: 1), "give frames or seconds, not both"),
        (GenerationRequest(prompt: "a", steps: 0), "steps 0 must be between 1 and 1000"),
        (GenerationRequest(prompt: "a", sampler: "ddim"), "unknown sampler \"ddim\"; use unipc or euler"),
        (GenerationRequest(prompt: "a", shift: -1), "shift -1.0 must be between 0.01 and 100.0"),
        // Accepted before issue 20: UniPC divided by zero, Euler decoded an all-black video.
        (GenerationRequest(prompt: "a", shift: 1e-17), "shift 1e-17 must be between 0.01 and 100.0"),
        (GenerationRequest(prompt: "a", shift: 1e-300), "shift 1e-300 must be between 0.01 and 100.0"),
        (GenerationRequest(prompt: "a", shift: 101), "shift 101.0 must be between 0.01 and 100.0"),
        (GenerationRequest(prompt: "a", guidance: 1e308), "guidance 1e+308 must be between 0.0 and 100.0"),
    ])
    func refusesBadRequestsInOneSentence(request: GenerationRequest, message: String) {
        do {
            _ = try request.validated()
            Issue.record("accepted \(request)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
            #expect(!"\(error)".contains("\n"))
        }
    }
}
