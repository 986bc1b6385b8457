import CPUBackend
import NN
import Tensor
import TestSupport
import Testing
import WanDiT

/// One case of a fixture model: the config folder and the case's prefix in reference.safetensors.
struct DiTCase: Sendable, CustomTestStringConvertible {
    let config: String
    let name: String
    var testDescription: String { "\(config)/\(name)" }
}

extension WanTransformerTests {
    /// The transformer against diffusers' `WanTransformer3DModel` (tools/fixtures/make_wan_dit_fixtures.py):
    ///
    ///     model = WanTransformer3DModel(**config)            # random, norms and pos_embed re-drawn
    ///     out = model(latents, timestep.float(), context, [image_context]).sample   # fp32, CPU
    ///
    /// with forward hooks saving every named intermediate. fp32 runs are held to Tolerance.float32 at
    /// every intermediate (measured ≤ 4.3e-6; outputs ≤ 1.2e-6); the bf16 policy (diffusers' bf16 load,
    /// fp32-kept modules) on the output.
    @Suite struct ParityTests {
        // tiny_a: heads 2 × 12, text 32, ffn 32, 2 layers, in/out 4.   b2: B 2, latent 3×6×10 (45 tokens),
        //   L 7, t [999, 37.5];  t1: B 1, latent 1×4×6 (6 tokens), L 512 (5 rows, zeros after), t [500.25].
        // tiny_b: heads 3 × 16, text 24, freq 32, ffn 40, 3 layers, in/out 16, no norm2, sharded weights.
        //   b1: B 1, 3×6×10, L 9, t [731.6];  b2t1: B 2, 1×6×4 (6 tokens), L 512 (6 and 11 rows), t [0, 250].
        // tiny_i2v: FLF2V-style, image_dim 20, added K/V, pos_embed 10, in 8 / out 4.
        //   b1: B 1, 2×4×6 (12 tokens), L 512 (8 rows), 10 image tokens, t [876.5].
        static let cases = [
            DiTCase(config: "tiny_a", name: "b2"), DiTCase(config: "tiny_a", name: "t1"),
            DiTCase(config: "tiny_b", name: "b1"), DiTCase(config: "tiny_b", name: "b2t1"),
            DiTCase(config: "tiny_i2v", name: "b1"),
        ]
        static let inputNames: Set<String> = [
            "hidden_states", "timestep", "encoder_hidden_states", "encoder_hidden_states_image", "output_bf16",
        ]

        @Test(arguments: cases)
        func float32MatchesDiffusersAtEveryTap(_ c: DiTCase) throws {
            let fixture = try WanDiTFixture(c.config)
            let model = try WanTransformer(component: try fixture.component())
            let taps = Taps()
            let output = try fixture.run(model, c.name, taps: taps)
            expectMatch(output, try fixture.tensor(c.name, "output"), .float32, "\(c.testDescription) output")
            let stored = fixture.reference.names.filter { $0.hasPrefix(c.name + ".") }
            let expectedTaps = Set(stored.map { String($0.dropFirst(c.name.count + 1)) }).subtracting(Self.inputNames)
            #expect(Set(taps.names) == expectedTaps, "tapped \(taps.names.sorted()), stored \(expectedTaps.sorted())")
            for name in taps.names where expectedTaps.contains(name) {
                guard let actual = taps[name] else { continue }
                expectMatch(actual, try fixture.tensor(c.name, name), .float32, "\(c.testDescription) \(name)")
            }
        }

