import Tensor

extension SchedulerConfig: Decodable {
    enum CodingKeys: String, CodingKey {
        case className = "_class_name", trainTimesteps = "num_train_timesteps", flowShift = "flow_shift", shift
        case solverOrder = "solver_order", lowerOrderFinal = "lower_order_final", disableCorrector = "disable_corrector"
        case finalSigmasType = "final_sigmas_type", predictionType = "prediction_type", useFlowSigmas = "use_flow_sigmas"
        case predictX0 = "predict_x0", thresholding, useKarrasSigmas = "use_karras_sigmas"
        case useExponentialSigmas = "use_exponential_sigmas", useBetaSigmas = "use_beta_sigmas"
        case useDynamicShifting = "use_dynamic_shifting", shiftTerminal = "shift_terminal", solverP = "solver_p"
        case solverType = "solver_type", invertSigmas = "invert_sigmas", stochasticSampling = "stochastic_sampling"
    }

    /// Decodes a diffusers `scheduler_config.json` without validating the ranges. Absent or `null`
    /// fields take the class defaults of diffusers 0.42 (so a UniPC config must say `prediction_type`
    /// `"flow_prediction"` and `use_flow_sigmas` true, as the Wan folders do); settings this port does
    /// not reproduce are refused by name.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let className = try c.decodeIfPresent(String.self, forKey: .className) else {
            throw c.invalidValue(forKey: .className, "is missing, so the scheduler class is unknown")
        }
        switch className {
        case SamplerKind.unipc.diffusersClassName: self = try SchedulerConfig.uniPC(c)
        case SamplerKind.euler.diffusersClassName: self = try SchedulerConfig.euler(c)
        default:
            throw c.invalidValue(forKey: .className, "\"\(className)\" is not supported; only UniPCMultistepScheduler "
                                 + "(flow sigmas) and FlowMatchEulerDiscreteScheduler are")
        }
    }

    private typealias Container = KeyedDecodingContainer<CodingKeys>

    private static func uniPC(_ c: Container) throws -> SchedulerConfig {
        // Class defaults of UniPCMultistepScheduler.__init__ where a field is absent.
        let prediction = try c.decodeIfPresent(forKey: .predictionType, default: "epsilon")
        guard prediction == "flow_prediction" else {
            throw c.invalidValue(forKey: .predictionType, "\"\(prediction)\" is not supported; only \"flow_prediction\" is")
        }
        try require(c, .useFlowSigmas, equals: true, default: false,
                    because: "only flow sigmas are implemented (the Wan folders set it)")
        try require(c, .predictX0, equals: true, default: true, because: "flow prediction needs the x₀ form")
        try require(c, .thresholding, equals: false, default: false, because: "thresholding is not implemented")
        for key in [CodingKeys.useKarrasSigmas, .useExponentialSigmas, .useBetaSigmas] {
            try require(c, key, equals: false, default: false, because: "only flow sigmas are implemented")
        }
        try require(c, .useDynamicShifting, equals: false, default: false,
                    because: "resolution-dependent shifting is not implemented; set a fixed flow_shift")
        try requireNullOrZero(c, .shiftTerminal)
        if try c.decodeIfPresent(JSONValue.self, forKey: .solverP) != nil {
            throw c.invalidValue(forKey: .solverP, "is not supported (UniPC's own predictor is the only one implemented)")
        }
        let solverType = try c.decodeIfPresent(forKey: .solverType, default: "bh2")
        // diffusers maps the DPM-Solver names to bh2 and implements bh1 and bh2.
        guard ["bh2", "midpoint", "heun", "logrho"].contains(solverType) else {
            throw c.invalidValue(forKey: .solverType, "\"\(solverType)\" is not supported; only \"bh2\" is "
                                 + "(bh1 returns NaN at a zero final sigma in diffusers)")
        }
        let finalName = try c.decodeIfPresent(forKey: .finalSigmasType, default: "zero")
        guard let finalSigma = FinalSigma(rawValue: finalName) else {
            throw c.invalidValue(forKey: .finalSigmasType,
                                 "\"\(finalName)\" is not supported; only \"zero\" and \"sigma_min\" are")
        }
        let disableCorrector: [Int]
        do { disableCorrector = try c.decodeIfPresent(forKey: .disableCorrector, default: []) } catch is DecodingError {
            throw c.mismatch(forKey: .disableCorrector, expected: "a list of whole numbers")
        }
        return SchedulerConfig(
            kind: .unipc, shift: try c.decodeIfPresent(forKey: .flowShift, default: 1.0),
            trainTimesteps: try c.decodeIfPresent(forKey: .trainTimesteps, default: 1000),
            solverOrder: try c.decodeIfPresent(forKey: .solverOrder, default: 2),
            lowerOrderFinal: try c.decodeIfPresent(forKey: .lowerOrderFinal, default: true),
            disableCorrector: disableCorrector, finalSigma: finalSigma)
    }

    private static func euler(_ c: Container) throws -> SchedulerConfig {
        try require(c, .useDynamicShifting, equals: false, default: false,
                    because: "resolution-dependent shifting is not implemented; set a fixed shift")
        for key in [CodingKeys.useKarrasSigmas, .useExponentialSigmas, .useBetaSigmas] {
            try require(c, key, equals: false, default: false, because: "only shifted flow sigmas are implemented")
        }
        try require(c, .invertSigmas, equals: false, default: false, because: "inverted sigmas are not implemented")
        try require(c, .stochasticSampling, equals: false, default: false,
                    because: "stochastic sampling is not implemented")
        try requireNullOrZero(c, .shiftTerminal)
        return SchedulerConfig(kind: .euler, shift: try c.decodeIfPresent(forKey: .shift, default: 1.0),
                               trainTimesteps: try c.decodeIfPresent(forKey: .trainTimesteps, default: 1000))
    }

    /// Throws unless the flag (or its class default when absent or null) equals `expected`.
    private static func require(_ c: Container, _ key: CodingKeys, equals expected: Bool, default defaultValue: Bool,
                                because reason: String) throws {
        let actual = try c.decodeIfPresent(forKey: key, default: defaultValue)
        guard actual == expected else { throw c.invalidValue(forKey: key, "\(actual) is not supported: \(reason)") }
    }

    /// Throws unless the field is absent, null or 0 (diffusers tests it for truth).
    private static func requireNullOrZero(_ c: Container, _ key: CodingKeys) throws {
        guard let value = try c.decodeIfPresent(JSONValue.self, forKey: key), value.doubleValue != 0 else { return }
        throw c.invalidValue(forKey: key, "\(value.shortDescription) is not supported: "
                             + "stretching the schedule to a terminal value is not implemented")
    }
}
