import Sampling
import Tensor

/// Where the denoise loop is when it asks a velocity model for its output.
public struct DenoiseStepContext: Sendable {
    /// The step's index in the whole schedule (a remix starts part-way).
    public let index: Int
    /// The timestep the transformer sees.
    public let timestep: Float
    /// The noise level σ of the current sample.
    public let sigma: Float
}

/// Something that predicts the flow velocity v ≈ ε − x₀ of a sample: the transformer itself, or a
/// strategy wrapped around another velocity model (guidance, masked replacement, latent shift, ...).
/// Strategies are how modes differ; the loop that steps the sampler is the same for all of them.
public protocol VelocityModel {
    /// The velocity at sample `x` `[1, C, T, h, w]`, with the same shape.
    mutating func velocity(_ x: Tensor, at step: DenoiseStepContext, on backend: any Backend) throws -> Tensor
}

/// One finished step of a ``DenoiseLoop``.
public struct DenoiseStep: Sendable {
    /// The index of the step just taken in the whole schedule.
    public let index: Int
    /// The schedule's step count.
    public let count: Int
    /// The noise level the step started from.
    public let sigma: Float
    /// The sample after the step.
    public let latents: Tensor
}

/// The denoising loop as a sequence of steps over a velocity model: each ``next(on:)`` asks the model
/// for v at the current sample and hands it to the sampler, and returns the step so that callers can
/// watch, report or stop between steps (as mlx-swift's denoise iterator does).
public struct DenoiseLoop {
    public private(set) var model: any VelocityModel
    public private(set) var sampler: any FlowSampler
    /// The current sample.
    public private(set) var latents: Tensor

    /// A loop from `latents` (already at the noise level of the sampler's next step).
    public init(model: any VelocityModel, sampler: any FlowSampler, latents: Tensor) {
        self.model = model
        self.sampler = sampler
        self.latents = latents
    }

    /// Whether every step has been taken.
    public var isFinished: Bool { sampler.isFinished }

    /// Takes the next step; nil once the schedule is done. Throws ``GenerationError/nonFinite(_:)``
    /// when the step leaves NaN or infinity in the latents, so that nothing decodes them.
    public mutating func next(on backend: any Backend) throws -> DenoiseStep? {
        guard let timestep = sampler.currentTimestep else { return nil }
        let index = sampler.stepIndex, sigma = sampler.schedule.sigmas[index]
        let v = try model.velocity(latents, at: DenoiseStepContext(index: index, timestep: timestep, sigma: sigma), on: backend)
        latents = try sampler.step(modelOutput: v, sample: latents, on: backend)
        let host = latents.isOnHost ? latents : try backend.download(latents)
        if let bad = host.floats().first(where: { !$0.isFinite }) {
            throw GenerationError.nonFinite(
                "step \(index + 1) of \(sampler.schedule.steps) (sigma \(sigma)) left \(bad) in the latents; nothing was decoded")
        }
        return DenoiseStep(index: index, count: sampler.schedule.steps, sigma: sigma, latents: latents)
    }
}
