import Media
import Pipelines
import Testing

/// Modes are validated and planned before any model loads: the latent window, the output length,
/// the remix's first step, and a one-sentence error for every bad combination.
@Suite struct WindowPlanTests {
    static func clip(_ count: Int, width: Int = 64, height: Int = 32, value: UInt8 = 100) throws -> VideoFrames {
        try VideoFrames(width: width, height: height, count: count,
                        pixels: [UInt8](repeating: value, count: count * width * height * 3))
    }

    static func validated(frames: Int? = nil, seconds: Double? = nil, steps: Int? = 6, _ conditioning: Conditioning) throws -> ValidatedRequest {
        try GenerationRequest(prompt: "a fox", width: 64, height: 32, frames: frames, seconds: seconds, fps: 16, steps: steps,
                              seed: 1, conditioning: conditioning).validated()
    }

    @Test func eachModePlansItsWindow() throws {
        let video = try Self.clip(11)
        // Remix: the video's 9 usable frames (the 10th and 11th do not fill a latent frame), 6·0.7 → 4 steps run.
        let remix = try Self.validated(Conditioning(video: video, strength: 0.7))
        #expect(remix.mode == .remix && remix.frames == 9 && remix.latentShape == [1, 16, 3, 4, 8] && remix.plan.startStep == 2)
        let image = try Self.validated(frames: 17, Conditioning(image: try Self.clip(1)))
        #expect(image.mode == .image && image.latentShape[2] == 5 && image.outputFrames == 17)
        // Extend by 8: the last 9 frames are context (3 latents) + 2 new latents; output 11 + 8.
        let extend = try Self.validated(frames: 8, Conditioning(previous: video))
        #expect(extend.mode == .extend && extend.latentShape[2] == 5 && extend.outputFrames == 19 && extend.plan.headContext == 9)
        let backward = try Self.validated(seconds: 1, Conditioning(next: video))
        #expect(backward.mode == .extendBackward && backward.frames == 16 && backward.latentShape[2] == 7 && backward.outputFrames == 27)
        // Connect: 9 context frames of A, 4 new, the 4 whole-latent frames of B's 5: 3 + 1 + 1 latents.
        let connect = try Self.validated(frames: 4, Conditioning(previous: video, next: try Self.clip(5)))
        #expect(connect.mode == .connect && connect.latentShape[2] == 5 && connect.outputFrames == 11 + 4 + 5 && connect.plan.tailContext == 4)
        let loop = try Self.validated(frames: 16, Conditioning(loop: true))
        #expect(loop.mode == .loop && loop.latentShape[2] == 4 && loop.outputFrames == 16)
        let outpaint = try Self.validated(Conditioning(video: try Self.clip(5, width: 32, height: 16)))
        #expect(outpaint.mode == .outpaint && outpaint.latentShape == [1, 16, 2, 4, 8])
        // A short clip gives less context: 5 frames → 5.
        #expect(try Self.validated(frames: 4, Conditioning(previous: try Self.clip(6))).plan.headContext == 5)
    }

    @Test(arguments: [
        (Conditioning(strength: 0.5), "a strength needs a video"),
        (Conditioning(mask: try WindowPlanTests.clip(1)), "a mask needs the video"),
        (Conditioning(image: try WindowPlanTests.clip(1), video: try WindowPlanTests.clip(9), strength: 0.5), "not both"),
        (Conditioning(video: try WindowPlanTests.clip(9), strength: 0), "strength 0.0 must be above 0 and at most 1"),
        (Conditioning(video: try WindowPlanTests.clip(9), strength: 1.5), "strength 1.5 must be above 0 and at most 1"),
        (Conditioning(video: try WindowPlanTests.clip(9), strength: 0.1), "runs no step"),
        (Conditioning(video: try WindowPlanTests.clip(9)), "a video needs a strength (remix) or a mask (edit)"),
        (Conditioning(video: try WindowPlanTests.clip(9), mask: try WindowPlanTests.clip(1, width: 32)), "the mask is 32x32 but the video is 64x32"),
        (Conditioning(video: try WindowPlanTests.clip(9), mask: try WindowPlanTests.clip(5)), "the mask has 5 frames"),
        (Conditioning(video: try WindowPlanTests.clip(9, width: 128)), "larger than the 64x32 canvas"),
        (Conditioning(image: try WindowPlanTests.clip(1, width: 32)), "the image is 32x32, not the 64x32"),
        (Conditioning(previous: try WindowPlanTests.clip(9), loop: true), "takes no image, video, mask or loop"),
        (Conditioning(loop: true, contextFrames: 5), "context frames apply only"),
        (Conditioning(previous: try WindowPlanTests.clip(9), contextFrames: 6), "context frames 6 must be of the form 4k+1"),
    ] as [(Conditioning, String)])
    func refusesBadCombinationsInOneSentence(conditioning: Conditioning, message: String) {
        do {
            _ = try Self.validated(frames: conditioning.previous != nil ? 4 : nil, conditioning)
            Issue.record("accepted \(message)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
            #expect(!"\(error)".contains("\n"))
        }
    }

    @Test func lengthsFollowEachModesRule() throws {
        let video = try Self.clip(9)
        for (frames, seconds, conditioning, message) in [
            (0, nil, Conditioning(previous: video), "frames 0 must be between 1 and 100000"),
            (2, nil, Conditioning(previous: video), "the new frames must be a multiple of 4 (the VAE's time compression), at least 4"),
            (6, nil, Conditioning(previous: video), "4 or 8, not 6"),
            (nil, 0, Conditioning(previous: video), "seconds 0.0 must be positive"),
            (nil, nil, Conditioning(previous: video), "extend needs the length of the new part"),
            (8, nil, Conditioning(loop: true), "at least 12"),
            (13, nil, Conditioning(video: video, strength: 0.5), "the video has 9 frames, fewer than the 13 asked for"),
        ] as [(Int?, Double?, Conditioning, String)] {
            #expect(throws: GenerationError.self) { try Self.validated(frames: frames, seconds: seconds, conditioning) }
            do { _ = try Self.validated(frames: frames, seconds: seconds, conditioning) } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }

    @Test func aPixelMaskBecomesALatentKeepMask() {
        let geometry = LatentGeometry.wan21
        // 9 frames of 32x64 (4x8 latents); frames 5...8 regenerate the 8x8 block at rows 8..15, columns 16..23 at 0.5.
        var generate = [Float](repeating: 0, count: 9 * 32 * 64)
        for f in 5...8 { for row in 8..<16 { for column in 16..<24 { generate[(f * 32 + row) * 64 + column] = 0.5 } } }
        let keep = geometry.keepMask(generate: generate, pixelFrames: 9, width: 64, height: 32, latentFrames: 3)
        #expect(keep.count == 3 * 4 * 8)
        #expect(keep[0..<64].allSatisfy { $0 == 1 })  // latent frames 0 and 1 cover frames 0...4: all kept
        // Latent frame 2: the block at latent (1, 2) and its 3x3 neighbourhood are half regenerated.
        for i in 0..<4 { for j in 0..<8 {
            let expected: Float = (0...2).contains(i) && (1...3).contains(j) ? 0.5 : 1
            #expect(keep[64 + i * 8 + j] == expected, "latent (2, \(i), \(j))")
        } }
    }
}
