import NN
import Tensor

extension WanTransformer {
    /// The names Wan LoRA files use for the parameters of the transformer `weights` (either layout):
    /// each parameter under diffusers' name (`blocks.0.attn1.to_q.weight`), the original Wan name
    /// (`blocks.0.self_attn.q.weight`, `blocks.0.modulation` for a block's table) and both with the
    /// module's dots as underscores (kohya / musubi-tuner: `blocks_0_self_attn_q.weight`), behind
    /// the prefixes LoRA files put in front (`diffusion_model.`, `transformer.`, `lora_unet_`,
    /// `lora_transformer_`).
    /// Throws ``WanTransformerError/unknownLayout(_:)`` when `weights` are not a Wan transformer (and
    /// the GGUF reader's error for a GGUF file of another architecture).
    public static func loraNames(for weights: any WeightSource) throws -> LoRANameTable {
        // Checked here too: once LoRAs wrap the weights, the model no longer sees the GGUF file.
        try (weights as? GGUFFile)?.requireArchitecture(["wan"], for: "a Wan transformer")
        let layout = try WeightLayout(detecting: weights)
        var table: [String: String] = [:]
        for fileName in weights.names where fileName.hasPrefix(layout.prefix) {
            let inLayout = String(fileName.dropFirst(layout.prefix.count))
            let canonical: String
            switch layout {
            case .diffusers: canonical = inLayout
            case .original: canonical = diffusersName(forOriginal: inLayout)
            }
            for name in [canonical, originalName(for: canonical)] {
                let (module, parameter) = splitParameter(name)
                for spelling in LoRANameTable.spellings(module: module, parameter: parameter) where table[spelling] == nil {
                    table[spelling] = fileName
                }
            }
        }
        return LoRANameTable(model: "the Wan transformer",
                             prefixes: ["diffusion_model.", "model.diffusion_model.", "transformer.", "base_model.model."],
                             underscoredPrefixes: ["lora_unet_", "lora_transformer_"], weights: table)
    }
}

/// `blocks.0.attn1.to_q.weight` → (`blocks.0.attn1.to_q`, `weight`); a name without a dot is all parameter.
private func splitParameter(_ name: String) -> (module: String, parameter: String) {
    guard let dot = name.lastIndex(of: ".") else { return ("", name) }
    return (String(name[..<dot]), String(name[name.index(after: dot)...]))
}
