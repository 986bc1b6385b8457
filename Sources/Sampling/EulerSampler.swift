import Tensor

/// diffusers' `FlowMatchEulerDiscreteScheduler` (deterministic, no per-token timesteps):
/// x_{i+1} = float32(x) + (σ_{i+1} − σ_i)·v, then cast to v's dtype (docs/wan-reference.md §5.2).
///
/// As in diffusers, the product (σ_{i+1} − σ_i)·v is taken in v's dtype (`dt * model_output` with a
/// 0-dim float32 dt and a bf16 v rounds dt to bf16, then the product), the sum in float32, and the
/// result is returned in v's dtype:
/// with a bf16 model the samples after the first step are bf16, as in diffusers' WanPipeline.
public struct EulerSampler: FlowSampler {
    public let schedule: FlowSchedule
    public private(set) var stepIndex: Int

    /// A sampler for `steps` steps of `config` (which must be an Euler config), starting at step
    /// `start` of the schedule (a remix starts part-way). Throws ``SamplingError``.
    public init(config: SchedulerConfig, steps: Int, startingAt start: Int = 0) throws {
        guard config.kind == .euler else {
            throw SamplingError.invalidConfig(file: nil, field: "_class_name",
                                              detail: "is \(config.kind.diffusersClassName), not FlowMatchEulerDiscreteScheduler")
        }
        try self.init(schedule: FlowSchedule(config: config, steps: steps), startingAt: start)
    }

    /// A sampler following `schedule` (an Euler schedule or an explicit step list's), starting at
    /// step `start`. Throws ``SamplingError``.
    public init(schedule: FlowSchedule, startingAt start: Int = 0) throws {
        self.schedule = schedule
        guard start >= 0, start < schedule.steps else {
            throw SamplingError.invalidInput("a \(schedule.steps)-step run cannot start at step \(start)")
        }
        stepIndex = start
    }

    public mutating func step(modelOutput v: Tensor, sample x: Tensor, on backend: any Backend) throws -> Tensor {
        try checkStep(v, x)
        let dt = schedule.sigmas[stepIndex + 1] - schedule.sigmas[stepIndex]
        let x32 = x.dtype == .float32 ? x : try backend.cast(x, to: .float32)
        let next = try backend.add(x32, try backend.affine(v, scale: scalar(dt, as: v.dtype), offset: 0))  // [B, C, F, H, W]
        stepIndex += 1
        return next.dtype == v.dtype ? next : try backend.cast(next, to: v.dtype)
    }
}
