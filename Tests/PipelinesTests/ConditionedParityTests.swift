import CLIPVision
import CPUBackend
import Foundation
import Media
import Pipelines
import Tensor
import TestSupport
import Testing

/// The trained conditioning against diffusers on tiny random models
/// (tools/fixtures/make_wan_conditioned_fixtures.py): Wan 2.1 I2V and FLF2V against
/// `WanImageToVideoPipeline`, VACE with 0, 1 and 2 reference images and a grey-level mask against
/// `WanVACEPipeline`, all in fp32 from diffusers' noise.
@Suite struct ConditionedParityTests {
    let backend = CPUBackend()
    let reference: SafeTensorsFile

    init() throws {
        reference = try SafeTensorsFile(path: fixturePath("wan_conditioned/reference.safetensors"))
    }

    private func generator(_ folder: String) throws -> Generator {
        Generator(store: try ModelStore(single: ModelSource(folder: fixturePath("wan_conditioned/\(folder)"))),
                  precision: .float32, backend: backend)
    }

    /// An image `[H, W, 3]` of byte values as a one-frame clip.
    private func image(_ name: String) throws -> VideoFrames {
        let pixels = try reference.tensor(named: name)
        return try clip(try pixels.reshaped([1] + pixels.shape))
    }

    /// Runs the group's request; returns the final latents and the frames as bytes.
    private func generate(_ generator: Generator, _ group: String, conditioning: Conditioning) throws
        -> (request: ValidatedRequest, latents: Tensor, frames: [Float]) {
        let settings = reference.metadata
        func number(_ key: String) -> Int? { settings["\(group).\(key)"].flatMap { Int($0) } }
        let request = try generator.validate(GenerationRequest(
            prompt: try #require(settings["\(group).prompt"]), negativePrompt: settings["\(group).negative_prompt"],
            width: number("width"), height: number("height"), frames: number("num_frames"),
            steps: number("num_inference_steps"), guidance: settings["\(group).guidance_scale"].flatMap { Double($0) },
            seed: 0, conditioning: conditioning))
        var frames: [Float] = []
        let latents = try generator.run(request, noise: try reference.tensor(named: "\(group).noise"), onFrames: { chunk in
            frames += try RGBFrame.frames(decodedVideo: chunk).flatMap { $0.pixels.map(Float.init) }
        })
        return (request, latents, frames)
    }

    private func expectFrames(_ frames: [Float], _ name: String) throws {
        let expected = try reference.tensor(named: name).floats()
        #expect(frames.count == expected.count, "\(name): \(frames.count) values, expected \(expected.count)")
        let largest = zip(frames, expected).map { abs($0 - $1) }.max() ?? .infinity
        if ProcessInfo.processInfo.environment["ZOETROPE_PARITY_REPORT"] != nil { print("parity \(name): largest difference \(largest)/255") }
        #expect(largest <= 2, "\(name): frames differ by up to \(largest)/255")
    }

    @Test func imageToVideoMatchesWanImageToVideoPipeline() throws {
        let generator = try generator("tiny-wan-i2v")
        let (request, latents, frames) = try generate(generator, "i2v", conditioning: Conditioning(image: try image("i2v.image")))
        #expect(request.family == .imageToVideo && request.mode == .image)
        expectMatch(latents, try reference.tensor(named: "i2v.latents"), .endToEnd, "i2v latents")
        try expectFrames(frames, "i2v.frames")
    }

    @Test func firstLastFrameMatchesWanImageToVideoPipeline() throws {
        let generator = try generator("tiny-wan-flf2v")
        let conditioning = Conditioning(image: try image("flf2v.image"), lastImage: try image("flf2v.last_image"))
        let (request, latents, frames) = try generate(generator, "flf2v", conditioning: conditioning)
        #expect(request.family == .firstLastFrame)
        expectMatch(latents, try reference.tensor(named: "flf2v.latents"), .endToEnd, "flf2v latents")
        try expectFrames(frames, "flf2v.frames")
    }

    /// The folder's image processor and CLIP encoder give the pipeline's pixels and image embeddings.
    @Test(arguments: ["i2v", "flf2v"])
    func theImageTokensAreThePipelines(group: String) throws {
        let files = try WanModelFiles(folder: fixturePath("wan_conditioned/tiny-wan-\(group)"))
        let processor = try files.imageProcessor()
        let names = group == "i2v" ? ["i2v.image"] : ["flf2v.image", "flf2v.last_image"]
        let pixels = try names.map { name in
            let frame = try image(name)
            return try processor.pixels(rgb: frame.pixels, width: frame.width, height: frame.height)  // [1, 3, 32, 32]
        }
        let batch = try backend.concat(pixels, axis: 0)
        expectMatch(batch, try reference.tensor(named: "\(group).clip_pixels"), .float32Elementwise, "\(group) pixels")
        let component = try #require(files.folder.component(named: "image_encoder"))
        let encoder = try CLIPVisionEncoder(component: component, uploadingTo: backend)
        expectMatch(try encoder.penultimateHiddenStates(batch, on: backend), try reference.tensor(named: "\(group).image_embeds"),
                    .float32, "\(group) image embeddings")
    }

    /// 0, 1 and 2 references, and one whose sides are not multiples of 8 (floored with Pillow's Lanczos first).
    @Test(arguments: [("vace0", 0), ("vace1", 1), ("vace2", 2), ("vaceodd", 1)])
    func vaceMatchesWanVACEPipeline(group: String, references count: Int) throws {
        let generator = try generator("tiny-wan-vace")
        let mask = try reference.tensor(named: "vace.mask")  // [F, H, W] 0..255
        let levels = try VideoFrames(width: mask.shape[2], height: mask.shape[1], count: mask.shape[0],
                                     pixels: mask.floats().flatMap { [UInt8](repeating: UInt8($0), count: 3) })
        var conditioning = Conditioning(video: try clip(try reference.tensor(named: "vace.video")), mask: levels)
        conditioning.references = try (0..<count).map { try image("\(group).reference\($0)") }
        conditioning.controlScales = [1.0, 0.5]
        let (request, latents, frames) = try generate(generator, group, conditioning: conditioning)
        #expect(request.family == .vace && request.mode == .edit && request.latentShape[2] == 3 + count)
        // diffusers returns the latents with the reference frames in front; the video is what follows them.
        let expected = try backend.slice(try reference.tensor(named: "\(group).latents"), axis: 2, start: count, end: 3 + count)
        expectMatch(latents, expected, .endToEnd, "\(group) latents")
        try expectFrames(frames, "\(group).frames")
    }
}
