import Tensor

/// A flow-matching sampler: holds its schedule and whatever history its method needs, and turns one
/// model output at a time into the next sample. A denoising loop reads
///
///     var sampler = try config.makeSampler(steps: 50)
///     for t in sampler.schedule.timesteps {
///         let v = try transformer(x, timestep: t, ...)   // guided velocity
///         x = try sampler.step(modelOutput: v, sample: x, on: backend)
///     }
///
/// The model predicts the flow velocity v = ε − x₀ at x_σ = (1 − σ)·x₀ + σ·ε.
public protocol FlowSampler: Sendable {
    /// The schedule being followed.
    var schedule: FlowSchedule { get }
    /// How many steps have been taken (the index of the next step's timestep).
    var stepIndex: Int { get }
    /// Takes step ``stepIndex``: `v` is the model output at the current sample `x` and timestep
    /// `schedule.timesteps[stepIndex]`; returns the sample for the next timestep (after the last
    /// step, the final sample). Throws ``SamplingError`` after the last step or for mismatched shapes.
    mutating func step(modelOutput v: Tensor, sample x: Tensor, on backend: any Backend) throws -> Tensor
}

extension FlowSampler {
    /// The timestep the model should see next; nil once every step is taken.
    public var currentTimestep: Float? {
        stepIndex < schedule.steps ? schedule.timesteps[stepIndex] : nil
    }

    /// Whether every step of the schedule has been taken.
    public var isFinished: Bool { stepIndex >= schedule.steps }

    /// Throws unless another step is due and `v` and `x` have the same shape.
    func checkStep(_ v: Tensor, _ x: Tensor) throws {
        guard !isFinished else { throw SamplingError.finished(steps: schedule.steps) }
        guard v.shape == x.shape else {
            throw SamplingError.invalidInput(
                "the model output's shape \(v.shape) differs from the sample's \(x.shape) at step \(stepIndex)")
        }
    }
}

extension SchedulerConfig {
    /// A fresh sampler of this config's kind for `steps` inference steps. Throws ``SamplingError``.
    public func makeSampler(steps: Int) throws -> any FlowSampler {
        switch kind {
        case .unipc: return try UniPCSampler(config: self, steps: steps)
        case .euler: return try EulerSampler(config: self, steps: steps)
        }
    }
}

/// A scalar tensor on `backend`, to divide by (diffusers divides tensors by 0-dim tensors).
func scalarTensor(_ value: Float, on backend: any Backend) throws -> Tensor {
    try backend.upload(try Tensor([value], shape: [1]))
}

/// A float32 scalar as PyTorch uses it in `scalar * tensor` when the 0-dim float32 scalar comes
/// first: converted to the tensor's dtype before the product (bf16σ·v, not σ·v, for a bf16 v).
func scalar(_ value: Float, as dtype: DType) -> Float {
    switch dtype {
    case .float32: return value
    case .bfloat16: return roundedToBFloat16(value)
    case .float16: return Float(Float16(value))
    }
}
