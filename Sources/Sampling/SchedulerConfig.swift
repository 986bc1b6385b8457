import Tensor

/// Which flow-matching sampler a pipeline runs.
public enum SamplerKind: String, Sendable, CaseIterable {
    /// diffusers' `UniPCMultistepScheduler` with flow sigmas (bh2): the sampler of the Wan 2.1 folders.
    case unipc
    /// diffusers' `FlowMatchEulerDiscreteScheduler`.
    case euler
    /// x₀ prediction then re-noising with fresh noise (DMD / consistency sampling: Self-Forcing,
    /// CausVid, FastWan, rCM; ``RenoiseSampler``), on the Euler schedule or an explicit step list.
    case renoise

    /// The diffusers class that implements this sampler (for renoise, the class whose schedule it
    /// follows; diffusers has no renoise update).
    public var diffusersClassName: String {
        switch self {
        case .unipc: return "UniPCMultistepScheduler"
        case .euler, .renoise: return "FlowMatchEulerDiscreteScheduler"
        }
    }
}

/// The last sigma of a UniPC schedule (diffusers' `final_sigmas_type`).
public enum FinalSigma: String, Sendable, CaseIterable {
    /// 0: the last step returns the model's x₀ prediction.
    case zero
    /// The schedule's last sigma repeated: the last step returns the corrected sample.
    case sigmaMin = "sigma_min"
}

/// The settings of a flow-matching sampler, read from a diffusers `scheduler/scheduler_config.json`.
///
/// Only the flow-matching paths of the two diffusers classes are implemented. Settings that change
/// the numbers in a way this port does not reproduce (another prediction type, Karras / exponential /
/// beta sigmas, dynamic shifting, thresholding, `solver_type` bh1, solver order 3 and up, ...) are
/// refused with a ``SamplingError/invalidConfig(file:field:detail:)`` naming the field. Fields that
/// the flow path never reads (`beta_*`, `timestep_spacing`, `steps_offset`, ...) are ignored.
///
/// The UniPC fields are kept for an Euler config too (at the Wan 2.1 values), so that
/// ``overriding(sampler:shift:)`` can switch a folder's Euler config to UniPC and back.
public struct SchedulerConfig: Sendable, Equatable {
    /// The sampler (`_class_name`).
    public var kind: SamplerKind
    /// `num_train_timesteps`: the training schedule's length; timesteps are σ times this.
    public var trainTimesteps: Int
    /// `flow_shift` (UniPC) or `shift` (Euler): σ ↦ shift·σ / (1 + (shift − 1)·σ).
    public var shift: Double
    /// UniPC `solver_order`: 1 or 2.
    public var solverOrder: Int
    /// UniPC `lower_order_final`: order 1 for the last step.
    public var lowerOrderFinal: Bool
    /// UniPC `disable_corrector`: the steps i whose corrector (applied at step i + 1) is skipped.
    public var disableCorrector: [Int]
    /// UniPC `final_sigmas_type`.
    public var finalSigma: FinalSigma

    /// A configuration; the defaults are those of the Wan 2.1 diffusers folders (UniPC, bh2, order 2,
    /// flow shift 3, 1000 training timesteps, lower-order final step, no disabled correctors, final
    /// sigma 0). Call ``validate()`` (the samplers do) before use.
    public init(kind: SamplerKind = .unipc, shift: Double = 3.0, trainTimesteps: Int = 1000, solverOrder: Int = 2,
                lowerOrderFinal: Bool = true, disableCorrector: [Int] = [], finalSigma: FinalSigma = .zero) {
        self.kind = kind
        self.shift = shift
        self.trainTimesteps = trainTimesteps
        self.solverOrder = solverOrder
        self.lowerOrderFinal = lowerOrderFinal
        self.disableCorrector = disableCorrector
        self.finalSigma = finalSigma
    }

    /// The scheduler of the Wan 2.1 diffusers folders (UniPC, flow shift 3).
    public static let wan21 = SchedulerConfig()

