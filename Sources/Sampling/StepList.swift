/// An explicit list of steps, as the few-step (distilled) Wan models were trained with, instead of a
/// step count spread over the scheduler's grid (docs/few-step.md, "Timestep lists"). The three
/// cases are the three conventions their reference code uses; each gives, per step, the noise level
/// σ and the timestep the transformer sees.
public enum StepList: Sendable, Equatable {
    /// Timesteps used as given (CausVid, FastWan: `warp_denoising_step: false`): the transformer sees
    /// each value t, and σ is the noise level of the grid point nearest to t on the run's shifted
    /// 1000-point training grid (σᵢ = shift·sᵢ/(1 + (shift − 1)·sᵢ), sᵢ = 1 − i/1000), so
    /// 757 with shift 8 is σ ≈ 0.757.
    case timesteps([Double])
    /// Whole timesteps that index the shifted training grid (Self-Forcing, lightx2v:
    /// `warp_denoising_step: true`): σ is the grid's point 1000 − t, that is shift·s/(1 + (shift − 1)·s)
    /// with s = t/1000, and the transformer sees 1000·σ, so `1000,750,500,250` with shift 5 is
    /// t = 1000, 937.5, 833.3, 625.
    case warpedTimesteps([Double])
    /// Noise levels σ in (0, 1] (rCM); the transformer sees 1000·σ and the shift plays no part.
    case sigmas([Double])

    /// The values as given.
    public var values: [Double] {
        switch self {
        case .timesteps(let values), .warpedTimesteps(let values), .sigmas(let values): return values
        }
    }

    /// The number of steps.
    public var count: Int { values.count }

    /// The most steps a list may hold (a 1000-step grid has no more distinct points).
    public static let maximumCount = 1000

    /// The largest value an entry may take: 1000 for timesteps, 1 for sigmas.
    public var largest: Double {
        if case .sigmas = self { return 1 }
        return 1000
    }

    /// What the list is called in messages.
    public var name: String {
        switch self {
        case .timesteps: return "timesteps"
        case .warpedTimesteps: return "warped timesteps"
        case .sigmas: return "sigmas"
        }
    }

    /// Throws ``SamplingError/invalidInput(_:)`` unless the list holds 1 to ``maximumCount``
    /// finite values in (0, ``largest``], each below the one before.
    public func validate() throws {
        let values = values
        guard !values.isEmpty, values.count <= Self.maximumCount else {
            throw SamplingError.invalidInput("a list of \(name) must hold 1 to \(Self.maximumCount) values, not \(values.count)")
        }
        if let bad = values.first(where: { !($0.isFinite && $0 > 0 && $0 <= largest) }) {
            throw SamplingError.invalidInput("\(name) must lie in (0, \(Self.format(largest))], not \(Self.format(bad))")
        }
        if case .warpedTimesteps = self, let bad = values.first(where: { $0 != $0.rounded() }) {
            throw SamplingError.invalidInput("warped timesteps index the 1000-point grid and must be whole numbers, not \(Self.format(bad))")
        }
        if let i = values.indices.dropLast().first(where: { values[$0] <= values[$0 + 1] }) {
            throw SamplingError.invalidInput(
                "\(name) must be strictly decreasing: \(Self.format(values[i + 1])) follows \(Self.format(values[i]))")
        }
    }

    /// "1000", "937.5".
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
