import CLIPVision
import CPUBackend
import NN
import Tensor
import TestSupport
import Testing

/// The encoder against transformers' `CLIPVisionModelWithProjection` (tools/fixtures/make_clip_vision_fixtures.py):
/// case a (D 8 = 2 heads × 4, MLP 16, 3 layers, 32-pixel images in 8-pixel patches, exact GELU,
/// eps 1e-5) and case b (D 12 = 3 heads × 4, MLP 20, 2 layers, 28 / 7, quick GELU, eps 1e-6), a
/// batch of two random inputs each. The reference ran in float32 on the CPU.
@Suite struct CLIPVisionParityTests {
    let backend = CPUBackend()

    /// Every hidden state the encoder computes against the reference's, and the result against
    /// `hidden_states[-2]`, within `tolerance`.
    func check(_ encoder: CLIPVisionEncoder, _ fixture: CLIPCase, _ label: String) throws {
        let taps = Taps()
        let out = try encoder.penultimateHiddenStates(try fixture.reference("pixel_values"), taps: taps, on: backend)  // [B, T, D]
        #expect(out.shape == [2, fixture.config.tokens, fixture.config.hiddenSize])
        expectMatch(out, try fixture.reference("penultimate"), .float32, "\(label) penultimate")
        let names = ["embeddings"] + (0..<fixture.config.numHiddenLayers).map { "hidden_states.\($0)" }
        for name in names {
            guard let recorded = taps[name] else {
                Issue.record("\(label): the encoder recorded no tap \"\(name)\"")
                continue
            }
            expectMatch(recorded, try fixture.reference(name), .float32, "\(label) \(name)")
        }
        // The last layer is not run: no tap past hidden_states[-2].
        #expect(taps["hidden_states.\(fixture.config.numHiddenLayers)"] == nil)
    }

    // The diffusers image_encoder folder (transformers names, config.json): fp32 within Tolerance.float32.
    @Test(arguments: ["a", "b"])
    func transformersLayoutMatchesReference(caseName: String) throws {
        let fixture = try CLIPCase(caseName)
        let encoder = try CLIPVisionEncoder(component: fixture.component)
        #expect(encoder.layout == .transformers && encoder.dtype == .float32)
        try check(encoder, fixture, "clip \(caseName)")
    }

    // The original Wan names (stacked q/k/v, [1, 1, D] class and [1, T, D] position embeddings,
    // text tower and log_scale beside them), as safetensors and as a torch.save .pth: the same
    // numbers as the transformers layout, bit for bit.
    @Test(arguments: ["a", "b"])
    func originalLayoutGivesTheSameOutput(caseName: String) throws {
        let fixture = try CLIPCase(caseName)
        let pixels = try fixture.reference("pixel_values")
        let reference = try CLIPVisionEncoder(component: fixture.component).penultimateHiddenStates(pixels, on: backend)
        for file in ["original.safetensors", "original.pth"] {
            let weights = try fixture.original(file)
            #expect(try CLIPVisionEncoder.WeightLayout(detecting: weights) == .wan)
            let encoder = try CLIPVisionEncoder(config: fixture.config, weights: weights)
            #expect(encoder.layout == .wan)
            try check(encoder, fixture, "clip \(caseName) \(file)")
            expectMatch(try encoder.penultimateHiddenStates(pixels, on: backend), reference, .exact,
                        "clip \(caseName) \(file) vs transformers layout")
        }
    }

    // bf16 weights and activations (layer norms in f32) against the fp32 reference: direction only,
    // Tolerance.bfloat16Model, for the result and every hidden state; both layouts.
    @Test(arguments: ["a", "b"])
    func bfloat16FollowsFloat32Reference(caseName: String) throws {
        let fixture = try CLIPCase(caseName)
        for encoder in [try CLIPVisionEncoder(component: fixture.component, dtype: .bfloat16),
                        try CLIPVisionEncoder(config: fixture.config, weights: try fixture.original("original.pth"),
                                              dtype: .bfloat16)] {
            let taps = Taps()
            let out = try encoder.penultimateHiddenStates(try fixture.reference("pixel_values"), taps: taps, on: backend)
            #expect(out.dtype == .bfloat16)
            let label = "clip \(caseName) bf16 \(encoder.layout)"
            expectMatch(try backend.cast(out, to: .float32), try fixture.reference("penultimate"), .bfloat16Model, label)
            for k in 0..<fixture.config.numHiddenLayers {
                guard let state = taps["hidden_states.\(k)"] else {
                    Issue.record("\(label): no tap hidden_states.\(k)")
                    continue
                }
                expectMatch(try backend.cast(state, to: .float32), try fixture.reference("hidden_states.\(k)"),
                            .bfloat16Model, "\(label) hidden_states.\(k)")
            }
        }
    }

    // Weights alone: the configuration read off the shapes (heads given, since the tiny widths are
    // not in the table of known ones) equals the config.json's but for what shapes cannot show,
    // and the detected encoder of case a (exact GELU, eps 1e-5, as detection assumes) matches.
    @Test(arguments: ["a", "b"])
    func configDetectedFromShapes(caseName: String) throws {
        let fixture = try CLIPCase(caseName)
        for weights in [fixture.weights, try fixture.original("original.pth")] {
            var detected = try CLIPVisionEncoder.Config(detectingFrom: weights, numAttentionHeads: fixture.config.numAttentionHeads)
            #expect(detected.hiddenAct == .gelu && detected.layerNormEps == 1e-5)
            detected.hiddenAct = fixture.config.hiddenAct
            detected.layerNormEps = fixture.config.layerNormEps
            #expect(detected == fixture.config)
        }
        // Without the head count, a width outside the known table is refused in one line.
        #expect {
            try CLIPVisionEncoder(weights: fixture.weights)
        } throws: { error in
            "\(error)".contains("head count") && "\(error)".contains("width \(fixture.config.hiddenSize)")
        }
    }

    // ViT-H/14 detected from shapes alone (no data is read: the entries only carry shapes).
    @Test func vitHugeDetectedFromOriginalNames() throws {
        var shapes: [String: [Int]] = [
            "visual.patch_embedding.weight": [1280, 3, 14, 14], "visual.cls_embedding": [1, 1, 1280],
            "visual.pos_embedding": [1, 257, 1280], "visual.head": [1280, 1024], "log_scale": [],
        ]
        for i in 0..<32 { shapes["visual.transformer.\(i).mlp.0.weight"] = [5120, 1280] }
        let config = try CLIPVisionEncoder.Config(detectingFrom: ShapeOnlyWeights(shapes: shapes))
        #expect(config == .vitHuge14)
        #expect(config.tokens == 257)
    }
}

/// Weights that only have shapes, for configuration detection.
struct ShapeOnlyWeights: WeightSource {
    let shapes: [String: [Int]]
    var names: [String] { shapes.keys.sorted() }
    var description: String { "shape-only weights" }
    func entry(named name: String) -> SafeTensorsEntry? {
        shapes[name].map { SafeTensorsEntry(name: name, dtype: .float32, shape: $0, byteRange: 0..<0) }
    }
    func tensor(named name: String) throws -> Tensor { throw WeightFileError(path: description, tensor: name, .tensorNotFound) }
    func tensor(named name: String, as dtype: DType) throws -> Tensor { try tensor(named: name) }
}
