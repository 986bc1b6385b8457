import CPUBackend
import Tensor
import Testing
import WanVAE

extension WanVAETests {
    /// Inputs the model cannot take are one-line errors naming the shape.
    @Suite struct InputTests {
        let backend = CPUBackend()

        @Test func sizesThatAreNotMultiplesOf8AreRefused() throws {
            let vae = try VAEFixture("a").model()
            let error = #expect(throws: WanVAEError.self) {
                try vae.encode(Tensor(zeros: [1, 3, 5, 30, 40]), on: backend)
            }
            #expect(error?.description
                    == "WanAutoencoder.encode: the video tensor [1, 3, 5, 30, 40] has height 30, not a positive multiple of 8")
        }

        @Test func wrongChannelsAreRefused() throws {
            let vae = try VAEFixture("a").model()
            let encode = #expect(throws: WanVAEError.self) { try vae.encode(Tensor(zeros: [1, 4, 1, 8, 8]), on: backend) }
            #expect(encode?.description
                    == "WanAutoencoder.encode: the video tensor has shape [1, 4, 1, 8, 8], expected [B, 3, T, H, W]")
            let decode = #expect(throws: WanVAEError.self) { try vae.decode(Tensor(zeros: [1, 16, 1, 3, 5]), on: backend) }
            #expect(decode?.description
                    == "WanAutoencoder.decode: the latents tensor has shape [1, 16, 1, 3, 5], expected [B, 4, T, H, W]")
            let frames = #expect(throws: WanVAEError.self) { try vae.decode(Tensor(zeros: [1, 4, 0, 3, 5]), on: backend) }
            #expect(frames?.description == "WanAutoencoder.decode: the latents tensor [1, 4, 0, 3, 5] is empty")
        }

        // Batches run as in diffusers: each video is encoded as if alone.
        @Test func batchOfTwo() throws {
            let fixture = try VAEFixture("a")
            let vae = try fixture.model()
            let one = try fixture.video(frames: 5, on: backend)
            let flipped = try backend.affine(one, scale: -1, offset: 0)
            let both = try vae.encode(try backend.concat([one, flipped], axis: 0), on: backend).mean  // [2, 4, 2, 3, 5]
            let first = try backend.slice(both, axis: 0, start: 0, end: 1), second = try backend.slice(both, axis: 0, start: 1, end: 2)
            #expect(first.floats() == (try vae.encode(one, on: backend)).mean.floats())
            #expect(second.floats() == (try vae.encode(flipped, on: backend)).mean.floats())
        }
    }
}
