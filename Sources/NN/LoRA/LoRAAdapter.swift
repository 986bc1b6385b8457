import Tensor

/// One LoRA or delta file resolved against a model's weights: for each weight it changes, what to add.
/// Resolving reads only the file's header and its alphas, and checks every key: each must name a
/// parameter of the model (through the model's ``LoRANameTable``), each low-rank pair must agree on
/// its rank, and each delta must have the shape of the weight it changes. The tensors themselves are
/// read when ``LoRAMergedWeights`` loads the weight they change.
///
/// A low-rank pair changes a weight `W [out, in…]` by `scale · (alpha / r) · B·A` (`B` = `lora_B` /
/// `lora_up` `[out, r]`, `A` = `lora_A` / `lora_down` `[r, in…]`; the alpha is the pair's `.alpha`
/// key, else the PEFT config's `lora_alpha` when the metadata has one, else r, as in ComfyUI,
/// LightX2V and diffusers); a full delta (`diff`, `diff_b`, `diff_m`, PEFT's
/// `lora_B.bias`) by `scale · delta`.
public struct LoRAAdapter: Sendable {
    /// The file, as the caller spelled it.
    public let path: String
    /// The strength it is applied with.
    public let scale: Float
    /// The keys that matched nothing and were skipped (empty unless resolved with `ignoringUnmatched`).
    public let unmatchedKeys: [String]
    /// The weights' names of the parameters it changes, each with the terms to add.
    let changes: [String: [LoRATerm]]
    let source: any WeightSource

    /// The names of the model's weights this file changes, sorted.
    public var changedWeights: [String] { changes.keys.sorted() }

    /// Resolves the LoRA file `weights` (opened from `path`, with the safetensors `metadata`) against
    /// the model weights `base`, named by `names`. Throws ``LoRAError`` for a file with no LoRA
    /// tensors, keys that match nothing in the model (unless `ignoringUnmatched`), deltas of the
    /// wrong shape, mismatched ranks, alphas that are not finite numbers and a malformed PEFT config.
    public init(path: String, weights: any WeightSource, scale: Float, base: any WeightSource, names: LoRANameTable,
                ignoringUnmatched: Bool = false, metadata: [String: String] = [:]) throws {
        guard scale.isFinite else { throw LoRAError(path: path, .badAlpha(key: "scale", value: scale)) }
        let peft = try PEFTMetadata(metadata, path: path)
        var groups: [Substring: LoRAGroup] = [:]
        var order: [Substring] = []
        var unmatched: [String] = []
        for key in weights.names {
            guard let split = splitLoRAKey(key) else { unmatched.append(key); continue }
            let module = names.moduleName(split.module)
            if groups[module] == nil { order.append(module) }
            try groups[module, default: LoRAGroup()].add(key, split.part, path: path)
        }
        guard !order.isEmpty else { throw LoRAError(path: path, .noAdapters) }

        var changes: [String: [LoRATerm]] = [:]
        for module in order {
            guard let group = groups[module] else { continue }
            let shape = { (key: String) in weights.entry(named: key)?.shape ?? [] }
            if group.down != nil || group.up != nil {
                guard let down = group.down, let up = group.up else {
                    throw LoRAError(path: path, .unpaired(module: String(module), missing: group.down == nil ? "lora_down/lora_A" : "lora_up/lora_B"))
                }
                guard let target = names.weightName(module: module, parameter: LoRAPart.pairParameter),
                      let weightShape = base.entry(named: target)?.shape else {
                    unmatched += [down, up] + (group.alpha.map { [$0] } ?? [])
                    continue
                }
                let rank = try pairRank(down: (down, shape(down)), up: (up, shape(up)), module: module, path: path)
                let inFeatures = shape(down).dropFirst().reduce(1, *), outFeatures = shape(up)[0]
                guard weightShape.first == outFeatures, weightShape.dropFirst().reduce(1, *) == inFeatures else {
                    throw LoRAError(path: path, .shapeMismatch(key: String(module), delta: [outFeatures, inFeatures],
                                                              weight: target, weightShape: weightShape))
                }
                var factor = scale
                if let alphaKey = group.alpha {
                    factor *= try alpha(alphaKey, in: weights, path: path) / Float(rank)
                } else if let peft {
                    factor *= peft.alpha(of: module) / Float(rank)
                }
                changes[target, default: []].append(.lowRank(down: down, up: up, rank: rank, factor: factor))
            } else if let alphaKey = group.alpha {
                unmatched.append(alphaKey)
            }
            for (parameter, key) in group.deltas {
                guard let target = names.weightName(module: module, parameter: parameter),
                      let weightShape = base.entry(named: target)?.shape else {
                    unmatched.append(key)
                    continue
                }
                guard shape(key) == weightShape else {
                    throw LoRAError(path: path, .shapeMismatch(key: key, delta: shape(key), weight: target, weightShape: weightShape))
                }
                changes[target, default: []].append(.full(key: key, factor: scale))
            }
        }
        // Listed in file order (pairs are resolved after the scan that finds unknown suffixes).
        let position = Dictionary(weights.names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        unmatched.sort { (position[$0] ?? 0) < (position[$1] ?? 0) }
        if !unmatched.isEmpty && !ignoringUnmatched {
            throw LoRAError(path: path, .unmatched(keys: unmatched, model: names.model))
        }
        self.path = path
        self.scale = scale
        self.unmatchedKeys = unmatched
        self.changes = changes
        self.source = weights
    }
}

/// What to add to one weight.
enum LoRATerm: Sendable {
    /// `factor · up·down`, `down` `[rank, in…]`, `up` `[out, rank, 1…]`.
    case lowRank(down: String, up: String, rank: Int, factor: Float)
    /// `factor · delta`, the delta of the weight's shape.
    case full(key: String, factor: Float)
}

/// The keys of one LoRA module, collected while reading the file.
private struct LoRAGroup {
    var down: String?
    var up: String?
    var alpha: String?
    var deltas: [(parameter: String, key: String)] = []

