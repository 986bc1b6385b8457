import CPUBackend
import Pipelines
import Sampling
import Tensor
import Testing

/// NaN and infinity never reach the decoder (issue 20): noise from a file is checked before the run,
/// and the latents after every denoising step; either stops with a ``GenerationError`` naming where.
@Suite struct NonFiniteTests {
    /// A velocity model that answers `value` everywhere.
    struct Constant: VelocityModel {
        let value: Float
        func velocity(_ x: Tensor, at step: DenoiseStepContext, on backend: any Backend) throws -> Tensor {
            Tensor(filling: value, shape: x.shape)
        }
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func noiseHoldingNaNOrInfinityIsRefused(_ bad: Float) throws {
        let request = try GenerationRequest(prompt: "a", width: 48, height: 32, frames: 5).validated()
        var values = [Float](repeating: 0.5, count: 1 * 16 * 2 * 4 * 6)
        try request.check(noise: try Tensor(values, shape: request.latentShape))
        values[7] = bad
        let error = #expect(throws: GenerationError.self) {
            try request.check(noise: try Tensor(values, shape: request.latentShape), from: "noise.safetensors")
        }
        #expect(error == .invalidNoise("noise.safetensors holds \(bad) at element 7; noise must be finite numbers"))
    }

    @Test(arguments: [SamplerKind.unipc, .euler])
    func aStepThatLeavesInfinityStopsTheLoop(_ kind: SamplerKind) throws {
        let backend = CPUBackend()
        let start = Tensor(filling: 0.5, shape: [1, 4, 1, 2, 2])
        let sampler = try SchedulerConfig(kind: kind).makeSampler(steps: 2)
        var loop = DenoiseLoop(model: Constant(value: .infinity), sampler: sampler, latents: start)
        let error = #expect(throws: GenerationError.self) { try loop.next(on: backend) }
        guard case .nonFinite(let reason) = error else {
            Issue.record("expected a non-finite error, got \(String(describing: error))")
            return
        }
        #expect(reason.hasPrefix("step 1 of 2 (sigma "), "\(reason)")
        #expect(error?.description.hasSuffix("in the latents; nothing was decoded") == true)

        var finite = DenoiseLoop(model: Constant(value: 0.25), sampler: try SchedulerConfig(kind: kind).makeSampler(steps: 2),
                                 latents: start)
        while let step = try finite.next(on: backend) { #expect(step.latents.floats().allSatisfy { $0.isFinite }) }
    }
}
