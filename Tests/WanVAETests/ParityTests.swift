import CPUBackend
import NN
import Tensor
import TestSupport
import Testing
import WanVAE

extension WanVAETests {
    /// fp32 parity with diffusers' `AutoencoderKLWan` on the two tiny random configs of
    /// tools/fixtures/make_wan_vae_fixtures.py, 24×40 px (3×5 latent). 1, 5 and 9 frames are one, two
    /// and three time chunks: the third is the first to continue from two cached frames everywhere.
    /// Tolerance.float32 throughout (convolutions and attention sum in another order than PyTorch).
    @Suite struct ParityTests {
        let backend = CPUBackend()

        @Test(arguments: ["a", "b"], [1, 5, 9])
        func encode(config: String, frames: Int) throws {
            let fixture = try VAEFixture(config)
            let vae = try fixture.model()
            let posterior = try vae.encode(try fixture.video(frames: frames, on: backend), on: backend)
            let label = "\(config) encode \(frames) frames"
            expectMatch(posterior.mean, try fixture.io("encode.f\(frames).mean"), .float32, "\(label) mean")
            expectMatch(posterior.logvar, try fixture.io("encode.f\(frames).logvar"), .float32, "\(label) logvar")
        }

        @Test(arguments: ["a", "b"], [1, 2, 3])
        func decode(config: String, latentFrames: Int) throws {
            let fixture = try VAEFixture(config)
            let vae = try fixture.model()
            let video = try vae.decode(try fixture.latents(frames: latentFrames, on: backend), on: backend)
            expectMatch(video, try fixture.io("decode.t\(latentFrames).video"), .float32,
                        "\(config) decode \(latentFrames) latent frames")
        }

        // Every module output the reference hooked during the 5-frame encode (two chunks), concatenated
        // over the chunks along time.
        @Test(arguments: ["a", "b"])
        func encoderIntermediates(config: String) throws {
            let fixture = try VAEFixture(config)
            let taps = Taps()
            _ = try fixture.model().encode(try fixture.video(frames: 5, on: backend), on: backend, taps: taps)
            let names = fixture.taps("encode.f5")
            #expect(names.count >= 8)
            for name in names {
                let recorded = try #require(taps[name], "\(config): no tap \(name)")
                expectMatch(recorded, try fixture.io("encode.f5.tap.\(name)"), .float32, "\(config) encode tap \(name)")
            }
        }

        // The same for the 2-latent-frame decode.
        @Test(arguments: ["a", "b"])
        func decoderIntermediates(config: String) throws {
            let fixture = try VAEFixture(config)
            let taps = Taps()
            _ = try fixture.model().decode(try fixture.latents(frames: 2, on: backend), on: backend, taps: taps)
            let names = fixture.taps("decode.t2")
            #expect(names.count >= 8)
            for name in names {
                let recorded = try #require(taps[name], "\(config): no tap \(name)")
                expectMatch(recorded, try fixture.io("decode.t2.tap.\(name)"), .float32, "\(config) decode tap \(name)")
            }
        }

        // (x − mean) · (1/std) and x / (1/std) + mean, as the pipelines write them.
        @Test(arguments: ["a", "b"])
        func latentNormalisation(config: String) throws {
            let fixture = try VAEFixture(config)
            let vae = try fixture.model(parts: .decoder)
            let latents = try fixture.io("latents")
            expectMatch(try vae.normalize(latents, on: backend), try fixture.io("normalize.out"), .float32Elementwise,
                        "\(config) normalize")
            expectMatch(try vae.denormalize(latents, on: backend), try fixture.io("denormalize.out"), .float32Elementwise,
                        "\(config) denormalize")
        }

        // Frames past the last full chunk are ignored, as in diffusers: 7 frames encode as 5.
        @Test func trailingFramesAreIgnored() throws {
            let fixture = try VAEFixture("a")
            let vae = try fixture.model()
            let seven = try vae.encode(try fixture.video(frames: 7, on: backend), on: backend)
            expectMatch(seven.mean, try fixture.io("encode.f5.mean"), .float32, "a encode 7 frames")
        }

        // The chunk callback sees every chunk in order, and the chunks make up the whole video.
        @Test func decodeHandsOverEachChunk() throws {
            let fixture = try VAEFixture("b")
            let vae = try fixture.model(parts: .decoder)
            var seen: [(Int, Int, Int, Int)] = []
            var frames: [Tensor] = []
            try vae.decode(try fixture.latents(frames: 3, on: backend), on: backend) { chunk in
                seen.append((chunk.index, chunk.count, chunk.firstFrame, chunk.frames.shape[2]))
                frames.append(chunk.frames)
            }
            #expect(seen.map(\.0) == [0, 1, 2] && seen.map(\.1) == [3, 3, 3])
            #expect(seen.map(\.2) == [0, 1, 5] && seen.map(\.3) == [1, 4, 4])
            expectMatch(try backend.concat(frames, axis: 2), try fixture.io("decode.t3.video"), .float32, "b decode by chunks")
        }
    }
}
