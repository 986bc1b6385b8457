import Tensor

/// The update rule the DMD- and consistency-distilled Wan models sample with (Self-Forcing, CausVid,
/// FastWan, rCM; docs/few-step.md, "Update rules"): predict x₀, then noise it afresh to the next level.
///
///     x₀ = x − σᵢ·v
///     x ← (1 − σᵢ₊₁)·x₀ + σᵢ₊₁·εᵢ      (εᵢ fresh Gaussian noise; after the last step x ← x₀)
///
/// Unlike Euler it forgets the noise the sample carried and draws new noise each step, as those
/// models were trained to expect. The fresh noise is given up front (``freshNoise``), one tensor per
/// step but the last, so that a run is reproducible from its seed or its noise file.
///
/// Arithmetic is float32 with one rounding per operation (the references work in float64 for x₀ and
/// float32 for the re-noising; the difference is a rounding of x₀). The sample is returned in float32.
public struct RenoiseSampler: FlowSampler {
    public let schedule: FlowSchedule
    public private(set) var stepIndex: Int
    /// The noise added after step `start + k`, k = 0 ..< (steps − start − 1), each of the sample's shape.
    public let freshNoise: [Tensor]
    private let startIndex: Int

    /// A sampler following `schedule` from step `start`, adding `freshNoise[k]` after step `start + k`.
    /// The noise may be given later than needed only in tests: a step that needs noise the list does
    /// not hold throws. Throws ``SamplingError`` for a start outside the schedule.
    public init(schedule: FlowSchedule, startingAt start: Int = 0, freshNoise: [Tensor] = []) throws {
        guard start >= 0, start < schedule.steps else {
            throw SamplingError.invalidInput("a \(schedule.steps)-step run cannot start at step \(start)")
        }
        self.schedule = schedule
        self.freshNoise = freshNoise
        stepIndex = start
        startIndex = start
    }

    /// How many fresh noise tensors a run of `steps` steps that starts at step `start` draws.
    public static func freshNoiseCount(steps: Int, startingAt start: Int = 0) -> Int { max(0, steps - start - 1) }

    /// The sample a run from pure noise starts with: σ₀·ε, the flow state at σ₀ whose x₀ is taken to
    /// be 0 (rCM starts so; for σ₀ = 1 it is ε itself, unchanged).
    public func initialSample(noise: Tensor, on backend: any Backend) throws -> Tensor {
        let sigma = schedule.sigmas[stepIndex]
        guard sigma != 1 else { return noise }
        return try backend.affine(noise, scale: sigma, offset: 0)  // [B, C, F, H, W]
    }

    public mutating func step(modelOutput v: Tensor, sample x: Tensor, on backend: any Backend) throws -> Tensor {
        try checkStep(v, x)
        let sigma = schedule.sigmas[stepIndex], next = schedule.sigmas[stepIndex + 1]
        let x32 = x.dtype == .float32 ? x : try backend.cast(x, to: .float32)
        let v32 = v.dtype == .float32 ? v : try backend.cast(v, to: .float32)
        let x0 = try backend.sub(x32, try backend.affine(v32, scale: sigma, offset: 0))  // [B, C, F, H, W]
        let draw = stepIndex - startIndex
        guard stepIndex + 1 < schedule.steps else {
            stepIndex += 1
            return x0
        }
        guard draw < freshNoise.count else {
            throw SamplingError.invalidInput("the renoise sampler has no fresh noise for step \(stepIndex + 1) of \(schedule.steps)")
        }
        let noise = freshNoise[draw]
        guard noise.shape == x.shape else {
            throw SamplingError.invalidInput("the fresh noise's shape \(noise.shape) differs from the sample's \(x.shape)")
        }
        let noise32 = noise.dtype == .float32 ? noise : try backend.cast(noise, to: .float32)
        let renoised = try backend.add(try backend.affine(x0, scale: 1 - next, offset: 0),
                                       try backend.affine(noise32, scale: next, offset: 0))  // [B, C, F, H, W]
        stepIndex += 1
        return renoised
    }
}
