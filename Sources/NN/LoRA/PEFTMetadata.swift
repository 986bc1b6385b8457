import Tensor

/// The PEFT adapter config diffusers writes into a LoRA file's safetensors metadata
/// (`lora_adapter_metadata`: `lora_alpha`, `r`, `alpha_pattern`, each under a `transformer.` prefix
/// when a pipeline saved it). PEFT scales a pair by `lora_alpha / r`, so a file that has this config
/// and no `.alpha` keys gets the same factor; without it the factor is 1, as in diffusers.
struct PEFTMetadata: Sendable {
    /// The default alpha.
    let alpha: Float
    /// Per-module alphas: a key applies to a module named exactly so or ending in `.key`.
    let alphaPattern: [(module: String, alpha: Float)]

    /// The config in `metadata`, nil when there is none. Throws ``LoRAError`` for one that is not a
    /// JSON object with a finite `lora_alpha`, or whose `alpha_pattern` uses regular expressions.
    init?(_ metadata: [String: String], path: String) throws {
        guard let text = metadata["lora_adapter_metadata"] else { return nil }
        let bad = { (detail: String) in LoRAError(path: path, .badMetadata(detail)) }
        let json: JSONValue
        do { json = try JSONValue(parsing: text) } catch { throw bad("is not valid JSON (\(error))") }
        guard let object = json.objectValue else { throw bad("is \(json.kindDescription), not a JSON object") }
        let field = { (name: String) in object["transformer." + name] ?? object[name] }
        guard let alphaValue = field("lora_alpha") else { return nil }
        guard let alpha = alphaValue.doubleValue.map(Float.init), alpha.isFinite else {
            throw bad("lora_alpha is \(alphaValue.serialized), not a finite number")
        }
        var pattern: [(module: String, alpha: Float)] = []
        if let patternValue = field("alpha_pattern"), !patternValue.isNull {
            guard let entries = patternValue.objectValue else { throw bad("alpha_pattern is not a JSON object") }
            for (key, value) in entries.sorted(by: { $0.key.count > $1.key.count }) {
                // PEFT matches these keys as regular expressions; plain module names are all Zoetrope reads.
                guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) else {
                    throw bad("alpha_pattern key \"\(escaped(key))\" is a regular expression, which Zoetrope does not match")
                }
                guard let alpha = value.doubleValue.map(Float.init), alpha.isFinite else {
                    throw bad("alpha_pattern \"\(escaped(key))\" is \(value.serialized), not a finite number")
                }
                pattern.append((key, alpha))
            }
        }
        self.alpha = alpha
        self.alphaPattern = pattern
    }

    /// The alpha of `module` (its name without the file's prefix).
    func alpha(of module: Substring) -> Float {
        alphaPattern.first { module == $0.module || module.hasSuffix("." + $0.module) }?.alpha ?? alpha
    }
}
