import CPUBackend
import Tensor
import TestSupport
import Testing
import TinyDecoder

/// fp32 parity with the reference TAEHV (`taehv.py`'s `decode_video`, sequential mode, which the
/// fixture script checks against its parallel mode) on tools/fixtures/make_taehv_fixtures.py's
/// small-width decoder: 16×3×4 latents, 1 and 3 latent frames, trimmed as the reference trims.
@Suite struct ParityTests {
    let backend = CPUBackend()

    @Test(arguments: [1, 3])
    func decode(latentFrames: Int) throws {
        let fixture = try TAEHVFixture()
        let video = try fixture.model().decode(try fixture.latents(frames: latentFrames, on: backend), on: backend)
        #expect(video.shape == [1, 3, 4 * (latentFrames - 1) + 1, 24, 32])
        expectMatch(video, try fixture.io.tensor(named: "decode.t\(latentFrames)"), .float32, "decode \(latentFrames) latent frames")
    }

    /// Before the trim: 4 frames per latent frame, the first three of which the reference drops.
    @Test func untrimmedFrames() throws {
        let fixture = try TAEHVFixture()
        let latents = try fixture.latents(frames: 2, on: backend)
        var stream = try fixture.model().stream(on: backend, trimming: false)
        var frames: [Tensor] = []
        for t in 0..<2 {
            let latent = try backend.slice(latents, axis: 2, start: t, end: t + 1).reshaped([1, 16, 3, 4])
            let made = try stream.decode(latent)
            #expect(made.count == 4)
            frames += try made.map { try $0.reshaped([1, 3, 1, 24, 32]) }
        }
        expectMatch(try backend.concat(frames, axis: 2), try fixture.io.tensor(named: "untrimmed.t2"), .float32, "untrimmed 2 latent frames")
    }

    /// Chunks come one per latent frame, 1 frame then 4, numbered as the whole decode's frames.
    @Test func chunks() throws {
        let fixture = try TAEHVFixture()
        let model = try fixture.model()
        let latents = try fixture.latents(frames: 3, on: backend)
        var seen: [(index: Int, first: Int, count: Int)] = []
        var frames: [Tensor] = []
        try model.decode(latents, on: backend) { chunk in
            #expect(chunk.count == 3)
            seen.append((chunk.index, chunk.firstFrame, chunk.frames.shape[2]))
            frames.append(chunk.frames)
        }
        #expect(seen.map(\.index) == [0, 1, 2])
        #expect(seen.map(\.first) == [0, 1, 5])
        #expect(seen.map(\.count) == [1, 4, 4])
        #expect(model.config.frameCount(latentFrames: 3) == 9)
        expectMatch(try backend.concat(frames, axis: 2), try fixture.io.tensor(named: "decode.t3"), .float32, "chunked decode")
    }
}
