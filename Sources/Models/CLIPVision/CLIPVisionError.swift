/// Why a CLIP vision encoder or image processor cannot be built or run. Each reads as one plain
/// sentence naming the file, field or input concerned. Problems with individual tensors (missing,
/// misshapen, unused) are `WeightLoadError`s instead.
public enum CLIPVisionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A `config.json` or `preprocessor_config.json` field has an unusable value: the file (nil when
    /// the JSON came from elsewhere), the field's name and what is wrong with it.
    case invalidConfig(file: String?, field: String, detail: String)
    /// The configuration could not be read off the weights' shapes.
    case undetectableConfig(String)
    /// The weights are not a CLIP vision encoder in a layout this port reads.
    case unknownLayout(String)
    /// An input that does not fit the model or the processor.
    case invalidInput(String)
    /// A model folder's component lacks what the encoder or processor needs: its path and what is missing.
    case incompleteComponent(path: String, detail: String)

    public var description: String {
        switch self {
        case .invalidConfig(let file, let field, let detail):
            return "\(file ?? "CLIP vision config"): \"\(field)\" \(detail)"
        case .undetectableConfig(let message): return "CLIP vision config detection: \(message)"
        case .unknownLayout(let message): return "CLIP vision weights: \(message)"
        case .invalidInput(let message): return "CLIP vision input: \(message)"
        case .incompleteComponent(let path, let detail): return "\(path): \(detail)"
        }
    }
}
