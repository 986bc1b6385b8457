import CPUBackend
import Tensor
import TestSupport
import Testing
import WanVAE

extension WanVAETests {
    /// bf16 weights against the fp32 reference. The outputs stay fp32; the convolutions compute in
    /// bf16 (f32 accumulation), so the decode is held to Tolerance.bfloat16Compute.
    @Suite struct PrecisionTests {
        let backend = CPUBackend()

        @Test(arguments: ["a", "b"])
        func bfloat16Weights(config: String) throws {
            let fixture = try VAEFixture(config)
            let vae = try fixture.model(weightType: .bfloat16)
            #expect(vae.weightType == .bfloat16)
            let posterior = try vae.encode(try fixture.video(frames: 9, on: backend), on: backend)
            #expect(posterior.mean.dtype == .float32)
            expectMatch(posterior.mean, try fixture.io("encode.f9.mean"), .bfloat16Model, "\(config) bf16 encode 9 frames mean")
            expectMatch(posterior.logvar, try fixture.io("encode.f9.logvar"), .bfloat16Model, "\(config) bf16 encode 9 frames logvar")
            let video = try vae.decode(try fixture.latents(frames: 3, on: backend), on: backend)
            #expect(video.dtype == .float32)
            expectMatch(video, try fixture.io("decode.t3.video"), .bfloat16Compute, "\(config) bf16 decode 3 latent frames")
        }
    }
}
