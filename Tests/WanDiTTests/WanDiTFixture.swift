import CPUBackend
import NN
import Tensor
import TestSupport
import Testing
import WanDiT

/// Every suite of this target. They run in parallel, which also checks that the CPU backend's
/// GEMMs give the same numbers when run from several threads at once.
@Suite struct WanTransformerTests {}

/// One tiny random model of tools/fixtures/make_wan_dit_fixtures.py: a diffusers model folder
/// `Tests/Fixtures/wan_dit/<name>/` (model_index.json, transformer/config.json and weights),
/// `reference.safetensors` with the cases' inputs, named intermediates and outputs, and for some an
/// `original.safetensors` with the same weights under the original Wan names.
struct WanDiTFixture {
    let name: String
    let folder: String
    let reference: SafeTensorsFile

    init(_ name: String) throws {
        self.name = name
        folder = fixturePath("wan_dit/\(name)")
        reference = try SafeTensorsFile(path: "\(folder)/reference.safetensors")
    }

    /// The diffusers `transformer` component.
    func component() throws -> ModelComponent {
        guard let component = try ModelFolder(path: folder).component(named: "transformer") else {
            throw FixtureError("\(folder) has no transformer component")
        }
        return component
    }

    /// The transformer's weights (single file or sharded set).
    func weights() throws -> any WeightSource {
        guard let weights = try component().openWeights() else { throw FixtureError("\(folder): no weights") }
        return weights
    }

    /// The parsed `transformer/config.json`.
    func config() throws -> WanTransformer.Config {
        guard let json = try component().config else { throw FixtureError("\(folder): no config.json") }
        return try WanTransformer.Config(json: json)
    }

    /// The weights under the original Wan names.
    func originalWeights() throws -> SafeTensorsFile { try SafeTensorsFile(path: "\(folder)/original.safetensors") }

    /// The stored tensor `<case>.<name>`.
    func tensor(_ caseName: String, _ name: String) throws -> Tensor {
        try reference.tensor(named: "\(caseName).\(name)")
    }

    /// Whether `<case>.<name>` is stored.
    func has(_ caseName: String, _ name: String) -> Bool {
        reference.entry(named: "\(caseName).\(name)") != nil
    }

    /// The case names of the reference file (those with an `output`).
    var caseNames: [String] {
        reference.names.filter { $0.hasSuffix(".output") }.map { String($0.dropLast(".output".count)) }.sorted()
    }

    /// Runs `model` on case `caseName`'s inputs (a VACE case with `control`, by default its stored
    /// control and per-layer scales).
    func run(_ model: WanTransformer, _ caseName: String, taps: Taps? = nil, encoded: Bool = false,
             control: VACEControl? = nil) throws -> Tensor {
        let backend = CPUBackend()
        let image = has(caseName, "encoder_hidden_states_image") ? try tensor(caseName, "encoder_hidden_states_image") : nil
        let latents = try tensor(caseName, "hidden_states"), timestep = try tensor(caseName, "timestep")
        let control = try control ?? storedControl(caseName)
        if encoded {
            let context = try model.encodeContext(try tensor(caseName, "encoder_hidden_states"), imageContext: image, taps: taps, on: backend)
            return try model(latents: latents, timestep: timestep, context: context, control: control, taps: taps, on: backend)
        }
        return try model(latents: latents, timestep: timestep, context: try tensor(caseName, "encoder_hidden_states"),
                         imageContext: image, control: control, taps: taps, on: backend)
    }

