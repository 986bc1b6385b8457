/// A UMT5 configuration, input or model folder the encoder cannot take. Each reads as one plain
/// sentence naming the field, input or path concerned. (Weight problems are `WeightLoadError`s.)
public enum UMT5Error: Error, CustomStringConvertible, Equatable, Sendable {
    /// A `config.json` field has an unusable value: the file (nil when the JSON came from elsewhere),
    /// the field's name and what is wrong with it.
    case invalidConfig(file: String?, field: String, detail: String)
    /// `feed_forward_proj` names a feed-forward kind this port does not implement.
    case unsupportedFeedForward(String)
    /// The token ids or the attention mask do not fit the model.
    case invalidInput(String)
    /// A model folder's component lacks what the encoder needs: its path and what is missing.
    case incompleteComponent(path: String, detail: String)

    public var description: String {
        switch self {
        case .invalidConfig(let file, let field, let detail):
            return "\(file ?? "UMT5 config"): \"\(field)\" \(detail)"
        case .unsupportedFeedForward(let kind):
            return "UMT5 config: feed_forward_proj \"\(kind)\" is not supported; only gated GELU "
                + "(\"gated-gelu\", \"gated-gelu_new\", \"gated-gelu_pytorch_tanh\") and \"gated-silu\" are"
        case .invalidInput(let detail):
            return "UMT5 input: \(detail)"
        case .incompleteComponent(let path, let detail):
            return "\(path): \(detail)"
        }
    }
}
