import CPUBackend
import Media
@testable import Pipelines
import Tensor
import TestSupport
import Testing
import WanVAE

/// The VACE control context against what diffusers' `WanVACEPipeline` hands its transformer
/// (tools/fixtures/make_wan_conditioned_fixtures.py): a 9-frame 32x48 video, a mask with grey levels
/// (so binarising it changes it) and 0, 1 or 2 reference images of other sizes, encoded by the tiny
/// folder's VAE in float32.
@Suite struct VACEContextTests {
    let backend = CPUBackend()
    let reference: SafeTensorsFile
    let builder: VACEContextBuilder

    init() throws {
        reference = try SafeTensorsFile(path: fixturePath("wan_conditioned/reference.safetensors"))
        builder = VACEContextBuilder(backend: backend)
    }

    /// The group's reference images as one-frame clips, as the CLI reads image files.
    private func references(_ group: String, count: Int) throws -> [VideoFrames] {
        try (0..<count).map { index in
            let image = try reference.tensor(named: "\(group).reference\(index)")  // [h, w, 3]
            return try clip(try image.reshaped([1] + image.shape))
        }
    }

    /// The fixture's mask `[F, H, W]` of levels 0...255 as a grey clip (white = generate).
    private func greyClip(_ mask: Tensor) throws -> VideoFrames {
        try VideoFrames(width: mask.shape[2], height: mask.shape[1], count: mask.shape[0],
                        pixels: mask.floats().flatMap { [UInt8](repeating: UInt8($0), count: 3) })
    }

    @Test(arguments: [("vace0", 0), ("vace1", 1), ("vace2", 2)] as [(String, Int)])
    func controlMatchesWanVACEPipeline(group: String, count: Int) throws {
        let vae = try WanModelFiles(folder: fixturePath("wan_conditioned/tiny-wan-vace"))
            .loadVAE(weightType: .float32, parts: .encoder, uploadingTo: backend)
        let video = try clip(try reference.tensor(named: "vace.video")).tensor()  // [1, 3, 9, 32, 48]
        let mask = try greyClip(try reference.tensor(named: "vace.mask"))
        var encodes = 0
        let control = try builder.control(
            video: video, generate: mask.grayLevels(), references: try references(group, count: count).map { try $0.tensor() },
            encode: { pixels in
                encodes += 1
                // As the generation core's canvas encodes: the posterior's mode, normalised.
                let mean = try vae.encode(pixels, on: backend).mean  // [1, 16, T, h, w]
                return try vae.normalize(try backend.cast(mean, to: .float32), on: backend)
            })
        #expect(encodes == 2 + count, "the kept part, the part to regenerate and each reference are encoded on their own")
        expectMatch(control, try reference.tensor(named: "\(group).control"), .float32, "\(group) control")
    }

    @Test(arguments: [("vace1", 1), ("vace2", 2)] as [(String, Int)])
    func referenceCanvasesMatchTheResizeAndPasteOnWhite(group: String, count: Int) throws {
        let expected = try reference.tensor(named: "\(group).canvases")  // [N, 3, 32, 48]
        for (index, image) in try references(group, count: count).enumerated() {
            let canvas = try builder.referenceCanvas(try image.tensor(), height: 32, width: 48, index: index)
            let slice = try backend.slice(expected, axis: 0, start: index, end: index + 1)  // [1, 3, 32, 48]
            expectMatch(canvas, slice, .float32Elementwise, "\(group) canvas \(index)")
        }
    }

    /// With two references the second listed comes first in time, both with zero mask channels.
    @Test func referencesArePrependedLastFirstWithZeroMasks() throws {
        let control = try reference.tensor(named: "vace2.control").floats()  // [1, 96, 5, 4, 6]
        let plane = 4 * 6, frames = 5
        for frame in 0..<2 {
            for channel in 16..<96 {
                let start = (channel * frames + frame) * plane
                #expect(control[start..<(start + plane)].allSatisfy { $0 == 0 }, "channel \(channel), frame \(frame)")
            }
        }
        let one = try reference.tensor(named: "vace1.control").floats()  // [1, 96, 4, 4, 6]
        // vace1's reference frame is vace2's second frame (reference0), not its first (reference1).
        for channel in 0..<16 {
            let a = Array(control[((channel * frames + 1) * plane)..<((channel * frames + 2) * plane)])
            let b = Array(one[((channel * 4) * plane)..<((channel * 4 + 1) * plane)])
            #expect(a == b, "channel \(channel)")
        }
    }

