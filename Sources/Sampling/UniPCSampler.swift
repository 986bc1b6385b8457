#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor

/// diffusers' `UniPCMultistepScheduler` in its flow form (`prediction_type` flow_prediction,
/// `use_flow_sigmas`, `predict_x0`, bh2, solver order 1 or 2): the UniC corrector followed by the
/// UniP predictor at every step, one model output at a time (docs/wan-reference.md §5.1).
///
/// Step i, with α(σ) = 1 − σ and λ(σ) = ln α − ln σ:
/// 1. m_i = x − σ_i·v, the x₀ prediction. For a bf16 v, diffusers' `sigma_t * model_output` rounds
///    the 0-dim float32 σ to bf16 and the product to bf16; the difference is float32.
/// 2. From step 1 on (unless step i − 1 is in `disable_corrector`), the corrector of the previous
///    predictor's order replaces x with a refined sample, using m_i.
/// 3. The predictor of order p (1 first, 2 in the middle, 1 last with `lower_order_final`) gives
///    the next sample. With a zero final sigma the last step returns m exactly: λ = +∞ makes
///    φ = B(h) = −1 and σ_next/σ = 0, which IEEE arithmetic reproduces without a special case.
///
/// Scalars are float32, as diffusers computes them on 0-dim float32 tensors; each tensor expression
/// is evaluated in diffusers' order, one rounding per operation.
public struct UniPCSampler: FlowSampler {
    public let schedule: FlowSchedule
    public private(set) var stepIndex: Int
    /// The step the sampler started at (0, or later for a run that starts part-way, as a remix does).
    public let startIndex: Int
    /// The predictor order used by the last step (0 before the first step).
    public private(set) var lastOrder = 0

    private let config: SchedulerConfig
    /// λ(σ_k) for every sigma of the schedule (+∞ for σ = 0).
    private let lambdas: [Float]
    /// The converted outputs m of the last `solverOrder` steps, oldest first.
    private var outputs: [Tensor] = []
    /// The sample the last predictor started from (after its correction), for the next corrector.
    private var lastSample: Tensor?

    /// A sampler for `steps` steps of `config` (which must be a UniPC config), starting at step
    /// `start` of the schedule with an empty history (diffusers' video-to-video: the first step index
    /// is found from the timestep and `lower_order_nums` counts from 0). Throws ``SamplingError``.
    public init(config: SchedulerConfig, steps: Int, startingAt start: Int = 0) throws {
        guard config.kind == .unipc else {
            throw SamplingError.invalidConfig(file: nil, field: "_class_name",
                                              detail: "is \(config.kind.diffusersClassName), not UniPCMultistepScheduler")
        }
        self.config = config
        schedule = try FlowSchedule(config: config, steps: steps)
        lambdas = schedule.sigmas.map { sigma in logf(1 - sigma) - logf(sigma) }
        guard start >= 0, start < steps else { throw SamplingError.invalidInput("a \(steps)-step run cannot start at step \(start)") }
        (stepIndex, startIndex) = (start, start)
    }

    /// The predictor order of step `i` of `steps`: `solverOrder`, lowered to N − i near the end with
    /// `lowerOrderFinal`, and to (steps taken) + 1 while too few outputs exist (diffusers' warm-up);
    /// `taken` is i for a run that starts at step 0.
    public static func predictorOrder(step i: Int, steps: Int, solverOrder: Int, lowerOrderFinal: Bool, taken: Int? = nil) -> Int {
        let order = lowerOrderFinal ? min(solverOrder, steps - i) : solverOrder
        return min(order, min(taken ?? i, solverOrder) + 1)
    }

    public mutating func step(modelOutput v: Tensor, sample x: Tensor, on backend: any Backend) throws -> Tensor {
        try checkStep(v, x)
        let i = stepIndex
        // m_i = x − σ_i·v, the product in v's dtype with σ rounded to it first.
        let sigmaV = try backend.affine(v, scale: scalar(schedule.sigmas[i], as: v.dtype), offset: 0)  // [B, C, F, H, W]
        let m = try backend.sub(x, sigmaV)  // [B, C, F, H, W]
        var x = x
        if i > startIndex, let last = lastSample, !config.disableCorrector.contains(i - 1) {
            x = try correct(last, current: m, order: lastOrder, on: backend)
        }
        let history = Array((outputs + [m]).suffix(config.solverOrder))
        let order = UniPCSampler.predictorOrder(
            step: i, steps: schedule.steps, solverOrder: config.solverOrder, lowerOrderFinal: config.lowerOrderFinal,
            taken: i - startIndex)
        let next = try predict(x, history: history, order: order, on: backend)
        // The state changes only once the step has succeeded.
        (outputs, lastSample, lastOrder) = (history, x, order)
        stepIndex += 1
        return next
    }

