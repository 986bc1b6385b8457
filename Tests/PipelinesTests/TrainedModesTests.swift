import CPUBackend
import Foundation
import Media
import Pipelines
import Tensor
import TestSupport
import Testing

/// Every mode through a VACE model (the tiny random `WanVACEPipeline` folder of
/// tools/fixtures/make_wan_conditioned_fixtures.py), and the one-line refusals of requests a model
/// cannot take. Two unguided steps each: these check the plumbing (window, control, output plan),
/// the parity tests check the numbers.
@Suite struct TrainedModesTests {
    let backend = CPUBackend()
    let video: VideoFrames  // 9 frames, 48x32

    init() throws {
        let reference = try SafeTensorsFile(path: fixturePath("wan_conditioned/reference.safetensors"))
        video = try clip(try reference.tensor(named: "vace.video"))
    }

    private func generator(_ folder: String) throws -> Generator {
        Generator(store: try ModelStore(single: ModelSource(folder: fixturePath(folder))), precision: .float32, backend: backend)
    }

    private func request(_ conditioning: Conditioning, frames: Int? = nil, on generator: Generator) throws -> ValidatedRequest {
        try generator.validate(GenerationRequest(prompt: "a fox in the snow", width: 48, height: 32, frames: frames, steps: 2,
                                                 guidance: 1, seed: 5, conditioning: conditioning))
    }

    /// The output frames of `request` as bytes, one `[UInt8]` per frame.
    private func frames(_ request: ValidatedRequest, on generator: Generator) throws -> [[UInt8]] {
        var frames: [[UInt8]] = []
        _ = try generator.run(request, onFrames: { chunk in frames += try RGBFrame.frames(decodedVideo: chunk).map(\.pixels) })
        return frames
    }

    private func still(_ index: Int) throws -> VideoFrames { try video.slice(index..<(index + 1)) }

    /// `clip` at half its width and height (every other pixel of every other row).
    private func halved(_ clip: VideoFrames) throws -> VideoFrames {
        let (width, height) = (clip.width / 2, clip.height / 2)
        var pixels: [UInt8] = []
        for frame in 0..<clip.count {
            for y in 0..<height {
                for x in 0..<width {
                    let at = ((frame * clip.height + 2 * y) * clip.width + 2 * x) * 3
                    pixels += clip.pixels[at..<(at + 3)]
                }
            }
        }
        return try VideoFrames(width: width, height: height, count: clip.count, pixels: pixels)
    }

    @Test func everyModeRunsThroughVACE() throws {
        let vace = try generator("wan_conditioned/tiny-wan-vace")
        let small = try halved(video)
        let mask = try VideoFrames(width: 48, height: 32, count: 1,
                                   pixels: (0..<(32 * 48)).flatMap { [UInt8](repeating: $0 % 48 < 24 ? 255 : 0, count: 3) })
        let cases: [(Conditioning, Int?, GenerationMode, Int)] = [
            (Conditioning(), 9, .text, 9),
            (Conditioning(image: try still(0)), 9, .image, 9),
            (Conditioning(image: try still(0), lastImage: try still(8)), 9, .image, 9),
            (Conditioning(keyframes: [.init(frame: 0, image: try still(0)), .init(frame: 5, image: try still(5))]), 9, .keyframes, 9),
            (Conditioning(video: video, strength: 0.7), nil, .remix, 9),
            (Conditioning(video: video, mask: mask), nil, .edit, 9),
            (Conditioning(video: small), nil, .outpaint, 9),
            (Conditioning(previous: video), 4, .extend, 13),
            (Conditioning(next: video), 4, .extendBackward, 13),
            (Conditioning(previous: video, next: video.reversed()), 4, .connect, 22),
            (Conditioning(loop: true), 12, .loop, 12),
            (Conditioning(image: try still(0), references: [try still(3), small]), 9, .image, 9),
        ]
        for (conditioning, count, mode, expected) in cases {
            let request = try request(conditioning, frames: count, on: vace)
            #expect(request.mode == mode && request.family == .vace)
            #expect(request.latentShape[2] == request.plan.latentFrames + conditioning.references.count)
            let made = try frames(request, on: vace)
            #expect(made.count == expected, "\(mode.rawValue): \(made.count) frames, expected \(expected)")
            // Kept clips come back byte for byte around the new frames.
            switch mode {
            case .extend: #expect(Array(made.prefix(9)) == video.frames.map(\.pixels))
            case .extendBackward: #expect(Array(made.suffix(9)) == video.frames.map(\.pixels))
            case .connect:
                #expect(Array(made.prefix(9)) == video.frames.map(\.pixels))
                #expect(Array(made.suffix(9)) == video.reversed().frames.map(\.pixels))
            default: break
            }
        }
    }