        // The reference's bf16 run: diffusers' bf16 load (fp32-kept modules stay fp32), latents and
        // context in bf16. Against the fp32 reference only the direction is judged (bfloat16Model);
        // against PyTorch's own bf16 run, a same-dtype comparison (bfloat16). Measured: 5.5e-3 to
        // 7.9e-3 / cosine ≥ 0.99997 against fp32, 2.3e-3 to 4.3e-3 / cosine ≥ 0.999994 against bf16.
        @Test(arguments: cases)
        func bfloat16PolicyMatchesReferences(_ c: DiTCase) throws {
            let fixture = try WanDiTFixture(c.config)
            let model = try WanTransformer(component: try fixture.component(), dtype: .bfloat16)
            let output = try fixture.run(model, c.name)
            #expect(output.dtype == .bfloat16)
            let widened = try CPUBackend().cast(output, to: .float32)
            let label = "\(c.testDescription) bf16"
            expectMatch(widened, try fixture.tensor(c.name, "output"), .bfloat16Model, "\(label) vs fp32 reference")
            expectMatch(output, try fixture.tensor(c.name, "output_bf16"), .bfloat16, "\(label) vs bf16 reference")
        }

        // Loaded for the CPU backend, the bf16 linear weights are packed into oneDNN's GEMM layout:
        // the same kernels read them, so the output is the unpacked model's, bit for bit.
        @Test(arguments: cases)
        func packedWeightsGiveTheUnpackedOutput(_ c: DiTCase) throws {
            let fixture = try WanDiTFixture(c.config)
            let plain = try WanTransformer(component: try fixture.component(), dtype: .bfloat16)
            let packed = try WanTransformer(component: try fixture.component(), dtype: .bfloat16, uploadingTo: CPUBackend())
            #expect(try fixture.run(packed, c.name).floats() == fixture.run(plain, c.name).floats(), "\(c.testDescription)")
        }

        @Test(arguments: ["tiny_a", "tiny_i2v"])
        func originalLayoutGivesTheSameOutput(_ config: String) throws {
            let fixture = try WanDiTFixture(config)
            let original = try fixture.originalWeights()
            let model = try WanTransformer(config: try fixture.config(), weights: original)
            #expect(model.layout == .original(prefix: config == "tiny_i2v" ? "model.diffusion_model." : ""))
            let diffusers = try WanTransformer(component: try fixture.component())
            #expect(diffusers.layout == .diffusers(prefix: ""))
            for name in fixture.caseNames {
                let output = try fixture.run(model, name)
                let label = "\(config)/\(name) original names"
                expectMatch(output, try fixture.run(diffusers, name), .exact, "\(label) vs diffusers names")
                expectMatch(output, try fixture.tensor(name, "output"), .float32, label)
            }
        }

        // encodeContext once, then the forward with cached keys/values: the same numbers, bit for bit.
        @Test(arguments: [cases[0], cases[3], cases[4]])
        func cachedContextGivesTheSameOutput(_ c: DiTCase) throws {
            let fixture = try WanDiTFixture(c.config)
            let model = try WanTransformer(component: try fixture.component())
            let cached = try fixture.run(model, c.name, encoded: true)
            expectMatch(cached, try fixture.run(model, c.name), .exact, "\(c.testDescription) cached context")
        }

        @Test func encodedContextBelongsToItsModel() throws {
            let fixture = try WanDiTFixture("tiny_a")
            let (first, second) = (try WanTransformer(component: try fixture.component()),
                                   try WanTransformer(component: try fixture.component()))
            let backend = CPUBackend()
            let context = try first.encodeContext(try fixture.tensor("b2", "encoder_hidden_states"), on: backend)
            #expect(context.cachesKeyValues && context.batchSize == 2)
            #expect(throws: WanTransformerError.self) {
                try second(latents: try fixture.tensor("b2", "hidden_states"), timestep: try fixture.tensor("b2", "timestep"),
                           context: context, on: backend)
            }
        }

        @Test func everyFixtureCaseIsTested() throws {
            for config in ["tiny_a", "tiny_b", "tiny_i2v"] {
                let tested = Set(Self.cases.filter { $0.config == config }.map(\.name))
                #expect(Set(try WanDiTFixture(config).caseNames) == tested, "\(config)")
            }
        }
    }
}
