/// A file or input the tiny decoder cannot take. The description is one plain line naming the file
/// (or the call) and the problem:
///
///     vae.safetensors: holds Wan VAE weights ("decoder.conv_in.weight"), not a TAEHV decoder; give it as the VAE
public enum TinyDecoderError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The weights are not a TAEHV decoder's (another model's file, say): the source and what gave it away.
    case notTAEHV(source: String, detail: String)
    /// A TAEHV decoder of a variant this port does not implement (Wan 2.2's patched one, a "super" decoder).
    case unsupported(source: String, detail: String)
    /// An input tensor the decoder cannot take.
    case invalidInput(operation: String, detail: String)

    public var description: String {
        switch self {
        case .notTAEHV(let source, let detail): return "\(source): \(detail)"
        case .unsupported(let source, let detail): return "\(source): \(detail)"
        case .invalidInput(let operation, let detail): return "TAEHV.\(operation): \(detail)"
        }
    }
}
