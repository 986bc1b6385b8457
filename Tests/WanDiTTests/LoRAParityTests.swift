import CPUBackend
import NN
import Tensor
import TestSupport
import Testing
import WanDiT

/// The LoRA fixtures of tools/fixtures/make_lora_fixtures.py: four random LoRA files for the tiny
/// `tiny_a` transformer, one per key convention, and the transformer's output with each merged.
struct LoRAFixture {
    static let folder = fixturePath("lora")
    /// The scales the reference applied each file with (the script's SCALES).
    static let scales: [String: Float] = ["peft": 0.7, "original": 1.3, "kohya": -0.6, "diff": 0.8, "peft_alpha": 1.1]
    let reference: SafeTensorsFile

    init() throws { reference = try SafeTensorsFile(path: "\(Self.folder)/reference.safetensors") }

    /// The LoRA file `name`.
    static func file(_ name: String) throws -> SafeTensorsFile { try SafeTensorsFile(path: "\(folder)/\(name).safetensors") }

    /// `base` with the files `names` merged in at their scales.
    static func merged(_ names: [String], into base: any WeightSource, backend: (any Backend)? = CPUBackend()) throws -> LoRAMergedWeights {
        let table = try WanTransformer.loraNames(for: base)
        let adapters = try names.map { name in
            let lora = try file(name)
            return try LoRAAdapter(path: "\(name).safetensors", weights: lora, scale: scales[name] ?? 1, base: base, names: table,
                                   metadata: lora.metadata)
        }
        return LoRAMergedWeights(base: base, adapters: adapters, backend: backend)
    }

    /// `model`'s output on the stored inputs.
    func run(_ model: WanTransformer) throws -> Tensor {
        try model(latents: try reference.tensor(named: "hidden_states"), timestep: try reference.tensor(named: "timestep"),
                  context: try reference.tensor(named: "encoder_hidden_states"), on: CPUBackend())
    }
}

extension WanTransformerTests {
    /// LoRA merging against diffusers (tools/fixtures/make_lora_fixtures.py):
    ///
    ///     pipe = WanPipeline(transformer=WanTransformer3DModel.from_pretrained(tiny_a), ...None)
    ///     pipe.load_lora_weights(file, adapter_name=name); pipe.set_adapters([name], adapter_weights=[scale])
    ///     out = pipe.transformer(latents, timestep, context).sample         # fp32, CPU
    ///
    /// (`peft_alpha.safetensors` carries the PEFT config diffusers saves in its metadata: lora_alpha
    /// and alpha_pattern), and, for the full deltas diffusers drops (`diff.safetensors`), the base weights plus
    /// scale × delta merged in the script and run through the same model. Held to Tolerance.float32
    /// (measured ≤ 2.2e-6: the merge happens once in float32, diffusers adds the LoRA branch per call).
    @Suite struct LoRAParityTests {
        static let cases: [[String]] = [["peft"], ["original"], ["kohya"], ["diff"], ["peft_alpha"], ["peft", "original", "kohya"]]

        static func referenceName(_ files: [String]) -> String { files.count > 1 ? "stack" : files[0] }

        @Test(arguments: cases)
        func mergedOutputMatchesDiffusers(_ files: [String]) throws {
            let fixture = try LoRAFixture()
            let base = try WanDiTFixture("tiny_a")
            let weights = try LoRAFixture.merged(files, into: try base.weights())
            let model = try WanTransformer(config: try base.config(), weights: weights)
            let name = Self.referenceName(files)
            expectMatch(try fixture.run(model), try fixture.reference.tensor(named: "\(name).output"), .float32, "LoRA \(name)")
        }

        // The base checkpoint in the original Wan layout takes the same files.
        @Test(arguments: cases)
        func originalLayoutBaseGivesTheSameOutput(_ files: [String]) throws {
            let fixture = try LoRAFixture()
            let base = try WanDiTFixture("tiny_a")
            let weights = try LoRAFixture.merged(files, into: try base.originalWeights())
            let model = try WanTransformer(config: try base.config(), weights: weights)
            #expect(model.layout == .original(prefix: ""))
            let name = Self.referenceName(files)
            expectMatch(try fixture.run(model), try fixture.reference.tensor(named: "\(name).output"), .float32,
                        "LoRA \(name) on original names")
        }

        // The plain host loops (no backend) give the backend's numbers.
        @Test func referencePathMatchesBackend() throws {
            let base = try WanDiTFixture("tiny_a").weights()
            let files = ["peft", "original", "kohya", "diff"]
            let fast = try LoRAFixture.merged(files, into: base)
            let plain = try LoRAFixture.merged(files, into: base, backend: nil)
            let changed = Set(fast.adapters.flatMap(\.changedWeights))
            #expect(changed.count > 40)
            for name in changed.sorted() {
                expectMatch(try plain.tensor(named: name, as: .float32), try fast.tensor(named: name, as: .float32),
                            .float32Elementwise, name)
            }
        }

        // A changed weight is merged in float32 and then rounded once to the dtype asked for; an
        // unchanged one is the base's own tensor.
        @Test func mergedWeightsComeInTheAskedDType() throws {
            let base = try WanDiTFixture("tiny_a").weights()
            let merged = try LoRAFixture.merged(["original"], into: base)
            let backend = CPUBackend()
            let name = "blocks.0.attn1.to_q.weight"
            let bf16 = try merged.tensor(named: name, as: .bfloat16)
            #expect(bf16.dtype == .bfloat16)
            expectMatch(bf16, try backend.cast(try merged.tensor(named: name, as: .float32), to: .bfloat16), .exact, name)
            #expect(try merged.tensor(named: name).dtype == .float32)
            let unchanged = "blocks.0.attn1.norm_q.weight"
            expectMatch(try merged.tensor(named: unchanged), try base.tensor(named: unchanged), .exact, unchanged)
        }

        // Each convention reaches the modules it names: every linear of both blocks (and for peft and
        // original the embedders and proj_out); the delta file its norms, modulation tables and patch embedding.
        @Test func everyKeyFindsItsWeight() throws {
            let base = try WanDiTFixture("tiny_a").weights()
            let counts = try ["peft", "original", "kohya", "diff"].map { try LoRAFixture.merged([$0], into: base).adapters[0] }
            #expect(counts.map(\.changedWeights.count) == [48, 48, 20, 11])
            let diff = Set(counts[3].changedWeights)
            #expect(diff.isSuperset(of: ["blocks.1.scale_shift_table", "scale_shift_table", "blocks.0.norm2.weight",
                                         "blocks.0.norm2.bias", "patch_embedding.weight", "blocks.0.attn1.norm_q.weight"]))
        }
    }
}
