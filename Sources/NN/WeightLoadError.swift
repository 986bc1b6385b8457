import Tensor

/// A model's weights do not fit the model: a tensor is missing, has the wrong shape, or was never
/// loaded. The description is one plain line naming the weights and the tensors concerned:
///
///     model.safetensors: tensor "blocks.0.attn1.to_q.weight" has shape [1536, 1024], expected [1536, 1536]
public struct WeightLoadError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The weights the problem is in (the ``WeightSource``'s description: a file, a sharded set).
    public let source: String
    /// What is wrong.
    public let reason: Reason

    /// Names listed in a description before the rest are counted ("and N more").
    public static let listedNameLimit = 20

    public init(source: String, _ reason: Reason) {
        self.source = source
        self.reason = reason
    }

    /// What is wrong with a model's weights. Keys are canonical names (the model's own spelling);
    /// `fileKey` is the name looked up in the weights after renaming, equal to `key` when the
    /// weights use the canonical layout.
    public enum Reason: Equatable, Sendable {
        /// No tensor of that name. `nearby` lists the weights' names that share the key's parent
        /// prefix (empty when there are none), to show what the weights call it instead.
        case missing(key: String, fileKey: String, nearby: [String])
        /// The tensor exists with another shape.
        case shapeMismatch(key: String, fileKey: String, expected: [Int], found: [Int])
        /// Tensors of the weights that no module loaded (file names, sorted).
        case unused([String])
    }

    public var description: String {
        switch reason {
        case .missing(let key, let fileKey, let nearby):
            var line = "\(source): no tensor \(named(key, fileKey))"
            if nearby.isEmpty {
                line += " and none under \"\(parentPrefix(of: fileKey))\""
            } else {
                line += "; under \"\(parentPrefix(of: fileKey))\" there are \(nearby.count): "
                line += WeightLoadError.list(nearby)
            }
            return line
        case .shapeMismatch(let key, let fileKey, let expected, let found):
            return "\(source): tensor \(named(key, fileKey)) has shape \(found), expected \(expected)"
        case .unused(let names):
            let count = "\(names.count) tensor\(names.count == 1 ? " was" : "s were")"
            return "\(source): \(count) never loaded: \(WeightLoadError.list(names))"
        }
    }

    /// `"a", "b", … and N more`, at most ``listedNameLimit`` names written out.
    public static func list(_ names: [String]) -> String {
        let shown = names.prefix(listedNameLimit).map { "\"\($0)\"" }.joined(separator: ", ")
        let rest = names.count - min(names.count, listedNameLimit)
        return rest > 0 ? "\(shown) and \(rest) more" : shown
    }

    private func named(_ key: String, _ fileKey: String) -> String {
        key == fileKey ? "\"\(key)\"" : "\"\(key)\" (looked up as \"\(fileKey)\")"
    }
}

/// `"blocks.3.attn1."` for `"blocks.3.attn1.to_q.weight"`; `""` for a name without a dot.
func parentPrefix(of key: String) -> String {
    guard let dot = key.lastIndex(of: ".") else { return "" }
    return String(key[...dot])
}
