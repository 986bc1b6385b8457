/// Why a Wan transformer cannot be built or run. Each reads as one plain sentence. Problems with
/// individual tensors (missing, misshapen, unused) are ``NN/WeightLoadError``s instead.
public enum WanTransformerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A configuration that is malformed or that the model cannot run.
    case invalidConfig(String)
    /// The configuration could not be read off the weights' shapes.
    case undetectableConfig(String)
    /// The weights are not a Wan transformer checkpoint in a layout this model knows.
    case unknownLayout(String)
    /// An input tensor whose shape or dtype does not fit the model.
    case invalidInput(String)

    public var description: String {
        switch self {
        case .invalidConfig(let message): return "Wan transformer config: \(message)"
        case .undetectableConfig(let message): return "Wan transformer config detection: \(message)"
        case .unknownLayout(let message): return "Wan transformer weights: \(message)"
        case .invalidInput(let message): return "Wan transformer input: \(message)"
        }
    }
}
