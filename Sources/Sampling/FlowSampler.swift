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
    /// A fresh sampler of this config's kind for `steps` inference steps, starting at step `start`
    /// (a remix starts part-way). Throws ``SamplingError``.
    public func makeSampler(steps: Int, startingAt start: Int = 0) throws -> any FlowSampler {
        switch kind {
        case .unipc: return try UniPCSampler(config: self, steps: steps, startingAt: start)
        case .euler: return try EulerSampler(config: self, steps: steps, startingAt: start)
        case .renoise: return try RenoiseSampler(schedule: FlowSchedule(config: self, steps: steps), startingAt: start)
        }
    }

    /// A fresh sampler of this config's kind following `list` (see
    /// ``FlowSchedule/init(kind:list:shift:trainTimesteps:)``), with this config's shift, starting at
    /// step `start`. `freshNoise` is what a renoise sampler adds after each step but the last (see
    /// ``RenoiseSampler``). Throws ``SamplingError``.
    public func makeSampler(list: StepList?, steps: Int, startingAt start: Int = 0,
                            freshNoise: [Tensor] = []) throws -> any FlowSampler {
        let schedule = try list.map { try FlowSchedule(kind: kind, list: $0, shift: shift, trainTimesteps: trainTimesteps) }
            ?? FlowSchedule(config: self, steps: steps)
        switch kind {
        case .unipc: return try UniPCSampler(config: self, steps: steps, startingAt: start)
        case .euler: return try EulerSampler(schedule: schedule, startingAt: start)
        case .renoise: return try RenoiseSampler(schedule: schedule, startingAt: start, freshNoise: freshNoise)
        }
    }
}

extension FlowSchedule {
    /// `x` noised to step `index`'s level: `(1 − σ)·x + σ·ε` in float32, one rounding per operation.
    /// UniPC's `add_noise` (α·x₀ + σ·ε with α = 1 − σ for flow sigmas) and Euler's `scale_noise`
    /// (σ·ε + (1 − σ)·x) give the same numbers: both products are rounded, then summed.
    public func noised(_ x: Tensor, noise: Tensor, at index: Int, on backend: any Backend) throws -> Tensor {
        guard index >= 0, index < sigmas.count else {
            throw SamplingError.invalidInput("step \(index) is outside the \(steps)-step schedule")
        }
        guard x.shape == noise.shape else {
            throw SamplingError.invalidInput("the sample's shape \(x.shape) differs from the noise's \(noise.shape)")
        }
        let sigma = sigmas[index]
        let x32 = x.dtype == .float32 ? x : try backend.cast(x, to: .float32)
        let noise32 = noise.dtype == .float32 ? noise : try backend.cast(noise, to: .float32)
        return try backend.add(try backend.affine(x32, scale: 1 - sigma, offset: 0),
                               try backend.affine(noise32, scale: sigma, offset: 0))  // [B, C, F, H, W]
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
