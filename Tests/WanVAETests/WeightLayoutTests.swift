import CPUBackend
import NN
import Tensor
import TestSupport
import Testing
import WanVAE

extension WanVAETests {
    /// Both checkpoint layouts, detected from the names, and strict loading: missing, misshapen and
    /// unexpected tensors are errors that name them.
    @Suite struct WeightLayoutTests {
        let backend = CPUBackend()

        // a/original.safetensors: the same tensors as a/diffusion_pytorch_model.safetensors under the
        // original Wan names, written by the fixture script (whose table diffusers' converter checks).
        @Test func originalNamesGiveIdenticalResults() throws {
            let fixture = try VAEFixture("a")
            let original = try SafeTensorsFile(path: "\(fixture.folder)/original.safetensors")
            // One residual block per level: the decoder's flat list has 3 entries per level, not 4.
            #expect(original.entries.contains { $0.name == "decoder.upsamples.3.shortcut.weight" })
            let vae = try WanAutoencoder(config: try fixture.config, weights: original)
            let reference = try fixture.model()
            #expect(vae.layout == .original && reference.layout == .diffusers)
            let video = try fixture.video(frames: 9, on: backend), latents = try fixture.latents(frames: 3, on: backend)
            expectMatch(try vae.encode(video, on: backend).mean, try reference.encode(video, on: backend).mean, .exact,
                        "a original-layout encode")
            expectMatch(try vae.decode(latents, on: backend), try reference.decode(latents, on: backend), .exact,
                        "a original-layout decode")
        }

        // The real model's names (num_res_blocks 2), from docs/wan-reference.md §8.2.
        @Test(arguments: [
            ("quant_conv.weight", "conv1.weight"),
            ("post_quant_conv.bias", "conv2.bias"),
            ("encoder.conv_in.weight", "encoder.conv1.weight"),
            ("encoder.down_blocks.3.conv_shortcut.weight", "encoder.downsamples.3.shortcut.weight"),
            ("encoder.down_blocks.5.time_conv.bias", "encoder.downsamples.5.time_conv.bias"),
            ("encoder.down_blocks.0.norm1.gamma", "encoder.downsamples.0.residual.0.gamma"),
            ("encoder.down_blocks.0.conv2.weight", "encoder.downsamples.0.residual.6.weight"),
            ("encoder.mid_block.attentions.0.to_qkv.weight", "encoder.middle.1.to_qkv.weight"),
            ("decoder.mid_block.resnets.1.norm2.gamma", "decoder.middle.2.residual.3.gamma"),
            ("decoder.norm_out.gamma", "decoder.head.0.gamma"),
            ("decoder.conv_out.bias", "decoder.head.2.bias"),
            ("decoder.up_blocks.0.resnets.2.conv1.weight", "decoder.upsamples.2.residual.2.weight"),
            ("decoder.up_blocks.0.upsamplers.0.time_conv.weight", "decoder.upsamples.3.time_conv.weight"),
            ("decoder.up_blocks.1.resnets.0.conv_shortcut.bias", "decoder.upsamples.4.shortcut.bias"),
            ("decoder.up_blocks.2.upsamplers.0.resample.1.weight", "decoder.upsamples.11.resample.1.weight"),
            ("decoder.up_blocks.3.resnets.2.norm1.gamma", "decoder.upsamples.14.residual.0.gamma"),
        ])
        func originalNameTable(diffusers: String, original: String) {
            #expect(WanAutoencoder.originalName(diffusers, numResBlocks: 2) == original)
        }

        // Bundled checkpoints put a prefix in front of every name; it is found and stripped.
        @Test func prefixedNamesAreFound() throws {
            let fixture = try VAEFixture("a")
            let prefixed = EditedWeights(base: fixture.weights, prefix: "first_stage_model.")
            #expect(WanAutoencoder.detectLayout(of: prefixed)?.prefix == "first_stage_model.")
            let vae = try WanAutoencoder(config: try fixture.config, weights: prefixed)
            let latents = try fixture.latents(frames: 2, on: backend)
            expectMatch(try vae.decode(latents, on: backend), try fixture.io("decode.t2.video"), .float32, "a prefixed decode")
        }

