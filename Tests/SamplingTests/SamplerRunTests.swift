import CPUBackend
import Sampling
import Tensor
import TestSupport
import Testing

/// Whole sampler runs against diffusers' `step` (runs.safetensors): from the fixture's initial
/// sample, each step is fed the fixture's model output and the sampler's own previous sample, and
/// every intermediate sample is compared, so errors accumulate as they would in a real run.
///
/// Threshold: `Tolerance.float32Elementwise`. A step is a handful of elementwise operations per
/// element (no reductions), with float32 scalars from logf/expm1f (PyTorch evaluates them with SLEEF
/// or MKL, which may differ in the last place); the measured error is far below the bound.
/// bf16 model outputs use the same bound: the only bf16 rounding (σ·v, or Euler's bf16 sample) is
/// the same single rounding of the same float32 product on both sides.
@Suite struct SamplerRunTests {
    static let cases = [
        "unipc_s3_n1", "unipc_s3_n2", "unipc_s3_n5", "unipc_s3_n10", "unipc_s3_n50",
        "unipc_s5_n2", "unipc_s5_n5", "unipc_s5_n10", "unipc_s5_n10_bf16",
        "unipc_s3_n10_order1", "unipc_s3_n10_no_corrector_0_3", "unipc_s3_n5_sigma_min_lof_off",
        "euler_s3_n5", "euler_s5_n10", "euler_s3_n5_bf16",
    ]

    let backend = CPUBackend()

    @Test func tableCoversFixture() throws {
        #expect(Set(try SamplingFixture.load().names("runs")) == Set(Self.cases))
    }

    @Test(arguments: cases)
    func matchesDiffusers(_ name: String) throws {
        let fixture = try SamplingFixture.load()
        let (config, steps) = try fixture.config("runs", name)
        var sampler = try config.makeSampler(steps: steps)
        let orders = fixture.runs.entry(named: "\(name).orders") == nil
            ? nil : try fixture.runs.tensor(named: "\(name).orders").floats().map { Int($0) }
        var sample = try fixture.runs.tensor(named: "\(name).sample.0")
        var worst: Float = 0
        for i in 0..<steps {
            #expect(sampler.currentTimestep == sampler.schedule.timesteps[i])
            let output = try fixture.runs.tensor(named: "\(name).output.\(i)")
            sample = try sampler.step(modelOutput: output, sample: sample, on: backend)
            let expected = try fixture.runs.tensor(named: "\(name).sample.\(i + 1)")
            if let report = expectMatch(sample, expected, .float32Elementwise, "\(name) step \(i)") {
                worst = max(worst, report.relativeMaxError)
            }
            if let orders, let uniPC = sampler as? UniPCSampler {
                #expect(uniPC.lastOrder == orders[i], "\(name) step \(i): predictor order")
            }
        }
        #expect(sampler.isFinished && sampler.currentTimestep == nil)
        _ = expectMatch(sample, try fixture.runs.tensor(named: "\(name).sample.\(steps)"),
                        .float32Elementwise, "\(name) final (worst step \(worst))")
    }

    // With a zero final sigma the last UniPC step returns the x₀ prediction x − σ·v exactly.
    @Test func lastUniPCStepReturnsX0Prediction() throws {
        var sampler = try UniPCSampler(config: .wan21, steps: 1)
        let x = try Tensor([0.5, -1.25, 2, 0.1], shape: [1, 4])
        let v = try Tensor([1, 0.5, -3, 0.2], shape: [1, 4])
        let out = try sampler.step(modelOutput: v, sample: x, on: backend)
        let sigma = sampler.schedule.sigmas[0]
        let expected = zip(x.floats(), v.floats()).map { $0 - sigma * $1 }
        #expect(out.floats() == expected)
    }

    @Test func predictorOrders() {
        let orders = (0..<5).map { UniPCSampler.predictorOrder(step: $0, steps: 5, solverOrder: 2, lowerOrderFinal: true) }
        #expect(orders == [1, 2, 2, 2, 1])
        #expect(UniPCSampler.predictorOrder(step: 4, steps: 5, solverOrder: 2, lowerOrderFinal: false) == 2)
        #expect(UniPCSampler.predictorOrder(step: 0, steps: 1, solverOrder: 2, lowerOrderFinal: true) == 1)
        #expect(UniPCSampler.predictorOrder(step: 3, steps: 5, solverOrder: 1, lowerOrderFinal: true) == 1)
    }

    @Test func refusesExtraStepsAndMismatchedShapes() throws {
        for kind in SamplerKind.allCases {
            var sampler = try SchedulerConfig(kind: kind).makeSampler(steps: 1)
            let x = Tensor(zeros: [1, 2, 3])
            #expect(throws: SamplingError.self) {
                try sampler.step(modelOutput: Tensor(zeros: [1, 2, 4]), sample: x, on: backend)
            }
            _ = try sampler.step(modelOutput: x, sample: x, on: backend)
            #expect(throws: SamplingError.finished(steps: 1)) {
                try sampler.step(modelOutput: x, sample: x, on: backend)
            }
        }
        #expect(throws: SamplingError.self) { try EulerSampler(config: .wan21, steps: 5) }
        #expect(throws: SamplingError.self) { try UniPCSampler(config: SchedulerConfig(kind: .euler), steps: 5) }
    }
}