    /// UniP (multistep_uni_p_bh_update) from σ_i to σ_{i+1}; `history` ends with m_i.
    private func predict(_ x: Tensor, history outputs: [Tensor], order: Int, on backend: any Backend) throws -> Tensor {
        let i = stepIndex
        let m0 = outputs[outputs.count - 1]
        let (sigmaT, sigmaS0) = (schedule.sigmas[i + 1], schedule.sigmas[i])
        let alphaT: Float = 1 - sigmaT
        let h = lambdas[i + 1] - lambdas[i]
        let hh = -h
        let phi = expm1f(hh)
        let bh = expm1f(hh)  // bh2: B(h) = e^{−h} − 1
        // x_t_ = σ_t/σ_s0·x − α_t·φ·m0.
        let base = try backend.sub(try backend.affine(x, scale: sigmaT / sigmaS0, offset: 0),
                                   try backend.affine(m0, scale: alphaT * phi, offset: 0))  // [B, C, F, H, W]
        guard order == 2 else { return base }  // − α_t·B(h)·0
        let rk = (lambdas[i - 1] - lambdas[i]) / h
        let d1 = try divide(try backend.sub(outputs[outputs.count - 2], m0), by: rk, on: backend)
        // ρ = 0.5 for order 2; scaling by 0.5 is exact, so 0.5·D1 and α_t·B(h) fold into one scale.
        return try backend.sub(base, try backend.affine(d1, scale: 0.5 * (alphaT * bh), offset: 0))
    }

    /// UniC (multistep_uni_c_bh_update) of the sample taken from σ_{i−1} to σ_i with a predictor of
    /// `order`: `last` is x_{i−1}, `current` is m_i, `outputs` still ends with m_{i−1}.
    private func correct(_ last: Tensor, current m: Tensor, order: Int, on backend: any Backend) throws -> Tensor {
        let i = stepIndex
        let m0 = outputs[outputs.count - 1]
        let (sigmaT, sigmaS0) = (schedule.sigmas[i], schedule.sigmas[i - 1])
        let alphaT: Float = 1 - sigmaT
        let h = lambdas[i] - lambdas[i - 1]
        let hh = -h
        let phi = expm1f(hh)
        let bh = expm1f(hh)
        let base = try backend.sub(try backend.affine(last, scale: sigmaT / sigmaS0, offset: 0),
                                   try backend.affine(m0, scale: alphaT * phi, offset: 0))  // [B, C, F, H, W]
        let d1t = try backend.sub(m, m0)  // [B, C, F, H, W]
        var residual: Tensor
        if order == 1 {
            residual = try backend.affine(d1t, scale: 0.5, offset: 0)  // ρ = 0.5
        } else {
            let rk = (lambdas[i - 2] - lambdas[i - 1]) / h
            let d1 = try divide(try backend.sub(outputs[outputs.count - 2], m0), by: rk, on: backend)
            let rho = UniPCSampler.correctorWeights(rk: rk, hh: hh, phi: phi, bh: bh)
            residual = try backend.add(try backend.affine(d1, scale: rho.0, offset: 0),
                                       try backend.affine(d1t, scale: rho.1, offset: 0))
        }
        return try backend.sub(base, try backend.affine(residual, scale: alphaT * bh, offset: 0))
    }

    /// The order-2 corrector weights: the solution ρ of [[1, 1], [rk, 1]]·ρ = [b₁, b₂] with
    /// b₁ = (φ/hh − 1)/B and b₂ = 2·((φ/hh − 1)/hh − 1/2)/B, in float32. torch.linalg.solve hands
    /// LAPACK the transposed layout, whose first column (1, 1) never pivots, and the triangular solve
    /// multiplies by the pivot's reciprocal: this order of operations matched diffusers' ρ bit for
    /// bit on all 192 order-2 corrector steps of 50-step schedules with shifts 1, 3, 5 and 7.3.
    static func correctorWeights(rk: Float, hh: Float, phi: Float, bh: Float) -> (Float, Float) {
        var hPhiK = phi / hh - 1
        let b1 = hPhiK * 1 / bh
        hPhiK = hPhiK / hh - 0.5
        let b2 = hPhiK * 2 / bh
        let rho1 = (b2 - rk * b1) * (1 / (1 - rk))
        return (b1 - rho1, rho1)
    }

    /// `t / divisor` with the divisor as a tensor, in `t`'s dtype.
    private func divide(_ t: Tensor, by divisor: Float, on backend: any Backend) throws -> Tensor {
        let quotient = try backend.div(t, try scalarTensor(divisor, on: backend))
        return quotient.dtype == t.dtype ? quotient : try backend.cast(quotient, to: t.dtype)
    }
}