        @Test func missingTensorIsNamed() throws {
            let fixture = try VAEFixture("a")
            let key = "decoder.up_blocks.1.resnets.0.conv2.weight"
            let error = #expect(throws: WeightLoadError.self) {
                try WanAutoencoder(config: try fixture.config, weights: EditedWeights(base: fixture.weights, dropped: [key]))
            }
            #expect(error?.description == "edited.safetensors: no tensor \"\(key)\"; under \"decoder.up_blocks.1.resnets.0.conv2.\" "
                    + "there are 1: \"decoder.up_blocks.1.resnets.0.conv2.bias\"")
            // In the original layout the error gives both names.
            let original = try SafeTensorsFile(path: "\(fixture.folder)/original.safetensors")
            let originalError = #expect(throws: WeightLoadError.self) {
                try WanAutoencoder(config: try fixture.config,
                                   weights: EditedWeights(base: original, dropped: ["decoder.upsamples.3.residual.6.weight"]))
            }
            #expect(originalError?.reason == .missing(key: key, fileKey: "decoder.upsamples.3.residual.6.weight",
                                                      nearby: ["decoder.upsamples.3.residual.6.bias"]))
        }

        @Test func misshapenTensorIsNamed() throws {
            let fixture = try VAEFixture("a")
            let key = "encoder.mid_block.attentions.0.to_qkv.weight"
            let weights = EditedWeights(base: fixture.weights, replaced: [key: Tensor(zeros: [24, 8, 1, 1, 1])])
            let error = #expect(throws: WeightLoadError.self) { try WanAutoencoder(config: try fixture.config, weights: weights) }
            #expect(error?.description == "edited.safetensors: tensor \"\(key)\" has shape [24, 8, 1, 1, 1], expected [24, 8, 1, 1]")
            // Weights of another config fail on the first layer that differs.
            var wider = try fixture.config
            wider.baseDim = 5
            let other = #expect(throws: WeightLoadError.self) { try WanAutoencoder(config: wider, weights: fixture.weights) }
            #expect(other?.reason == .shapeMismatch(key: "encoder.conv_in.weight", fileKey: "encoder.conv_in.weight",
                                                    expected: [5, 3, 3, 3, 3], found: [4, 3, 3, 3, 3]))
        }

        @Test func unexpectedTensorIsNamed() throws {
            let fixture = try VAEFixture("a")
            let weights = EditedWeights(base: fixture.weights, replaced: ["decoder.up_blocks.9.resnets.0.conv1.weight": Tensor(zeros: [1])])
            let error = #expect(throws: WeightLoadError.self) { try WanAutoencoder(config: try fixture.config, weights: weights) }
            #expect(error?.reason == .unused(["decoder.up_blocks.9.resnets.0.conv1.weight"]))
        }

        @Test func notVAEWeightsAreRefused() throws {
            let fixture = try VAEFixture("a")
            let error = #expect(throws: WanVAEError.self) { try WanAutoencoder(config: try fixture.config, weights: fixture.io) }
            #expect(error?.description.hasSuffix("no tensor named encoder.conv_in.weight (diffusers) or encoder.conv1.weight "
                                                 + "(original Wan), so these are not Wan VAE weights") == true)
        }

        // A decoder-only model loads from full weights without complaint and refuses to encode.
        @Test func decoderOnly() throws {
            let fixture = try VAEFixture("b")
            let vae = try fixture.model(parts: .decoder)
            let video = try fixture.video(frames: 1, on: backend)
            let error = #expect(throws: WanVAEError.self) { try vae.encode(video, on: backend) }
            #expect(error == .partNotLoaded("encoder"))
            let encoderOnly = try fixture.model(parts: .encoder)
            expectMatch(try encoderOnly.encode(video, on: backend).mean, try fixture.io("encode.f1.mean"), .float32, "b encoder only")
        }
    }
}
