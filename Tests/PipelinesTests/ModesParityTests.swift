import CPUBackend
import Media
import Pipelines
import Sampling
import Tensor
import TestSupport
import Testing

/// The modes against diffusers on the tiny random Wan of the pipeline fixture
/// (tools/fixtures/make_wan_modes_fixtures.py): remix against `WanVideoToVideoPipeline` with the
/// folder's flow UniPC and with Euler, masked generation against a reference script of the
/// blended-latent rule on diffusers' Euler scheduler and transformer, all in fp32 from the same video
/// and noise.
@Suite struct ModesParityTests {
    let backend = CPUBackend()
    let reference: SafeTensorsFile
    let generator: Generator
    let video: VideoFrames

    init() throws {
        reference = try SafeTensorsFile(path: fixturePath("wan_modes/reference.safetensors"))
        generator = Generator(store: try ModelStore(single: ModelSource(folder: fixturePath("wan_pipeline/tiny-wan"))),
                              precision: .float32, backend: backend)
        video = try clip(try reference.tensor(named: "video.frames"))
    }

    /// A request with the group's settings from the fixture's metadata.
    private func request(_ group: String, conditioning: Conditioning, sampler: String? = nil) throws -> ValidatedRequest {
        let settings = reference.metadata
        func number(_ key: String) -> Int? { settings["\(group).\(key)"].flatMap { Int($0) } }
        return try generator.validate(GenerationRequest(
            prompt: try #require(settings["\(group).prompt"]), negativePrompt: settings["\(group).negative_prompt"],
            width: number("width"), height: number("height"), steps: number("num_inference_steps"),
            guidance: settings["\(group).guidance_scale"].flatMap { Double($0) }, sampler: sampler, seed: 0,
            conditioning: conditioning))
    }

    /// Runs `request` with the group's noise; returns the final latents and the frames as bytes.
    private func generate(_ request: ValidatedRequest, noise: String) throws -> (latents: Tensor, frames: [Float]) {
        var frames: [Float] = []
        let latents = try generator.run(request, noise: try reference.tensor(named: noise), onFrames: { chunk in
            frames += try RGBFrame.frames(decodedVideo: chunk).flatMap { $0.pixels.map(Float.init) }
        })
        return (latents, frames)
    }

    private func expectFrames(_ frames: [Float], _ name: String, within limit: Float = 2) throws {
        let expected = try reference.tensor(named: name).floats()
        #expect(frames.count == expected.count, "\(name): \(frames.count) values, expected \(expected.count)")
        let largest = zip(frames, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(largest <= limit, "\(name): frames differ by up to \(largest)/255")
    }

    @Test(arguments: [("remix_unipc", nil), ("remix_euler", "euler")] as [(String, String?)])
    func remixMatchesWanVideoToVideoPipeline(group: String, sampler: String?) throws {
        let strength = try #require(reference.metadata["\(group).strength"].flatMap { Double($0) })
        let request = try request(group, conditioning: Conditioning(video: video, strength: strength), sampler: sampler)
        #expect(request.mode == .remix && request.plan.startStep == 2)
        let (latents, frames) = try generate(request, noise: "\(group).noise")
        expectMatch(latents, try reference.tensor(named: "\(group).latents"), .endToEnd, "\(group) latents")
        try expectFrames(frames, "\(group).frames")
    }

    @Test func theRemixStartsFromTheEncodedVideoNoisedAsDiffusersDoes() throws {
        for group in ["remix_unipc", "remix_euler"] {
            let config = try WanModelFiles(folder: fixturePath("wan_pipeline/tiny-wan")).schedulerConfig()
                .overriding(sampler: group == "remix_euler" ? .euler : nil)
            let schedule = try FlowSchedule(config: config, steps: 6)
            let noised = try schedule.noised(try reference.tensor(named: "\(group).encoded"),
                                             noise: try reference.tensor(named: "\(group).noise"), at: 2, on: backend)
            expectMatch(noised, try reference.tensor(named: "\(group).start_latents"), .float32Elementwise, "\(group) start")
        }
    }

    @Test func maskedGenerationMatchesTheBlendedLatentRuleOnEuler() throws {
        let mask = try maskClip(try reference.tensor(named: "inpaint_euler.mask"))
        let request = try request("inpaint_euler", conditioning: Conditioning(video: video, mask: mask), sampler: "euler")
        #expect(request.mode == .edit)
        let keep = request.geometry.keepMask(generate: mask.grayLevels(), pixelFrames: 9, width: 96, height: 64, latentFrames: 3)
        #expect(keep == (try reference.tensor(named: "inpaint_euler.keep").floats()))
        let (latents, frames) = try generate(request, noise: "inpaint_euler.noise")
        expectMatch(latents, try reference.tensor(named: "inpaint_euler.latents"), .endToEnd, "inpaint latents")
        try expectFrames(frames, "inpaint_euler.frames")
    }

    @Test func anAllWhiteMaskIsPlainTextToVideoExactly() throws {
        let white = try VideoFrames(width: 96, height: 64, count: 1, pixels: [UInt8](repeating: 255, count: 96 * 64 * 3))
        let masked = try request("inpaint_euler", conditioning: Conditioning(video: video, mask: white))
        let noise = "inpaint_euler.noise"
        let text = try generator.validate(GenerationRequest(prompt: masked.prompt, negativePrompt: masked.negativePrompt,
                                                            width: 96, height: 64, frames: 9, steps: masked.steps,
                                                            guidance: masked.guidance, seed: 0))
        let a = try generate(masked, noise: noise), b = try generate(text, noise: noise)
        #expect(a.latents.floats() == b.latents.floats())
        #expect(a.frames == b.frames)
    }

    @Test func anAllBlackMaskGivesTheVideoThroughOneVAERoundTrip() throws {
        let black = try VideoFrames(width: 96, height: 64, count: 1, pixels: [UInt8](repeating: 0, count: 96 * 64 * 3))
        let request = try request("inpaint_euler", conditioning: Conditioning(video: video, mask: black))
        let (_, frames) = try generate(request, noise: "inpaint_euler.noise")
        try expectFrames(frames, "roundtrip.frames", within: 1)
    }
}

/// Frames `[F, H, W, 3]` of byte values as a clip.
func clip(_ frames: Tensor) throws -> VideoFrames {
    try VideoFrames(width: frames.shape[2], height: frames.shape[1], count: frames.shape[0],
                    pixels: frames.floats().map { UInt8($0) })
}

/// A mask `[F, H, W]` of 0/1 values as a grey clip (white = 1).
func maskClip(_ mask: Tensor) throws -> VideoFrames {
    try VideoFrames(width: mask.shape[2], height: mask.shape[1], count: mask.shape[0],
                    pixels: mask.floats().flatMap { value in [UInt8](repeating: UInt8(value * 255), count: 3) })
}
