import CPUBackend
import NN
import Tensor
import TestSupport
import Testing
import WanDiT

extension WanTransformerTests {
    /// The VACE transformer against diffusers' `WanVACETransformer3DModel`
    /// (tools/fixtures/make_wan_vace_dit_fixtures.py, `tiny_vace`: heads 2 × 12, text 32, ffn 32,
    /// 3 layers, vace_layers [0, 2], vace_in_channels 96):
    ///
    ///     out = model(latents, t, context, control_hidden_states=control,
    ///                 control_hidden_states_scale=scales).sample      # fp32, CPU
    ///
    /// b1: B 1, 3×4×6 latents (18 tokens), a control as long, scales [1.0, 0.5];
    /// b2short: B 2, 2×4×6 latents (12 tokens), a 1-frame control (6 tokens, zero-padded), one scale 0.8.
    @Suite struct VACETests {
        typealias Config = WanTransformer.Config
        static let cases = ["b1", "b2short"]
        static let inputNames: Set<String> = [
            "hidden_states", "timestep", "encoder_hidden_states", "control_hidden_states",
            "control_hidden_states_scale", "output_bf16",
        ]
        let backend = CPUBackend()

        /// The case's control as the pipeline gives it: per layer for b1, one number for b2short.
        func control(_ fixture: WanDiTFixture, _ caseName: String) throws -> VACEControl {
            let context = try fixture.tensor(caseName, "control_hidden_states")
            let scales = try fixture.tensor(caseName, "control_hidden_states_scale").floats()
            if Set(scales).count == 1 { return VACEControl(context: context, scale: scales[0]) }
            return try VACEControl(context: context, scales: scales)
        }

        @Test(arguments: cases)
        func float32MatchesDiffusersAtEveryTap(_ caseName: String) throws {
            let fixture = try WanDiTFixture("tiny_vace")
            let model = try WanTransformer(component: try fixture.component())
            #expect(model.config.isVACE)
            let taps = Taps()
            let output = try fixture.run(model, caseName, taps: taps, control: try control(fixture, caseName))
            expectMatch(output, try fixture.tensor(caseName, "output"), .float32, "tiny_vace/\(caseName) output")
            let stored = fixture.reference.names.filter { $0.hasPrefix(caseName + ".") }
            let expectedTaps = Set(stored.map { String($0.dropFirst(caseName.count + 1)) }).subtracting(Self.inputNames)
            #expect(expectedTaps.contains("vace_blocks.1") && expectedTaps.contains("vace_patch_embedding"))
            #expect(Set(taps.names) == expectedTaps, "tapped \(taps.names.sorted()), stored \(expectedTaps.sorted())")
            for name in taps.names where expectedTaps.contains(name) {
                guard let actual = taps[name] else { continue }
                expectMatch(actual, try fixture.tensor(caseName, name), .float32, "tiny_vace/\(caseName) \(name)")
            }
        }

        // diffusers' bf16 load (fp32-kept modules stay fp32), inputs and scales in bf16: the thresholds
        // of the other transformer's bf16 test.
        @Test(arguments: cases)
        func bfloat16PolicyMatchesReferences(_ caseName: String) throws {
            let fixture = try WanDiTFixture("tiny_vace")
            let model = try WanTransformer(component: try fixture.component(), dtype: .bfloat16)
            let output = try fixture.run(model, caseName, control: try control(fixture, caseName))
            #expect(output.dtype == .bfloat16)
            let label = "tiny_vace/\(caseName) bf16"
            expectMatch(try backend.cast(output, to: .float32), try fixture.tensor(caseName, "output"), .bfloat16Model,
                        "\(label) vs fp32 reference")
            expectMatch(output, try fixture.tensor(caseName, "output_bf16"), .bfloat16, "\(label) vs bf16 reference")
        }

        // The original names (`before_proj`, `after_proj`, the blocks' original names): the same model.
        @Test func originalLayoutGivesTheSameOutput() throws {
            let fixture = try WanDiTFixture("tiny_vace")
            let original = try WanTransformer(config: try fixture.config(), weights: try fixture.originalWeights())
            #expect(original.layout == .original(prefix: ""))
            let diffusers = try WanTransformer(component: try fixture.component())
            for name in Self.cases {
                let output = try fixture.run(original, name)
                expectMatch(output, try fixture.run(diffusers, name), .exact, "tiny_vace/\(name) original vs diffusers names")
                expectMatch(output, try fixture.tensor(name, "output"), .float32, "tiny_vace/\(name) original names")
            }
        }

