import Tensor

extension WanTransformer {
    /// How a checkpoint names the transformer's tensors. The model's own names are diffusers'
    /// (`blocks.0.attn1.to_q.weight`); the official Wan release, ComfyUI, stable-diffusion.cpp and GGUF
    /// files use the original names (`blocks.0.self_attn.q.weight`), often under a
    /// `model.diffusion_model.` prefix. Detected from the keys: see ``init(detecting:)``.
    public enum WeightLayout: Sendable, Equatable {
        /// diffusers names, each after `prefix` (usually empty).
        case diffusers(prefix: String)
        /// original Wan names, each after `prefix` (`""` or `"model.diffusion_model."`).
        case original(prefix: String)

        /// Finds the layout of `weights`: the prefix is whatever precedes the shortest name ending in
        /// `patch_embedding.weight`; the original layout has `head.head.weight` after it, diffusers'
        /// `proj_out.weight`. Throws ``WanTransformerError/unknownLayout(_:)`` otherwise.
        public init(detecting weights: any WeightSource) throws {
            let suffix = "patch_embedding.weight"
            let candidates = weights.names.filter { name in
                name.hasSuffix(suffix) && (name == suffix || name.dropLast(suffix.count).hasSuffix("."))
            }
            guard let anchor = candidates.min(by: { $0.count < $1.count }) else {
                throw WanTransformerError.unknownLayout(
                    "\(weights.description) has no \"patch_embedding.weight\", so it is not a Wan transformer checkpoint")
            }
            let prefix = String(anchor.dropLast(suffix.count))
            if weights.entry(named: prefix + "proj_out.weight") != nil {
                self = .diffusers(prefix: prefix)
            } else if weights.entry(named: prefix + "head.head.weight") != nil {
                self = .original(prefix: prefix)
            } else {
                throw WanTransformerError.unknownLayout("\(weights.description) has \"\(anchor)\" but neither "
                    + "\"\(prefix)proj_out.weight\" (diffusers) nor \"\(prefix)head.head.weight\" (original Wan)")
            }
        }

        /// The prefix in front of every name.
        public var prefix: String {
            switch self {
            case .diffusers(let prefix), .original(let prefix): return prefix
            }
        }

        /// The checkpoint's name for the diffusers name `canonical`.
        public func fileName(for canonical: String) -> String {
            switch self {
            case .diffusers(let prefix): return prefix + canonical
            case .original(let prefix): return prefix + originalName(for: canonical)
            }
        }

        /// Whether a tensor of the checkpoint may stay unused: diffusers' `norm_added_q` (dropped on
        /// load by diffusers too), FastWan's `to_gate_compress` (the gate of its sparse attention's
        /// compressed branch, which dense attention has no use for), and, under a prefix, everything
        /// outside it (the VAE and text encoder of an all-in-one ComfyUI file).
        public func mayLeaveUnused(_ fileName: String) -> Bool {
            if !prefix.isEmpty && !fileName.hasPrefix(prefix) { return true }
            let parts = fileName.split(separator: ".")
            return parts.contains("norm_added_q") || parts.contains("to_gate_compress")
        }
    }
}

// MARK: - The name table (docs/wan-reference.md §8.2)

/// diffusers module path → original Wan module path, outside the blocks.
private let originalTopNames: [(diffusers: String, original: String)] = [
    ("condition_embedder.time_embedder.linear_1", "time_embedding.0"),
    ("condition_embedder.time_embedder.linear_2", "time_embedding.2"),
    ("condition_embedder.time_proj", "time_projection.1"),
    ("condition_embedder.text_embedder.linear_1", "text_embedding.0"),
    ("condition_embedder.text_embedder.linear_2", "text_embedding.2"),
    ("condition_embedder.image_embedder.norm1", "img_emb.proj.0"),
    ("condition_embedder.image_embedder.ff.net.0.proj", "img_emb.proj.1"),
    ("condition_embedder.image_embedder.ff.net.2", "img_emb.proj.3"),
    ("condition_embedder.image_embedder.norm2", "img_emb.proj.4"),
    ("condition_embedder.image_embedder.pos_embed", "img_emb.emb_pos"),
    ("proj_out", "head.head"),
    // The output modulation; a block's own table is `modulation` (below).
    ("scale_shift_table", "head.modulation"),
]