    /// The control branch steers: the same image request at control scale 0 (the hints add nothing)
    /// and 1 makes different frames.
    @Test func theControlScaleChangesTheVideo() throws {
        let vace = try generator("wan_conditioned/tiny-wan-vace")
        var off = Conditioning(image: try still(0)), on = off
        off.controlScales = [0]
        on.controlScales = [1]
        #expect(try frames(try request(off, frames: 9, on: vace), on: vace) != frames(try request(on, frames: 9, on: vace), on: vace))
    }

    private func scaled(_ conditioning: Conditioning) -> Conditioning {
        var scaled = conditioning
        scaled.controlScales = [1]
        return scaled
    }

    @Test func requestsAModelCannotTakeAreOneLine() throws {
        let t2v = try generator("wan_pipeline/tiny-wan")
        let i2v = try generator("wan_conditioned/tiny-wan-i2v")
        let flf = try generator("wan_conditioned/tiny-wan-flf2v")
        let image = try still(0)
        let refusals: [(Generator, Conditioning, String)] = [
            (t2v, Conditioning(image: image, lastImage: image), "this text-to-video model cannot take a last image; a first-last-frame (FLF2V) or VACE model can"),
            (t2v, Conditioning(references: [image]), "reference images need a VACE model; this is a text-to-video model"),
            (t2v, Conditioning(keyframes: [.init(frame: 0, image: image)]), "keyframes at chosen frames need a VACE model; this is a text-to-video model"),
            (t2v, scaled(Conditioning(image: image)), "a control scale applies to a VACE model; this is text to video"),
            (i2v, Conditioning(), "this image-to-video (I2V) model makes video from an image (--image); it cannot do text to video"),
            (i2v, Conditioning(video: video, strength: 0.5), "this image-to-video (I2V) model makes video from an image (--image); it cannot do remix"),
            (i2v, Conditioning(image: image, lastImage: image), "this image-to-video (I2V) model cannot take a last image; a first-last-frame (FLF2V) or VACE model can"),
            (flf, Conditioning(image: image), "this first-last-frame (FLF2V) model needs a last image as well as the first"),
            (i2v, Conditioning(image: image, references: [image]), "reference images need a VACE model; this is an image-to-video (I2V) model"),
        ]
        for (generator, conditioning, message) in refusals {
            #expect(throws: GenerationError.invalidRequest(message)) { try request(conditioning, frames: 9, on: generator) }
        }
    }

    /// An image-to-video folder without its CLIP encoder stops before any work, naming what is missing.
    @Test func anImageToVideoModelWithoutItsImageEncoderIsOneLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoetrope-i2v-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: fixturePath("wan_conditioned/tiny-wan-i2v"), toPath: folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.removeItem(atPath: folder + "/image_encoder")
        let indexPath = folder + "/model_index.json"
        var index = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: indexPath))) as? [String: Any])
        index["image_encoder"] = nil
        try JSONSerialization.data(withJSONObject: index).write(to: URL(fileURLWithPath: indexPath))
        let generator = Generator(store: try ModelStore(single: ModelSource(folder: folder)), precision: .float32, backend: backend)
        let request = try request(Conditioning(image: try still(0)), frames: 9, on: generator)
        #expect(throws: WanModelError.missingImageEncoder(folder: folder)) { try frames(request, on: generator) }
    }
}