        // One number or the same number per layer; cached keys/values or not: bit for bit the same.
        @Test func scaleFormsAndCachedContextAgree() throws {
            let fixture = try WanDiTFixture("tiny_vace")
            let model = try WanTransformer(component: try fixture.component())
            let context = try fixture.tensor("b2short", "control_hidden_states")
            let one = try fixture.run(model, "b2short", control: VACEControl(context: context, scale: 0.8))
            let list = try fixture.run(model, "b2short", control: try VACEControl(context: context, scales: [0.8, 0.8]))
            expectMatch(one, list, .exact, "one scale vs a list")
            let cached = try fixture.run(model, "b1", encoded: true)
            expectMatch(cached, try fixture.run(model, "b1"), .exact, "cached VACE keys/values")
        }

        // Threshold 0 never skips (bit for bit a plain call); a skipped call reuses the residual of the
        // whole stack, hints included.
        @Test func stepCacheCoversTheHints() throws {
            let fixture = try WanDiTFixture("tiny_vace")
            let model = try WanTransformer(component: try fixture.component())
            let latents = try fixture.tensor("b1", "hidden_states"), timestep = try fixture.tensor("b1", "timestep")
            let context = try model.encodeContext(try fixture.tensor("b1", "encoder_hidden_states"), on: backend)
            let control = try #require(try fixture.storedControl("b1"))
            let plain = try model(latents: latents, timestep: timestep, context: context, control: control, on: backend)
            let never = StepCache(threshold: 0)
            for _ in 0..<2 {
                never.mustCompute = false
                let output = try model(latents: latents, timestep: timestep, context: context, control: control,
                                       cache: never, on: backend)
                expectMatch(output, plain, .exact, "threshold 0")
            }
            #expect(never.computed == 2 && never.skipped == 0)
            let cache = StepCache(threshold: 0.5)
            _ = try model(latents: latents, timestep: timestep, context: context, control: control, cache: cache, on: backend)
            cache.mustCompute = false
            let skipped = try model(latents: latents, timestep: timestep, context: context, control: control,
                                    cache: cache, on: backend)
            #expect(cache.computed == 1 && cache.skipped == 1)
            expectMatch(skipped, try fixture.tensor("b1", "output"), .float32, "skipped call with the VACE residual")
        }

