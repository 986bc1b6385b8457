/// A VAE config, checkpoint or input the Wan 2.1 VAE cannot take. The description is one plain line
/// naming the field or input concerned:
///
///     vae config: "is_residual" is true (the Wan 2.2 VAE), which is not supported; only the Wan 2.1 VAE is
public enum WanVAEError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A config field has the wrong type or an impossible value: the file (nil when the JSON came
    /// from elsewhere), the field and what is wrong with it.
    case invalidConfig(file: String?, field: String, detail: String)
    /// A config asks for a variant this port does not implement.
    case unsupportedConfig(file: String?, field: String, detail: String)
    /// The weights have neither layout's names (what was looked for).
    case unknownLayout(source: String, detail: String)
    /// An input tensor has a shape the model cannot take.
    case invalidInput(operation: String, detail: String)
    /// ``WanAutoencoder/encode(_:on:taps:)`` or a decode was called on a model loaded without that part.
    case partNotLoaded(String)

    public var description: String {
        switch self {
        case .invalidConfig(let file, let field, let detail), .unsupportedConfig(let file, let field, let detail):
            return "\(file ?? "vae config"): \"\(field)\" \(detail)"
        case .unknownLayout(let source, let detail): return "\(source): \(detail)"
        case .invalidInput(let operation, let detail): return "WanAutoencoder.\(operation): \(detail)"
        case .partNotLoaded(let part): return "WanAutoencoder: the \(part) was not loaded (see WanAutoencoder.Parts)"
        }
    }
}
