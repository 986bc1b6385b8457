import CPUBackend
import Pipelines
import Sampling
import Tensor
import TestSupport
import Testing

/// Few-step sampling and step caching through the whole generation path, on the bundled model at a
/// small size: the transformer calls each setting makes (counted by the run), the renoise sampler's
/// noise coming from the seed or the noise file alike, and a cache that never skips changing nothing.
@Suite(.serialized) struct FewStepRunTests {
    let backend = CPUBackend()

    private func generator() throws -> Generator {
        Generator(store: try ModelStore(single: ModelSource(folder: repositoryPath("models/zoetrope-tiny"))),
                  precision: .float32, backend: backend)
    }

    private func small(_ request: GenerationRequest) -> GenerationRequest {
        var request = request
        (request.width, request.height, request.frames, request.seed) = (64, 64, 5, 3)
        return request
    }

    /// The final latents and the transformer calls of a run.
    private func run(_ request: GenerationRequest, noise: Tensor? = nil) throws -> (Tensor, TransformerCallCount?) {
        let generator = try generator()
        var calls: TransformerCallCount?
        let latents = try generator.run(try generator.validate(request), noise: noise,
                                        onProgress: { if let count = $0.transformerCalls { calls = count } })
        return (latents, calls)
    }

    @Test func guidanceOffMakesOneCallPerStep() throws {
        let (_, off) = try run(small(GenerationRequest(prompt: "a red ball", steps: 4, guidance: 1)))
        #expect(off == TransformerCallCount(computed: 4, skipped: 0))
        let (_, on) = try run(small(GenerationRequest(prompt: "a red ball", steps: 4, guidance: 5)))
        #expect(on == TransformerCallCount(computed: 8, skipped: 0))
    }

    @Test func presetRunsItsListWithoutGuidance() throws {
        let request = try SamplingPreset.named("self-forcing").applied(to: small(GenerationRequest(prompt: "a red ball")))
        let (latents, calls) = try run(request)
        #expect(calls == TransformerCallCount(computed: 4, skipped: 0))
        #expect(latents.floats().allSatisfy { $0.isFinite })
    }

    @Test func cacheThresholdZeroEqualsTheUncachedRunBitForBit() throws {
        let plain = small(GenerationRequest(prompt: "a red ball", steps: 6, guidance: 5))
        var cached = plain
        cached.cache = 0
        let (expected, _) = try run(plain)
        let (actual, calls) = try run(cached)
        #expect(actual.floats() == expected.floats())
        #expect(calls == TransformerCallCount(computed: 12, skipped: 0))
    }

    @Test func largeThresholdSkipsAllButTheFirstAndLastSteps() throws {
        var request = small(GenerationRequest(prompt: "a red ball", steps: 6, guidance: 5))
        request.cache = 10
        let (latents, calls) = try run(request)
        // Steps 0 and 5 run both passes; the four between are answered from each pass's own cache.
        #expect(calls == TransformerCallCount(computed: 4, skipped: 8))
        #expect(latents.floats().allSatisfy { $0.isFinite })
    }

    @Test func renoiseNoiseComesFromTheSeedOrTheNoiseFileAlike() throws {
        var request = small(GenerationRequest(prompt: "a red ball", guidance: 1, sampler: "renoise"))
        request.timesteps = .timesteps([1000, 757, 522])
        let validated = try generator().validate(request)
        #expect(validated.freshNoiseDraws == 2)
        #expect(validated.noiseShape == [3] + validated.latentShape.dropFirst())
        var seeded = GaussianNoise(seed: validated.seed)
        let draws = seeded.tensor(validated.noiseShape)
        let (fromSeed, _) = try run(request)
        let (fromFile, _) = try run(request, noise: draws)
        #expect(fromSeed.floats() == fromFile.floats())
        // Other fresh noise gives other latents: the draws after the first are used.
        var changed = draws.floats()
        for i in (changed.count / 3)..<changed.count { changed[i] = -changed[i] }
        let (other, _) = try run(request, noise: try Tensor(changed, shape: validated.noiseShape))
        #expect(other.floats() != fromSeed.floats())
        // Noise of the plain latent shape is refused with the shape the run needs.
        #expect(throws: GenerationError.self) {
            try validated.check(noise: Tensor(zeros: validated.latentShape))
        }
    }
}

@Suite struct SamplingPresetTests {
    @Test func presetsFillOnlyWhatTheRequestLeavesOut() throws {
        let preset = try SamplingPreset.named("lightx2v")
        let filled = try preset.applied(to: GenerationRequest(prompt: "a"))
        #expect(filled.timesteps == .warpedTimesteps([1000, 750, 500, 250]))
        #expect(filled.shift == 5 && filled.guidance == 1 && filled.sampler == "euler")
        let explicit = try preset.applied(to: GenerationRequest(prompt: "a", guidance: 3, shift: 8, sampler: "renoise"))
        #expect(explicit.shift == 8 && explicit.guidance == 3 && explicit.sampler == "renoise")
        let validated = try filled.validated()
        #expect(validated.steps == 4 && !validated.usesGuidance && validated.sampler == .euler)
    }

    @Test func rcmHasListsForOneToFourSteps() throws {
        let preset = try SamplingPreset.named("rcm")
        for steps in 1...4 {
            let request = try preset.applied(to: GenerationRequest(prompt: "a", steps: steps))
            #expect(request.timesteps?.count == steps)
            #expect(try request.validated().steps == steps)
        }
        let four = try preset.applied(to: GenerationRequest(prompt: "a"))
        let sigmas = four.timesteps?.values ?? []
        #expect(zip(sigmas, [0.98765, 0.93378, 0.85290, 0.60898]).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func mismatchesAreOneSentence() throws {
        let cases: [(() throws -> Any, String)] = [
            ({ try SamplingPreset.named("turbo") }, "unknown preset \"turbo\"; use self-forcing, causvid, lightx2v, fastwan, rcm"),
            ({ try SamplingPreset.named("causvid").applied(to: GenerationRequest(prompt: "a", steps: 4)) },
             "preset causvid has step lists for 3 steps, not 4"),
            ({ try GenerationRequest(prompt: "a", steps: 5, timesteps: .timesteps([1000, 500])).validated() },
             "steps 5 differs from the 2 timesteps given"),
            ({ try GenerationRequest(prompt: "a", sampler: "unipc", timesteps: .timesteps([1000, 500])).validated() },
             "the unipc sampler keeps its own timesteps"),
            ({ try GenerationRequest(prompt: "a", timesteps: .timesteps([500, 1000])).validated() },
             "timesteps must be strictly decreasing: 1000 follows 500"),
            ({ try GenerationRequest(prompt: "a", cache: -0.1).validated() }, "cache threshold -0.1 must be between 0.0 and 10.0"),
        ]
        for (make, message) in cases {
            do {
                _ = try make()
                Issue.record("accepted: \(message)")
            } catch {
                #expect("\(error)".contains(message), "\(error)")
                #expect(!"\(error)".contains("\n"))
            }
        }
    }

    @Test func aListWithoutASamplerRunsEuler() throws {
        let request = try GenerationRequest(prompt: "a", timesteps: .timesteps([1000, 500])).validated()
        #expect(request.sampler == .euler && request.steps == 2 && request.freshNoiseDraws == 0)
    }
}
