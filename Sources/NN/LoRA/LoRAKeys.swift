/// What one tensor of a LoRA file is, read from the end of its key.
enum LoRAPart: Equatable, Sendable {
    /// The low-rank factor A (`lora_A`, `lora_down`), `[r, in…]`.
    case down
    /// The low-rank factor B (`lora_B`, `lora_up`), `[out, r, 1…]`.
    case up
    /// The scalar alpha; the pair is scaled by alpha / r.
    case alpha
    /// A full delta of the parameter `parameter` (`diff` → weight, `diff_b` and PEFT's `lora_B.bias`
    /// → bias, `diff_m` → the block's or head's modulation table).
    case delta(parameter: String)

    /// The low-rank parameter a pair changes.
    static let pairParameter = "weight"
}

/// The key suffixes Zoetrope reads, longest match first: the spellings of ComfyUI's loaders
/// (diffusers/PEFT, the original `lora_down`/`lora_up`, kohya) and LightX2V's full deltas.
private let suffixes: [(suffix: String, part: LoRAPart)] = [
    (".lora_A.weight", .down), (".lora_down.weight", .down), (".lora.down.weight", .down),
    (".lora_A.default.weight", .down), (".lora_linear_layer.down.weight", .down), ("_lora.down.weight", .down),
    (".lora_B.weight", .up), (".lora_up.weight", .up), (".lora.up.weight", .up),
    (".lora_B.default.weight", .up), (".lora_linear_layer.up.weight", .up), ("_lora.up.weight", .up),
    (".lora_B.bias", .delta(parameter: "bias")),
    (".alpha", .alpha),
    (".diff", .delta(parameter: "weight")),
    (".diff_b", .delta(parameter: "bias")),
    // `blocks.0.diff_m` is the delta of `blocks.0.modulation`: the module is the block itself.
    (".diff_m", .delta(parameter: "modulation")),
]

/// Splits a LoRA key into its module part (prefix still on) and what the tensor is; nil for a key
/// with no known suffix.
func splitLoRAKey(_ key: String) -> (module: Substring, part: LoRAPart)? {
    for (suffix, part) in suffixes where key.hasSuffix(suffix) && key.count > suffix.count {
        return (key.dropLast(suffix.count), part)
    }
    return nil
}