    /// A VACE case's stored control and per-layer scales; nil for other cases.
    func storedControl(_ caseName: String) throws -> VACEControl? {
        guard has(caseName, "control_hidden_states") else { return nil }
        return try VACEControl(context: try tensor(caseName, "control_hidden_states"),
                               scales: try tensor(caseName, "control_hidden_states_scale").floats())
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Weights edited in memory on top of real ones: tensors removed, added or replaced. For the
/// loading error tests.
struct EditedWeights: WeightSource {
    let base: any WeightSource
    var removed: Set<String> = []
    var replaced: [String: Tensor] = [:]

    var names: [String] {
        base.names.filter { !removed.contains($0) && replaced[$0] == nil } + replaced.keys.sorted()
    }
    var description: String { "edited.safetensors" }

    func entry(named name: String) -> SafeTensorsEntry? {
        if let t = replaced[name] {
            return SafeTensorsEntry(name: name, dtype: .float32, shape: t.shape, byteRange: 0..<t.byteCount)
        }
        return removed.contains(name) ? nil : base.entry(named: name)
    }

    func tensor(named name: String) throws -> Tensor {
        if let t = replaced[name] { return t }
        guard !removed.contains(name) else { throw WeightFileError(path: description, tensor: name, .tensorNotFound) }
        return try base.tensor(named: name)
    }

    func tensor(named name: String, as dtype: DType) throws -> Tensor {
        try CPUBackend().cast(try tensor(named: name), to: dtype)
    }
}

/// Names and shapes only, no data: for detecting the configuration of the real variants.
struct ShapeOnlyWeights: WeightSource {
    let names: [String]
    let shapes: [String: [Int]]

    init(_ list: [(name: String, shape: [Int])]) {
        names = list.map(\.name)
        shapes = Dictionary(list.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
    }

    var description: String { "shapes.safetensors" }

    func entry(named name: String) -> SafeTensorsEntry? {
        shapes[name].map { SafeTensorsEntry(name: name, dtype: .bfloat16, shape: $0, byteRange: 0..<0) }
    }

    func tensor(named name: String) throws -> Tensor {
        throw WeightFileError(path: description, tensor: name, .tensorNotFound)
    }

    func tensor(named name: String, as dtype: DType) throws -> Tensor { try tensor(named: name) }

    /// Every tensor of a diffusers checkpoint for `config`, in diffusers' names (docs/wan-reference.md §1.2).
    static func diffusers(_ config: WanTransformer.Config) -> [(name: String, shape: [Int])] {
        let d = config.innerDim
        var list: [(String, [Int])] = [
            ("patch_embedding.weight", [d, config.inChannels] + config.patchSize), ("patch_embedding.bias", [d]),
            ("condition_embedder.time_embedder.linear_1.weight", [d, config.freqDim]),
            ("condition_embedder.time_embedder.linear_1.bias", [d]),
            ("condition_embedder.time_embedder.linear_2.weight", [d, d]), ("condition_embedder.time_embedder.linear_2.bias", [d]),
            ("condition_embedder.time_proj.weight", [6 * d, d]), ("condition_embedder.time_proj.bias", [6 * d]),
            ("condition_embedder.text_embedder.linear_1.weight", [d, config.textDim]),
            ("condition_embedder.text_embedder.linear_1.bias", [d]),
            ("condition_embedder.text_embedder.linear_2.weight", [d, d]), ("condition_embedder.text_embedder.linear_2.bias", [d]),
            ("proj_out.weight", [config.patchFeaturesOut, d]), ("proj_out.bias", [config.patchFeaturesOut]),
            ("scale_shift_table", [1, 2, d]),
        ]
        if let image = config.imageDim {
            let e = "condition_embedder.image_embedder."
            list += [("\(e)norm1.weight", [image]), ("\(e)norm1.bias", [image]),
                     ("\(e)ff.net.0.proj.weight", [image, image]), ("\(e)ff.net.0.proj.bias", [image]),
                     ("\(e)ff.net.2.weight", [d, image]), ("\(e)ff.net.2.bias", [d]),
                     ("\(e)norm2.weight", [d]), ("\(e)norm2.bias", [d])]
            if let m = config.posEmbedSeqLen { list.append(("\(e)pos_embed", [1, m, image])) }
        }
        if let layers = config.vaceLayers, let channels = config.vaceInChannels {
            list += [("vace_patch_embedding.weight", [d, channels] + config.patchSize), ("vace_patch_embedding.bias", [d])]
            for k in layers.indices {
                list += blockShapes(config, prefix: "vace_blocks.\(k).")
                for p in k == 0 ? ["proj_in", "proj_out"] : ["proj_out"] {
                    list += [("vace_blocks.\(k).\(p).weight", [d, d]), ("vace_blocks.\(k).\(p).bias", [d])]
                }
            }
        }
        for i in 0..<config.numLayers { list += blockShapes(config, prefix: "blocks.\(i).") }
        return list
    }

    /// One block's tensors under `prefix` (`blocks.N.` or `vace_blocks.N.`).
    static func blockShapes(_ config: WanTransformer.Config, prefix b: String) -> [(name: String, shape: [Int])] {
        let d = config.innerDim, f = config.ffnDim
        var list: [(String, [Int])] = [("\(b)scale_shift_table", [1, 6, d])]
        for attn in ["attn1", "attn2"] {
            for p in ["to_q", "to_k", "to_v", "to_out.0"] {
                list += [("\(b)\(attn).\(p).weight", [d, d]), ("\(b)\(attn).\(p).bias", [d])]
            }
            list += [("\(b)\(attn).norm_q.weight", [d]), ("\(b)\(attn).norm_k.weight", [d])]
        }
        if let added = config.addedKVProjDim {
            for p in ["add_k_proj", "add_v_proj"] {
                list += [("\(b)attn2.\(p).weight", [d, added]), ("\(b)attn2.\(p).bias", [d])]
            }
            list.append(("\(b)attn2.norm_added_k.weight", [d]))
        }
        if config.crossAttnNorm { list += [("\(b)norm2.weight", [d]), ("\(b)norm2.bias", [d])] }
        list += [("\(b)ffn.net.0.proj.weight", [f, d]), ("\(b)ffn.net.0.proj.bias", [f]),
                 ("\(b)ffn.net.2.weight", [d, f]), ("\(b)ffn.net.2.bias", [d])]
        return list
    }
}
