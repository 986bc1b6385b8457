#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Sampling

/// The sampler settings a published few-step (step- and guidance-distilled) Wan model was trained to
/// run with: steps, the step list, the shift, the guidance and the update rule, taken from its
/// reference inference code (docs/few-step.md lists the files each preset is for).
///
/// A preset is a table the CLI and library callers read, not a request field: ``applied(to:)`` fills
/// in what a request leaves out, so the request that runs states every setting it runs with (and a
/// setting the caller gave explicitly wins over the preset).
public struct SamplingPreset: Sendable, Equatable {
    /// The name a user types (`--preset self-forcing`).
    public let name: String
    /// The step list per step count the model supports; the first is the default.
    public let lists: [StepList]
    /// The flow shift.
    public let shift: Double
    /// The guidance scale (1: off, one transformer call per step).
    public let guidance: Double
    /// The update rule.
    public let sampler: SamplerKind

    /// The default step count.
    public var steps: Int { lists.first?.count ?? 0 }

    /// The presets, by name.
    public static let all: [SamplingPreset] = [
        // Self-Forcing DMD (configs self_forcing_dmd.yaml): warped 1000,750,500,250 with shift 5, x₀ + fresh noise.
        SamplingPreset(name: "self-forcing", lists: [.warpedTimesteps([1000, 750, 500, 250])], shift: 5, guidance: 1,
                       sampler: .renoise),
        // CausVid bidirectional DMD (wan_bidirectional_dmd_from_scratch.yaml): raw 1000,757,522 on the shift-8 grid.
        SamplingPreset(name: "causvid", lists: [.timesteps([1000, 757, 522])], shift: 8, guidance: 1, sampler: .renoise),
        // LightX2V step+CFG distill (wan_t2v_distill_*_4step_cfg.json): warped list, shift 5, Euler.
        SamplingPreset(name: "lightx2v", lists: [.warpedTimesteps([1000, 750, 500, 250])], shift: 5, guidance: 1,
                       sampler: .euler),
        // FastWan2.1 (FastWan2_1_T2V_480P_Config): dmd_denoising_steps 1000,757,522, flow_shift 8.
        SamplingPreset(name: "fastwan", lists: [.timesteps([1000, 757, 522])], shift: 8, guidance: 1, sampler: .renoise),
        // rCM (wan2pt1_t2v_rcm_infer.py): TrigFlow times atan(80), 1.5, 1.4, 1.0 as σ = sin/(cos + sin), 1 to 4 steps.
        SamplingPreset(name: "rcm", lists: [4, 1, 2, 3].map { .sigmas(rcmSigmas(steps: $0)) }, shift: 1, guidance: 1,
                       sampler: .renoise),
    ]

    /// The preset called `name`. Throws ``GenerationError/invalidRequest(_:)`` naming the presets.
    public static func named(_ name: String) throws -> SamplingPreset {
        guard let preset = all.first(where: { $0.name == name }) else {
            throw GenerationError.invalidRequest(
                "unknown preset \"\(name)\"; use \(all.map(\.name).joined(separator: ", "))")
        }
        return preset
    }

    /// `request` with this preset's settings wherever it left them out. A request with its own list
    /// keeps it; one with `steps` gets the preset's list of that length, and an error when the
    /// model has none. Throws ``GenerationError/invalidRequest(_:)``.
    public func applied(to request: GenerationRequest) throws -> GenerationRequest {
        var request = request
        if request.timesteps == nil {
            let steps = request.steps ?? self.steps
            guard let list = lists.first(where: { $0.count == steps }) else {
                let counts = lists.map(\.count).sorted().map(String.init).joined(separator: ", ")
                throw GenerationError.invalidRequest(
                    "preset \(name) has step lists for \(counts) steps, not \(steps); give the list itself to run another count")
            }
            request.timesteps = list
        }
        request.shift = request.shift ?? shift
        request.guidance = request.guidance ?? guidance
        request.sampler = request.sampler ?? sampler.rawValue
        return request
    }

    /// rCM's noise levels for 1 to 4 steps: TrigFlow times `[atan(80), 1.5, 1.4, 1.0][:steps]`, each
    /// converted to σ = sin t / (cos t + sin t) (in float64, as the reference does).
    static func rcmSigmas(steps: Int) -> [Double] {
        let times = Array(([atan(80.0), 1.5, 1.4, 1.0] as [Double]).prefix(steps))
        return times.map { sin($0) / (cos($0) + sin($0)) }
    }
}
