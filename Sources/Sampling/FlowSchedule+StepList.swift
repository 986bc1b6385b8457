extension FlowSchedule {
    /// The schedule of an explicit step list (docs/few-step.md): N sigmas and timesteps from `list`
    /// plus a final σ = 0, for the Euler or the renoise sampler (UniPC keeps its own grid). `shift`
    /// warps ``StepList/warpedTimesteps(_:)`` and shapes the grid that ``StepList/timesteps(_:)``
    /// snap to; `trainTimesteps` is the grid's length (1000 for Wan).
    ///
    /// The sigmas of timesteps, warped or not, are points of the distilled models' training grid
    /// (``trainingGrid(shift:count:)``), as their reference code looks them up; the timesteps of
    /// warped lists and sigmas are 1000·σ in float32. Throws ``SamplingError`` for an invalid list, for UniPC, and when
    /// two entries give the same σ.
    public init(kind: SamplerKind, list: StepList, shift: Double, trainTimesteps: Int = 1000) throws {
        guard kind != .unipc else {
            throw SamplingError.invalidInput("the unipc sampler keeps its own timesteps; use euler or renoise with a list of \(list.name)")
        }
        try list.validate()
        guard SchedulerConfig.shiftRange.contains(shift) else {
            throw SamplingError.invalidConfig(file: nil, field: "shift", detail: SchedulerConfig.shiftDetail(shift))
        }
        let train = Float(trainTimesteps)
        let sigmas: [Float], timesteps: [Float]
        switch list {
        case .warpedTimesteps(let values):
            let grid = FlowSchedule.trainingGrid(shift: shift, count: trainTimesteps)
            var looked: [Float] = []
            for value in values {
                // The grid holds points 0 ..< T (σ = 1 down to the shift of 1/T): t = 1 ... T.
                guard let t = Int(exactly: value), t >= 1, t <= trainTimesteps else {
                    throw SamplingError.invalidInput("warped timestep \(StepList.format(value)) is not a point 1 to \(trainTimesteps) of the grid")
                }
                looked.append(grid.sigmas[trainTimesteps - t])
            }
            sigmas = looked
            timesteps = sigmas.map { $0 * train }
        case .sigmas(let values):
            sigmas = values.map { Float($0) }
            timesteps = sigmas.map { $0 * train }
        case .timesteps(let values):
            let grid = FlowSchedule.trainingGrid(shift: shift, count: trainTimesteps)
            timesteps = values.map { Float($0) }
            sigmas = timesteps.map { grid.sigma(nearest: $0) }
        }
        if let i = sigmas.indices.dropLast().first(where: { sigmas[$0] <= sigmas[$0 + 1] }) {
            throw SamplingError.invalidInput(
                "\(list.name) \(StepList.format(list.values[i])) and \(StepList.format(list.values[i + 1])) give the same noise level \(sigmas[i]) with shift \(shift); leave more room between them")
        }
        self.kind = kind
        self.timesteps = timesteps
        self.sigmas = sigmas + [0]
    }

    /// `shift·s / (1 + (shift − 1)·s)` in float32 with the scalars rounded to float32 first, as NumPy
    /// and PyTorch evaluate it on a float32 array.
    static func shifted32(_ s: Float, by shift: Double) -> Float {
        let shift32 = Float(shift), shiftMinusOne32 = Float(shift - 1)
        let numerator = shift32 * s
        let denominator = 1 + shiftMinusOne32 * s
        return numerator / denominator
    }

    /// The training grid of the distilled models' reference scheduler (`FlowMatchScheduler(shift,
    /// sigma_min=0, extra_one_step=True).set_timesteps(1000)`): s = `torch.linspace(1, 0, 1001)[:-1]`
    /// in float32 (PyTorch's kernel: `start + i·step` for the first half, `end − (n − 1 − i)·step`
    /// for the second, each with one rounding), shifted, and t = 1000·σ.
    static func trainingGrid(shift: Double, count: Int) -> TrainingGrid {
        let n = count + 1
        let step = Double(Float(-1) / Float(count))
        let half = n / 2
        let raw = (0..<count).map { i -> Float in
            i < half ? Float(1 + Double(i) * step) : Float(0 - Double(n - 1 - i) * step)
        }
        let sigmas = raw.map { shifted32($0, by: shift) }
        return TrainingGrid(sigmas: sigmas, timesteps: sigmas.map { $0 * Float(count) })
    }
}

/// A shifted training grid: σ and t = T·σ per point, from σ = 1 down.
struct TrainingGrid {
    let sigmas: [Float]
    let timesteps: [Float]

    /// σ of the point whose timestep is nearest `t` (the first such point on a tie, as `argmin` picks).
    func sigma(nearest t: Float) -> Float {
        var best = 0, distance = Float.infinity
        for (i, point) in timesteps.enumerated() where abs(point - t) < distance {
            (best, distance) = (i, abs(point - t))
        }
        return sigmas[best]
    }
}