/// diffusers → original, inside `blocks.N.`.
private let originalBlockNames: [(diffusers: String, original: String)] = [
    ("scale_shift_table", "modulation"),
    ("attn1.to_q", "self_attn.q"), ("attn1.to_k", "self_attn.k"), ("attn1.to_v", "self_attn.v"),
    ("attn1.to_out.0", "self_attn.o"), ("attn1.norm_q", "self_attn.norm_q"), ("attn1.norm_k", "self_attn.norm_k"),
    ("attn2.to_q", "cross_attn.q"), ("attn2.to_k", "cross_attn.k"), ("attn2.to_v", "cross_attn.v"),
    ("attn2.to_out.0", "cross_attn.o"), ("attn2.norm_q", "cross_attn.norm_q"), ("attn2.norm_k", "cross_attn.norm_k"),
    ("attn2.add_k_proj", "cross_attn.k_img"), ("attn2.add_v_proj", "cross_attn.v_img"),
    ("attn2.norm_added_k", "cross_attn.norm_k_img"),
    // The affine cross-attention norm is `norm3` in the original code and `norm2` in diffusers (whose
    // non-affine norm1/norm3 have no tensors, so this is the only one to rename).
    ("norm2", "norm3"),
    ("ffn.net.0.proj", "ffn.0"), ("ffn.net.2", "ffn.2"),
]

/// diffusers → original, inside `vace_blocks.N.` (VACE): a main block's names plus the control
/// branch's input and output projections. `vace_patch_embedding` has the same name in both layouts.
private let originalVACEBlockNames = originalBlockNames + [("proj_in", "before_proj"), ("proj_out", "after_proj")]

/// The block table for a name split as `[blocks | vace_blocks, N, rest]`, or nil outside the blocks.
private func blockTable(_ parts: [Substring]) -> [(diffusers: String, original: String)]? {
    guard parts.count == 3, Int(parts[1]) != nil else { return nil }
    switch parts[0] {
    case "blocks": return originalBlockNames
    case "vace_blocks": return originalVACEBlockNames
    default: return nil
    }
}

/// The original name of a diffusers name. Entries match whole dotted components, so no entry can
/// rewrite part of another (`modulation` inside `head.modulation`, a `norm2` made from `norm3`).
func originalName(for canonical: String) -> String {
    func renamed(_ key: Substring, _ table: [(diffusers: String, original: String)]) -> String {
        for (diffusers, original) in table where key == diffusers || key.hasPrefix(diffusers + ".") {
            return original + key.dropFirst(diffusers.count)
        }
        return String(key)
    }
    let parts = canonical.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
    if let table = blockTable(parts) {
        return "\(parts[0]).\(parts[1]).\(renamed(parts[2], table))"
    }
    return renamed(Substring(canonical), originalTopNames)
}

/// The diffusers name of an original Wan name: ``originalName(for:)`` read backwards, by the same
/// tables and whole-component matching (`head.modulation` → `scale_shift_table`).
func diffusersName(forOriginal name: String) -> String {
    func renamed(_ key: Substring, _ table: [(diffusers: String, original: String)]) -> String {
        for (diffusers, original) in table where key == original || key.hasPrefix(original + ".") {
            return diffusers + key.dropFirst(original.count)
        }
        return String(key)
    }
    let parts = name.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
    if let table = blockTable(parts) {
        return "\(parts[0]).\(parts[1]).\(renamed(parts[2], table))"
    }
    return renamed(Substring(name), originalTopNames)
}

extension WanTransformer {
    /// The dtype a parameter (named in diffusers' layout) is stored in when the model runs in
    /// `modelType`: float32 for diffusers' `_keep_in_fp32_modules` (a `time_embedder`,
    /// `scale_shift_table`, `norm1`/`norm2`/`norm3` or `rope` component in the name), `modelType` for
    /// every other one.
    public static func storageType(ofParameter canonical: String, modelType: DType) -> DType {
        parameterType(canonical, modelType: modelType)
    }
}

/// diffusers' `_keep_in_fp32_modules` of `WanTransformer3DModel`: a parameter whose dotted diffusers
/// name has one of these components stays float32 when the model is loaded in a lower precision.
let float32ModuleNames: Set<Substring> = ["rope", "time_embedder", "scale_shift_table", "norm1", "norm2", "norm3"]

/// The dtype the parameter `canonical` is stored in when the model runs in `dtype`.
func parameterType(_ canonical: String, modelType dtype: DType) -> DType {
    canonical.split(separator: ".").contains(where: float32ModuleNames.contains) ? .float32 : dtype
}