    mutating func add(_ key: String, _ part: LoRAPart, path: String) throws {
        func set(_ slot: inout String?) throws {
            if let other = slot { throw LoRAError(path: path, .duplicate(key: key, other: other)) }
            slot = key
        }
        switch part {
        case .down: try set(&down)
        case .up: try set(&up)
        case .alpha: try set(&alpha)
        case .delta(let parameter):
            if let other = deltas.first(where: { $0.parameter == parameter }) {
                throw LoRAError(path: path, .duplicate(key: key, other: other.key))
            }
            deltas.append((parameter, key))
        }
    }
}

/// The rank of a low-rank pair: `down` must be `[r, in…]` and `up` `[out, r, 1…]` with r ≥ 1.
private func pairRank(down: (key: String, shape: [Int]), up: (key: String, shape: [Int]), module: Substring,
                      path: String) throws -> Int {
    guard down.shape.count >= 2, down.shape[0] >= 1 else {
        throw LoRAError(path: path, .badShape(key: down.key, shape: down.shape, expected: "[rank, in…] with rank ≥ 1"))
    }
    guard up.shape.count >= 2, up.shape.dropFirst(2).allSatisfy({ $0 == 1 }) else {
        throw LoRAError(path: path, .badShape(key: up.key, shape: up.shape, expected: "[out, rank] (trailing sizes 1)"))
    }
    guard up.shape[1] == down.shape[0] else {
        throw LoRAError(path: path, .rankMismatch(module: String(module), down: down.shape, up: up.shape))
    }
    return down.shape[0]
}

/// The value of the one-element tensor `key`, which must be finite.
private func alpha(_ key: String, in weights: any WeightSource, path: String) throws -> Float {
    guard let entry = weights.entry(named: key), entry.elementCount == 1 else {
        throw LoRAError(path: path, .badShape(key: key, shape: weights.entry(named: key)?.shape ?? [], expected: "one number"))
    }
    let value = try weights.tensor(named: key, as: .float32).floats()[0]
    guard value.isFinite else { throw LoRAError(path: path, .badAlpha(key: key, value: value)) }
    return value
}
