import CPUBackend
import NN
import Tensor
import TestSupport
import Testing
import TinyDecoder

/// The published layout loads, and every file that is not a usable TAEHV decoder is refused with
/// one line naming the file and the problem.
@Suite struct LoadingTests {
    let backend = CPUBackend()

    /// One line: the error's description names the file and has no line break.
    private func oneLine(_ error: any Error, naming source: String, _ fragments: String...) {
        let text = String(describing: error)
        #expect(!text.contains("\n"), "\(text)")
        #expect(text.hasPrefix(source), "\(text)")
        for fragment in fragments { #expect(text.contains(fragment), "\(text) lacks \(fragment)") }
    }

    @Test func detectsTheFixturesConfig() throws {
        let config = try TAEHV.Config(detectingFrom: try TAEHVFixture().weights)
        #expect(config == TAEHV.Config(latentChannels: 16, widths: [12, 8, 6, 5], timeUpscale: [false, true, true]))
        #expect(config.temporalUpscale == 4 && config.framesToTrim == 3)
    }

    /// Every name and shape of the reference's full-size model (zeros for values) loads with the
    /// default config, the encoder's tensors left alone, and decodes a small latent to the VAE's frame count.
    @Test func loadsThePublishedLayout() throws {
        let weights = MemoryWeights(try TAEHVFixture.publishedShapes().map { (name: $0.name, tensor: Tensor(zeros: $0.shape)) },
                                    description: "taew2_1.safetensors")
        #expect(try TAEHV.Config(detectingFrom: weights) == TAEHV.Config())
        let model = try TAEHV(weights: weights)
        let video = try model.decode(Tensor(zeros: [1, 16, 2, 2, 3]), on: backend)
        #expect(video.shape == [1, 3, 5, 16, 24])
        // Zero weights: every pixel is the clamp of a zero output bias.
        #expect(video.floats().allSatisfy { $0 == 0 })
    }

    @Test func missingTensorIsNamed() throws {
        var weights = try MemoryWeights(copying: try TAEHVFixture().weights)
        weights.remove("decoder.10.conv.2.bias")
        let error = #expect(throws: WeightLoadError.self) { try TAEHV(weights: weights) }
        if let error { oneLine(error, naming: "edited.safetensors", "decoder.10.conv.2.bias") }
    }

    @Test func misshapenTensorIsNamed() throws {
        var weights = try MemoryWeights(copying: try TAEHVFixture().weights)
        weights.set("decoder.13.conv.weight", Tensor(zeros: [8, 8, 1, 1]))
        let error = #expect(throws: WeightLoadError.self) { try TAEHV(weights: weights) }
        if let error { oneLine(error, naming: "edited.safetensors", "decoder.13.conv.weight", "[16, 8, 1, 1]") }
    }

    @Test func strayTensorIsNamed() throws {
        var weights = try MemoryWeights(copying: try TAEHVFixture().weights)
        weights.set("decoder.3.skip.weight", Tensor(zeros: [12, 12, 1, 1]))
        let error = #expect(throws: WeightLoadError.self) { try TAEHV(weights: weights) }
        if let error { oneLine(error, naming: "edited.safetensors", "decoder.3.skip.weight") }
    }

    /// A Wan VAE given as the tiny decoder says so.
    @Test func wanVAEIsRefused() throws {
        let path = fixturePath("wan_vae/a/diffusion_pytorch_model.safetensors")
        let vae = try SafeTensorsFile(path: path)
        let error = #expect(throws: TinyDecoderError.self) { try TAEHV(weights: vae) }
        if let error { oneLine(error, naming: vae.description, "Wan VAE", "decoder.conv_in.weight") }
        let original = try SafeTensorsFile(path: fixturePath("wan_vae/a/original.safetensors"))
        let second = #expect(throws: TinyDecoderError.self) { try TAEHV(weights: original) }
        if let second { oneLine(second, naming: original.description, "Wan VAE") }
    }

    /// Some other model's weights.
    @Test func unrelatedWeightsAreRefused() throws {
        let weights = MemoryWeights([("blocks.0.attn1.to_q.weight", Tensor(zeros: [4, 4]))], description: "dit.safetensors")
        let error = #expect(throws: TinyDecoderError.self) { try TAEHV(weights: weights) }
        if let error { oneLine(error, naming: "dit.safetensors", "not a TAEHV decoder") }
    }

    /// Wan 2.2's decoder (48 channels, 2×2 pixel shuffle: 12 output channels) is not the Wan 2.1 one.
    @Test func pixelShuffledDecoderIsRefused() throws {
        var weights = try MemoryWeights(copying: try TAEHVFixture().weights)
        weights.set("decoder.22.weight", Tensor(zeros: [12, 5, 3, 3]))
        let error = #expect(throws: TinyDecoderError.self) { try TAEHV(weights: weights) }
        if let error { oneLine(error, naming: "edited.safetensors", "taew2_2") }
    }

    @Test func latentsOfAnotherWidthAreRefused() throws {
        let model = try TAEHVFixture().model()
        let error = #expect(throws: TinyDecoderError.self) { try model.decode(Tensor(zeros: [1, 48, 2, 3, 4]), on: backend) }
        if let error { #expect(String(describing: error).contains("[1, 48, 2, 3, 4]")) }
    }
}
