import Tensor

/// A LoRA or delta file that cannot be applied to a model. The description is one plain line naming
/// the file and the keys concerned:
///
///     style.safetensors: 3 keys match nothing in the transformer: "lora_te_text_model.0.lora_down.weight", …
public struct LoRAError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The LoRA file, as the caller spelled it.
    public let path: String
    /// What is wrong.
    public let reason: Reason

    public init(path: String, _ reason: Reason) {
        self.path = path
        self.reason = reason
    }

    /// What is wrong with a LoRA file.
    public enum Reason: Equatable, Sendable {
        /// The file holds no tensor with a LoRA or delta suffix.
        case noAdapters
        /// Keys whose module the model does not have, or whose kind Zoetrope does not apply (DoRA,
        /// LyCORIS), in file order; `model` names the model ("the transformer").
        case unmatched(keys: [String], model: String)
        /// A module's delta has another shape than the weight it changes: a LoRA for another model.
        case shapeMismatch(key: String, delta: [Int], weight: String, weightShape: [Int])
        /// `lora_down` (A) is `[r, …]` and `lora_up` (B) is `[out, r', …]` with r ≠ r'.
        case rankMismatch(module: String, down: [Int], up: [Int])
        /// A tensor whose shape cannot be what its suffix says (a 1-D `lora_down`, a non-scalar alpha).
        case badShape(key: String, shape: [Int], expected: String)
        /// An `alpha` that is not a finite number.
        case badAlpha(key: String, value: Float)
        /// One half of a low-rank pair without the other.
        case unpaired(module: String, missing: String)
        /// Two keys give the same part of one module (`lora_A` and `lora_down`, say).
        case duplicate(key: String, other: String)
        /// Adding the file's deltas gives a weight with NaN or infinite values.
        case nonFinite(weight: String)
        /// The PEFT config in the file's metadata (`lora_adapter_metadata`) is malformed (what is wrong).
        case badMetadata(String)
    }

    public var description: String {
        "\(path): " + reasonText
    }

    private var reasonText: String {
        switch reason {
        case .noAdapters:
            return "holds no LoRA tensors (no key ends in lora_A/lora_B, lora_down/lora_up, alpha, diff, diff_b or diff_m)"
        case .unmatched(let keys, let model):
            let count = keys.count == 1 ? "1 key matches" : "\(keys.count) keys match"
            return "\(count) nothing in \(model): \(WeightLoadError.list(keys.map(escaped))) "
                + "(a LoRA for another model, or parts Zoetrope does not apply; --lora-ignore-unmatched skips them)"
        case .shapeMismatch(let key, let delta, let weight, let weightShape):
            return "\"\(escaped(key))\" changes \"\(weight)\" by a \(delta) delta, but that weight is \(weightShape): "
                + "a LoRA for another model size?"
        case .rankMismatch(let module, let down, let up):
            return "\"\(escaped(module))\": lora_down/lora_A is \(down) and lora_up/lora_B is \(up); their ranks differ"
        case .badShape(let key, let shape, let expected):
            return "tensor \"\(escaped(key))\" has shape \(shape); expected \(expected)"
        case .badAlpha(let key, let value):
            return "\"\(escaped(key))\" is \(value), not a finite number"
        case .unpaired(let module, let missing):
            return "\"\(escaped(module))\" has no \(missing) to pair with its other half"
        case .duplicate(let key, let other):
            return "\"\(escaped(key))\" and \"\(escaped(other))\" give the same part of one module"
        case .nonFinite(let weight):
            return "adding its deltas to \"\(weight)\" gives NaN or infinite values"
        case .badMetadata(let detail):
            return "the PEFT config in its metadata (lora_adapter_metadata): \(escaped(detail))"
        }
    }
}

/// `text` with control characters escaped, so that a key from a hostile file keeps a message on one line.
func escaped(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
    return text.unicodeScalars.map { scalar in
        scalar.value < 0x20 || scalar.value == 0x7F ? "\\u{" + String(scalar.value, radix: 16) + "}" : String(scalar)
    }.joined()
}