        @Test func configJSONAndDetection() throws {
            let fixture = try WanDiTFixture("tiny_vace")
            let config = try fixture.config()
            #expect(config == Config(numAttentionHeads: 2, attentionHeadDim: 12, inChannels: 4, outChannels: 4, textDim: 32,
                                     ffnDim: 32, numLayers: 3, ropeMaxSeqLen: 32, vaceLayers: [0, 2], vaceInChannels: 96))
            // 2 VACE blocks do not divide 3 layers: detection asks for the config.
            let error = #expect(throws: WanTransformerError.self) {
                try Config(detectingFrom: try fixture.weights(), attentionHeadDim: 12)
            }
            #expect(error?.description.contains("has 2 VACE blocks for 3 layers") == true, "\(String(describing: error))")
            #expect(error?.description.contains("config.json") == true)
            // A `WanVACETransformer3DModel` config without the VACE fields takes that class's defaults.
            let defaults = try Config(parsing: #"{"_class_name": "WanVACETransformer3DModel"}"#)
            #expect(defaults == .wan21VACE14B && defaults.variantName == "Wan2.1-VACE-14B")
            #expect(Config.wan21VACE1_3B.vaceLayers == Array(stride(from: 0, to: 29, by: 2)) && Config.wan21VACE1_3B.isVACE)
            #expect(!Config.wan21T2V1_3B.isVACE)
        }

        // The published 1.3B model's tensor list without its last VACE block: 14 blocks do not divide 30.
        @Test func detectionNeedsADividingBlockCount() throws {
            var shapes = ShapeOnlyWeights.diffusers(.wan21VACE1_3B)
            shapes.removeAll { $0.name.hasPrefix("vace_blocks.14.") }
            let error = #expect(throws: WanTransformerError.self) { try Config(detectingFrom: ShapeOnlyWeights(shapes)) }
            #expect(error?.description.contains("has 14 VACE blocks for 30 layers") == true, "\(String(describing: error))")
            shapes.removeAll { $0.name.hasPrefix("vace_patch_embedding.") }
            let orphan = #expect(throws: WanTransformerError.self) { try Config(detectingFrom: ShapeOnlyWeights(shapes)) }
            #expect(orphan?.description.contains("has VACE blocks but no \"vace_patch_embedding.weight\"") == true)
        }

        @Test func invalidVACEConfigsAreRefused() throws {
            let cases = [
                (#"{"vace_layers": [0, 5]}"#, "vace_layers is set without vace_in_channels"),
                (#"{"vace_in_channels": 96}"#, "vace_in_channels is set without vace_layers"),
                (#"{"vace_layers": [0, 10, 5], "vace_in_channels": 96}"#, "must be ascending without repeats"),
                (#"{"vace_layers": [0, 5, 5], "vace_in_channels": 96}"#, "must be ascending without repeats"),
                (#"{"vace_layers": [0, 40], "vace_in_channels": 96}"#, "names layer 40, but num_layers is 40"),
                (#"{"vace_layers": [1, 5], "vace_in_channels": 96}"#, "must start at layer 0"),
                (#"{"vace_layers": [], "vace_in_channels": 96}"#, "vace_layers is empty"),
                (#"{"vace_layers": [0], "vace_in_channels": 0}"#, "vace_in_channels is 0, but must be positive"),
                (#"{"vace_layers": [0], "vace_in_channels": 100000}"#, "vace_in_channels is 100000, above the largest"),
                (#"{"vace_layers": [0, "5"], "vace_in_channels": 96}"#, #""vace_layers[1]" must be a whole number, not "5""#),
            ]
            for (text, fragment) in cases {
                let error = #expect(throws: WanTransformerError.self) { try Config(parsing: text) }
                #expect(error?.description.contains(fragment) == true, "\(text): \(error?.description ?? "no error")")
            }
        }

        @Test func missingVACETensorIsNamed() throws {
            let fixture = try WanDiTFixture("tiny_vace")
            for name in ["vace_blocks.1.proj_out.weight", "vace_patch_embedding.bias", "vace_blocks.0.proj_in.bias"] {
                var weights = EditedWeights(base: try fixture.weights())
                weights.removed = [name]
                let error = #expect(throws: WeightLoadError.self) {
                    try WanTransformer(config: try fixture.config(), weights: weights)
                }
                #expect(error?.description.contains("no tensor \"\(name)\"") == true, "\(String(describing: error))")
            }
            var original = EditedWeights(base: try fixture.originalWeights())
            original.removed = ["vace_blocks.1.after_proj.weight"]
            let error = #expect(throws: WeightLoadError.self) {
                try WanTransformer(config: try fixture.config(), weights: original)
            }
            #expect(error?.description.contains(
                "no tensor \"vace_blocks.1.proj_out.weight\" (looked up as \"vace_blocks.1.after_proj.weight\")") == true,
                "\(String(describing: error))")
            // VACE weights for a config without VACE: listed as unused.
            var plain = try fixture.config()
            plain.vaceLayers = nil
            plain.vaceInChannels = nil
            let unused = #expect(throws: WeightLoadError.self) { try WanTransformer(config: plain, weights: try fixture.weights()) }
            if case .unused(let names)? = unused?.reason {
                #expect(names.contains("vace_patch_embedding.weight") && names.contains("vace_blocks.1.proj_out.bias"))
            } else {
                Issue.record("expected unused VACE tensors, got \(String(describing: unused))")
            }
            // A config asking for more VACE blocks than the weights hold.
            var more = try fixture.config()
            more.vaceLayers = [0, 1, 2]
            let count = #expect(throws: WanTransformerError.self) { try WanTransformer(config: more, weights: try fixture.weights()) }
            #expect(count?.description.contains("vace_layers has 3 entries, but") == true, "\(String(describing: count))")
        }

        @Test func controlErrorsAreOneLine() throws {
            let fixture = try WanDiTFixture("tiny_vace")
            let model = try WanTransformer(component: try fixture.component())
            let latents = try fixture.tensor("b1", "hidden_states"), timestep = try fixture.tensor("b1", "timestep")
            let text = try fixture.tensor("b1", "encoder_hidden_states")
            func message(_ control: VACEControl?, _ model: WanTransformer, latents: Tensor) -> String {
                do {
                    _ = try model(latents: latents, timestep: timestep, context: text, control: control, on: backend)
                    return "no error"
                } catch { return "\(error)" }
            }
            let none = message(nil, model, latents: latents)
            #expect(none == "Wan transformer input: this VACE model needs a VACE control (the control context and its scales)")
            let channels = message(VACEControl(context: Tensor(zeros: [1, 16, 3, 4, 6])), model, latents: latents)
            #expect(channels.contains("the VACE control context [1, 16, 3, 4, 6] must be [1, 96, T, 4, 6]"), "\(channels)")
            let long = message(VACEControl(context: Tensor(zeros: [1, 96, 4, 4, 6])), model, latents: latents)
            #expect(long.contains("has 4 frames; it needs a positive multiple of 1 up to the latents' 3"), "\(long)")
            let count = message(try VACEControl(context: Tensor(zeros: [1, 96, 3, 4, 6]), scales: [1, 1, 1]), model,
                                latents: latents)
            #expect(count.contains("the VACE control has 3 scales, but this model has 2 VACE layers"), "\(count)")
            let nan = message(VACEControl(context: Tensor(zeros: [1, 96, 3, 4, 6]), scale: .nan), model, latents: latents)
            #expect(nan.contains("is not a finite number"), "\(nan)")
            #expect(throws: WanTransformerError.self) { try VACEControl(context: Tensor(zeros: [1]), scales: []) }
            // A text-to-video model refuses a control.
            let t2v = try WanTransformer(component: try WanDiTFixture("tiny_a").component())
            let refused = message(VACEControl(context: Tensor(zeros: [1, 96, 3, 4, 6])), t2v,
                                  latents: Tensor(zeros: [1, 4, 3, 4, 6]))
            #expect(refused == "Wan transformer input: this model is not a VACE model and takes no VACE control")
            for text in [none, channels, long, count, refused] { #expect(!text.contains("\n")) }
        }

        // LoRA files name VACE weights in any of the spellings of the other weights.
        @Test func loraNamesReachTheVACEBlocks() throws {
            let fixture = try WanDiTFixture("tiny_vace")
            for weights in [try fixture.weights(), try fixture.originalWeights() as any WeightSource] {
                let table = try WanTransformer.loraNames(for: weights)
                let target = weights.names.contains("vace_blocks.0.before_proj.weight")
                    ? "vace_blocks.0.before_proj.weight" : "vace_blocks.0.proj_in.weight"
                for spelling in ["vace_blocks.0.proj_in.weight", "vace_blocks.0.before_proj.weight",
                                 "vace_blocks_0_before_proj.weight"] {
                    #expect(table.weights[spelling] == target, "\(spelling)")
                }
                #expect(table.weights["vace_blocks.1.self_attn.q.weight"] != nil)
            }
        }

        // A GGUF file under the original names (as the published VACE GGUF files are) loads through the
        // same path: the same numbers as the safetensors weights rounded to f16 where the file is f16.
        @Test func ggufFileWithOriginalNamesLoads() throws {
            let fixture = try WanDiTFixture("tiny_vace")
            let file = try openWeights(path: "\(fixture.folder)/original-F16.gguf")
            let model = try WanTransformer(config: try fixture.config(), weights: file)
            #expect(model.layout == .original(prefix: ""))
            let original = try fixture.originalWeights()
            var rounded = EditedWeights(base: original)
            for name in original.names where original.entry(named: name)?.shape.count == 2 && !name.hasSuffix("modulation") {
                rounded.replaced[name] = try backend.cast(try backend.cast(try original.tensor(named: name), to: .float16),
                                                          to: .float32)
            }
            #expect(rounded.replaced["vace_blocks.0.before_proj.weight"] != nil && rounded.replaced.count > 40)
            let reference = try WanTransformer(config: try fixture.config(), weights: rounded)
            for name in Self.cases {
                expectMatch(try fixture.run(model, name), try fixture.run(reference, name), .exact, "tiny_vace/\(name) GGUF F16")
            }
        }

        @Test func everyFixtureCaseIsTested() throws {
            #expect(Set(try WanDiTFixture("tiny_vace").caseNames) == Set(Self.cases))
        }
    }
}
