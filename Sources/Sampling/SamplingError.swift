/// A scheduler config, step count or sampler call this module cannot take. Each reads as one plain
/// sentence naming the file, field or value concerned.
public enum SamplingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A scheduler config field is missing, of the wrong kind, out of range, or asks for a setting
    /// this port does not implement: the config file (nil when the JSON came from elsewhere), the
    /// field's name as diffusers spells it, and what is wrong with it.
    case invalidConfig(file: String?, field: String, detail: String)
    /// A schedule was asked for with fewer than one step.
    case invalidStepCount(Int)
    /// A sampler was stepped after its last step.
    case finished(steps: Int)
    /// Tensors passed to a sampler or to guidance do not fit together.
    case invalidInput(String)

    public var description: String {
        switch self {
        case .invalidConfig(let file, let field, let detail):
            return "\(file ?? "scheduler config"): \(field) \(detail)"
        case .invalidStepCount(let steps):
            return "a schedule needs at least 1 inference step, not \(steps)"
        case .finished(let steps):
            return "the sampler has already taken all \(steps) steps of its schedule"
        case .invalidInput(let detail):
            return detail
        }
    }
}
