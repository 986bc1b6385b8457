/// The noise levels of one sampling run, computed exactly as diffusers' `set_timesteps(N)` does
/// (docs/wan-reference.md §4): in float64 as NumPy would, then rounded to float32.
///
/// - UniPC: s = linspace(1, 1/T, N + 1)[:N]; σ = shift·s / (1 + (shift − 1)·s); σ₀ −= 1e-6 when it
///   is within 1e-6 of 1; timesteps = trunc(σ·T) (integers); sigmas = float32([σ…, 0]).
/// - Euler: the shift is applied twice: once, in float32, to the 1000-entry training grid that gives
///   σ_max and σ_min, and again, in float64, to s = linspace(σ_max·T, σ_min·T, N)/T; sigmas are
///   rounded to float32 and the timesteps are float32 σ·T (not integers).
public struct FlowSchedule: Sendable, Equatable {
    /// The sampler the schedule belongs to.
    public let kind: SamplerKind
    /// The N timesteps the transformer sees, one per step: integers for UniPC, float32 for Euler.
    public let timesteps: [Float]
    /// The N + 1 sigmas, float32; the last is 0 (or, for UniPC with `sigma_min`, the last σ again).
    public let sigmas: [Float]

    /// The number of steps, N.
    public var steps: Int { timesteps.count }

    /// The schedule for `steps` inference steps. Throws ``SamplingError`` for fewer than one step or
    /// an invalid config.
    public init(config: SchedulerConfig, steps: Int) throws {
        try config.validate()
        guard steps >= 1 else { throw SamplingError.invalidStepCount(steps) }
        kind = config.kind
        switch config.kind {
        case .unipc: (timesteps, sigmas) = FlowSchedule.uniPC(config, steps: steps)
        case .euler, .renoise: (timesteps, sigmas) = FlowSchedule.euler(config, steps: steps)
        }
        // The samplers divide by differences of these: each of the N step sigmas must be finite and
        // below the one before (the last, N + 1st, may repeat the Nth: UniPC's sigma_min).
        let stepSigmas = sigmas.dropLast()
        let decreasing = zip(stepSigmas, stepSigmas.dropFirst()).allSatisfy { $0 > $1 }
        guard sigmas.allSatisfy(\.isFinite), timesteps.allSatisfy(\.isFinite), decreasing,
              let last = sigmas.last, let lastStep = stepSigmas.last, last <= lastStep, last >= 0 else {
            throw SamplingError.invalidConfig(
                file: nil, field: config.kind == .unipc ? "flow_shift" : "shift",
                detail: "\(config.shift) gives \(steps) steps whose sigmas are not finite and strictly decreasing")
        }
    }

    /// UniPCMultistepScheduler.set_timesteps, `use_flow_sigmas` branch.
    private static func uniPC(_ config: SchedulerConfig, steps: Int) -> ([Float], [Float]) {
        let train = Double(config.trainTimesteps)
        var sigmas = Array(linspace(1.0, 1.0 / train, count: steps + 1).prefix(steps))
        sigmas = sigmas.map { shifted($0, by: config.shift) }
        let eps = 1e-6
        if abs(sigmas[0] - 1) < eps { sigmas[0] -= eps }
        // np.float64 → torch.int64 truncates toward zero.
        let timesteps = sigmas.map { Float(Int64(($0 * train).rounded(.towardZero))) }
        let last = config.finalSigma == .zero ? 0 : sigmas[steps - 1]
        return (timesteps, (sigmas + [last]).map { Float($0) })
    }

    /// FlowMatchEulerDiscreteScheduler.__init__ and set_timesteps (no dynamic shifting).
    private static func euler(_ config: SchedulerConfig, steps: Int) -> ([Float], [Float]) {
        let train = config.trainTimesteps
        // __init__, in float32 torch: the training grid's ends t = T and t = 1, shifted once. The
        // Python scalars shift and shift − 1 are rounded to float32 when they meet the tensor.
        let shift32 = Float(config.shift), shiftMinusOne32 = Float(config.shift - 1)
        func shifted32(_ t: Float) -> Float {
            let s = t / Float(train)
            return (shift32 * s) / (1 + shiftMinusOne32 * s)
        }
        let sigmaMax = Double(shifted32(Float(train))), sigmaMin = Double(shifted32(1))
        // set_timesteps, in float64 NumPy: the shift is applied again.
        let grid = linspace(sigmaMax * Double(train), sigmaMin * Double(train), count: steps)
        let sigmas = grid.map { Float(shifted($0 / Double(train), by: config.shift)) }
        let timesteps = sigmas.map { $0 * Float(train) }
        return (timesteps, sigmas + [0])
    }
}

/// `shift·s / (1 + (shift − 1)·s)`, evaluated in NumPy's order.
func shifted(_ s: Double, by shift: Double) -> Double {
    let numerator = shift * s
    let denominator = 1 + (shift - 1) * s
    return numerator / denominator
}

/// `numpy.linspace(start, stop, count)` (endpoint included): `k·step + start` with
/// `step = (stop − start)/(count − 1)`, the last entry set to `stop`.
func linspace(_ start: Double, _ stop: Double, count: Int) -> [Double] {
    guard count > 1 else { return count == 1 ? [start] : [] }
    let delta = stop - start
    let divisions = Double(count - 1)
    let step = delta / divisions
    var values = (0..<count).map { k -> Double in
        // NumPy divides first when the step underflows to zero (gh-5437).
        let scaled = step == 0 ? Double(k) / divisions * delta : Double(k) * step
        return scaled + start
    }
    values[count - 1] = stop
    return values
}
