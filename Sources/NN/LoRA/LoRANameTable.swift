/// How the LoRA files of one model name its parameters: the key conventions found in the wild
/// mapped onto the names in the model's weights. A model builds one from its weights (each
/// parameter under every spelling a LoRA may use: diffusers', the original release's, and kohya's
/// with underscores), so a LoRA applies whichever layout the base checkpoint is in.
public struct LoRANameTable: Sendable {
    /// The model, for messages ("the transformer").
    public let model: String
    /// Prefixes that LoRA keys carry in front of the module name, removed before lookup, longest
    /// first (`diffusion_model.`, `transformer.`). A key may also have none.
    public let prefixes: [String]
    /// Prefixes of kohya-style keys, whose module names spell dots as underscores (`lora_unet_`).
    public let underscoredPrefixes: [String]
    /// A parameter's name in a LoRA (dotted module name, a dot, the parameter: `blocks.0.self_attn.q.weight`,
    /// or with the module's dots as underscores: `blocks_0_self_attn_q.weight`) → its name in the weights.
    public let weights: [String: String]

    public init(model: String, prefixes: [String], underscoredPrefixes: [String], weights: [String: String]) {
        self.model = model
        self.prefixes = prefixes.sorted { $0.count > $1.count }
        self.underscoredPrefixes = underscoredPrefixes.sorted { $0.count > $1.count }
        self.weights = weights
    }

    /// The spellings a LoRA may use for the parameter `parameter` of the module named `module`: the
    /// dotted name and the one with the module's dots as underscores.
    public static func spellings(module: String, parameter: String) -> [String] {
        let dotted = module + "." + parameter
        let underscored = String(module.map { $0 == "." ? "_" : $0 }) + "." + parameter
        return dotted == underscored ? [dotted] : [dotted, underscored]
    }

    /// The module part of a LoRA key without its prefix.
    func moduleName(_ key: Substring) -> Substring {
        for prefix in underscoredPrefixes where key.hasPrefix(prefix) { return key.dropFirst(prefix.count) }
        for prefix in prefixes where key.hasPrefix(prefix) { return key.dropFirst(prefix.count) }
        return key
    }

    /// The weights' name for `parameter` of the LoRA module `module` (prefix removed), nil when the
    /// model has no such parameter.
    func weightName(module: Substring, parameter: String) -> String? {
        weights[String(module) + "." + parameter]
    }
}