    /// Latent frame k takes pixel frame ⌊(k + 0.5)·F/T⌋ (PyTorch's nearest-exact), not the causal
    /// grouping's; channel r·8 + c holds pixel (8i + r, 8j + c). The frames are PyTorch's:
    /// `F.interpolate(torch.arange(81.).view(1, 1, 81, 1, 1), size=(21, 1, 1), mode="nearest-exact")`.
    @Test func maskChannelsFoldTheGridAndTakeTheNearestExactFrame() throws {
        let (frames, height, width) = (81, 16, 16)
        var levels = [Float](repeating: 0, count: frames * height * width)
        for f in 0..<frames {
            for y in 0..<height { for x in 0..<width { levels[(f * height + y) * width + x] = Float(f * 1000 + y * 16 + x) } }
        }
        let mask = try builder.maskChannels(levels, frames: frames, height: height, width: width, latentFrames: 21)
        #expect(mask.shape == [1, 64, 21, 2, 2])
        let values = mask.floats()
        let pytorch = [1, 5, 9, 13, 17, 21, 25, 28, 32, 36, 40, 44, 48, 52, 55, 59, 63, 67, 71, 75, 79]
        for (k, frame) in pytorch.enumerated() {
            for (r, c, i, j) in [(0, 0, 0, 0), (3, 5, 1, 0), (7, 7, 1, 1), (2, 6, 0, 1)] {
                let value = values[(((r * 8 + c) * 21 + k) * 2 + i) * 2 + j]
                #expect(value == Float(frame * 1000 + (8 * i + r) * 16 + 8 * j + c), "k \(k), r \(r), c \(c), i \(i), j \(j)")
            }
        }
    }

    @Test func badInputsAreOneLineErrors() throws {
        let encode: (Tensor) throws -> Tensor = { _ in Tensor(zeros: [1, 16, 1, 2, 2]) }
        let video = Tensor(zeros: [1, 3, 1, 16, 16])
        let cases: [(() throws -> Tensor, String)] = [
            ({ try builder.control(video: video, generate: [0], references: [], encode: encode) }, "the VACE mask has 1 values"),
            ({ try builder.control(video: Tensor(zeros: [1, 3, 1, 12, 16]), generate: [Float](repeating: 0, count: 192),
                                   references: [], encode: encode) }, "multiples of 8"),
            ({ try builder.control(video: Tensor(zeros: [3, 1, 16, 16]), generate: [], references: [], encode: encode) },
             "[1, 3, F, H, W]"),
            ({ try builder.referenceCanvas(Tensor(zeros: [1, 4, 8, 8]), height: 16, width: 16, index: 1) },
             "reference image 2 must be"),
            ({ try builder.referenceCanvas(Tensor(zeros: [1, 3, 1, 1000]), height: 16, width: 16) }, "no pixels"),
            ({ try builder.control(video: video, generate: [Float](repeating: 0, count: 256), references: [],
                                   encode: { _ in Tensor(zeros: [1, 16, 2, 2, 2]) }) }, "not 1 latent frames"),
            ({ try builder.maskChannels([0], frames: 1, height: 8, width: 8, latentFrames: 1) }, "cannot be folded"),
        ]
        for (call, fragment) in cases {
            do {
                _ = try call()
                Issue.record("no error; expected one mentioning \(fragment)")
            } catch let error as GenerationError {
                #expect(error.description.contains(fragment), "\(error)")
                #expect(!error.description.contains("\n"))
            }
        }
    }
}