    /// The flow shifts this port takes. Wan uses 3 (480p) and 5 (720p), other flow-matching video
    /// models up to about 17, so 100 leaves room above them all. A shift below 1 crowds the steps at
    /// low noise; far below (1e-17) every shifted σ but the first underflows to nearly 0, so UniPC
    /// divides by a zero step and Euler jumps to a sample that was never denoised. From 0.01 up, the
    /// sigmas of up to 1000 steps stay normal float32 values, each below the one before
    /// (``FlowSchedule`` checks that they do).
    public static let shiftRange: ClosedRange<Double> = 0.01...100

    /// The largest `num_train_timesteps` (Wan and every diffusers flow scheduler: 1000).
    public static let largestTrainTimesteps = 1_000_000

    /// Reads a diffusers `scheduler_config.json` (see ``init(from:)``) and validates it. `file`
    /// names the file in errors. Throws ``SamplingError``.
    public init(json: JSONValue, file: String? = nil) throws {
        do {
            self = try JSONValueDecoder().decode(SchedulerConfig.self, from: json)
        } catch let error as DecodingError {
            let problem = ConfigFieldError(error)
            throw SamplingError.invalidConfig(file: file, field: problem.field, detail: problem.detail)
        }
        try validate(file: file)
    }

    /// Reads the `scheduler` component of a diffusers model folder. Throws ``SamplingError``.
    public init(component: ModelComponent) throws {
        guard let json = component.config else {
            throw SamplingError.invalidConfig(file: component.path ?? component.name, field: "scheduler_config.json",
                                              detail: "is missing from the scheduler folder")
        }
        try self.init(json: json, file: component.configPath)
    }

    /// This configuration with the sampler and/or the shift replaced (the CLI's `--sampler` and
    /// `--shift`); nil keeps the folder's value. Throws ``SamplingError`` for a shift outside
    /// ``shiftRange``.
    public func overriding(sampler: SamplerKind? = nil, shift: Double? = nil) throws -> SchedulerConfig {
        var config = self
        if let sampler { config.kind = sampler }
        if let shift {
            guard Self.shiftRange.contains(shift) else {
                throw SamplingError.invalidConfig(file: nil, field: "shift", detail: Self.shiftDetail(shift))
            }
            config.shift = shift
        }
        try config.validate()
        return config
    }

    /// "must be between 0.01 and 100, not 1e-17".
    static func shiftDetail(_ shift: Double) -> String {
        "must be between \(shiftRange.lowerBound) and \(shiftRange.upperBound), not \(shift)"
    }

    /// Checks the ranges of the fields (shift within ``shiftRange``, at least one training timestep,
    /// solver order 1 or 2, non-negative corrector steps). Throws ``SamplingError``.
    public func validate() throws { try validate(file: nil) }

    func validate(file: String?) throws {
        func fail(_ field: String, _ detail: String) -> SamplingError {
            .invalidConfig(file: file, field: field, detail: detail)
        }
        let shiftName = kind == .unipc ? "flow_shift" : "shift"
        guard Self.shiftRange.contains(shift) else { throw fail(shiftName, Self.shiftDetail(shift)) }
        guard (1...Self.largestTrainTimesteps).contains(trainTimesteps) else {
            throw fail("num_train_timesteps", "must be between 1 and \(Self.largestTrainTimesteps), not \(trainTimesteps)")
        }
        guard kind == .unipc else { return }
        guard (1...2).contains(solverOrder) else {
            throw fail("solver_order", "\(solverOrder) is not supported; only 1 and 2 are (Wan uses 2)")
        }
        if let step = disableCorrector.first(where: { $0 < 0 }) {
            throw fail("disable_corrector", "holds the negative step \(step)")
        }
        // With σ_N = 0 the step size is infinite; diffusers' order-2 final step then returns ±inf.
        if !lowerOrderFinal && solverOrder > 1 && finalSigma == .zero {
            throw fail("lower_order_final", "false is not supported with final_sigmas_type \"zero\": diffusers' "
                       + "order-2 last step divides by an infinite step and returns infinities")
        }
    }
}
