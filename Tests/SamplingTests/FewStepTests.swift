import CPUBackend
import Sampling
import Tensor
import TestSupport
import Testing

/// Explicit step lists and the renoise rule against tools/fixtures/make_few_step_fixtures.py
/// (Tests/Fixtures/few_step): schedules bit for bit against diffusers' `set_timesteps` and the
/// distilled models' grid lookup, Euler runs against diffusers' `step`, renoise runs against the
/// reference rule (CausVid / Self-Forcing; rCM in float64) with the fixture's fresh noise.
///
/// Threshold: `Tolerance.float32Elementwise`, as for the other sampler runs. The renoise references
/// take x₀ in float64 (rCM the whole update); the port rounds σ·v and the difference once more each.
@Suite struct FewStepTests {
    static let schedules = ["warped_s5", "warped_s8", "warped_s3_odd", "raw_s8", "raw_s5_odd", "sigmas_rcm4"]
    static let runs = ["euler_warped_s5", "euler_raw_s8", "euler_sigmas_rcm4",
                       "renoise_warped_s5", "renoise_raw_s8", "renoise_sigmas_rcm4"]

    let backend = CPUBackend()

    struct Fixture: Sendable {
        static let shared = Result { try Fixture() }
        let cases: JSONValue
        let schedules: SafeTensorsFile
        let runs: SafeTensorsFile

        private init() throws {
            cases = try JSONValue(parsing: try String(contentsOfFile: fixturePath("few_step/cases.json"), encoding: .utf8))
            schedules = try SafeTensorsFile(path: fixturePath("few_step/schedules.safetensors"))
            runs = try SafeTensorsFile(path: fixturePath("few_step/runs.safetensors"))
        }

        /// A case's list, shift and (for runs) sampler.
        func setting(_ group: String, _ name: String) throws -> (list: StepList, shift: Double, sampler: SamplerKind) {
            guard let entry = cases[group]?[name], let kind = entry["list"]?.stringValue,
                  let values = entry["values"]?.arrayValue?.compactMap(\.doubleValue), let shift = entry["shift"]?.doubleValue else {
                throw FixtureError(description: "cases.json has no complete \(group)/\(name)")
            }
            let list: StepList
            switch kind {
            case "warped": list = .warpedTimesteps(values)
            case "timesteps": list = .timesteps(values)
            default: list = .sigmas(values)
            }
            let sampler = entry["sampler"]?.stringValue.flatMap(SamplerKind.init(rawValue:)) ?? .euler
            return (list, shift, sampler)
        }
    }

    @Test func tablesCoverFixture() throws {
        let fixture = try Fixture.shared.get()
        #expect(Set(fixture.cases["schedules"]?.objectValue?.keys.map { $0 } ?? []) == Set(Self.schedules))
        #expect(Set(fixture.cases["runs"]?.objectValue?.keys.map { $0 } ?? []) == Set(Self.runs))
    }

    @Test(arguments: schedules + runs)
    func scheduleMatchesBitForBit(_ name: String) throws {
        let fixture = try Fixture.shared.get()
        let group = Self.schedules.contains(name) ? "schedules" : "runs"
        let file = group == "schedules" ? fixture.schedules : fixture.runs
        let (list, shift, sampler) = try fixture.setting(group, name)
        let schedule = try FlowSchedule(kind: sampler, list: list, shift: shift)
        #expect(schedule.timesteps == (try file.tensor(named: "\(name).timesteps", as: .float32).floats()), "\(name) timesteps")
        #expect(schedule.sigmas == (try file.tensor(named: "\(name).sigmas", as: .float32).floats()), "\(name) sigmas")
    }

    @Test(arguments: runs)
    func runMatchesReference(_ name: String) throws {
        let fixture = try Fixture.shared.get()
        let (list, shift, kind) = try fixture.setting("runs", name)
        let steps = list.count
        let fresh = kind == .renoise ? try (1..<steps).map { try fixture.runs.tensor(named: "\(name).noise.\($0)") } : []
        var sampler = try SchedulerConfig(kind: kind, shift: shift).makeSampler(list: list, steps: steps, freshNoise: fresh)
        let noise = try fixture.runs.tensor(named: "\(name).noise.0")
        var sample = noise
        if let renoise = sampler as? RenoiseSampler { sample = try renoise.initialSample(noise: noise, on: backend) }
        _ = expectMatch(sample, try fixture.runs.tensor(named: "\(name).sample.0"), .float32Elementwise, "\(name) start")
        for i in 0..<steps {
            let output = try fixture.runs.tensor(named: "\(name).output.\(i)")
            sample = try sampler.step(modelOutput: output, sample: sample, on: backend)
            _ = expectMatch(sample, try fixture.runs.tensor(named: "\(name).sample.\(i + 1)"), .float32Elementwise,
                            "\(name) step \(i)")
        }
        #expect(sampler.isFinished)
    }

    // The published lists give the numbers docs/few-step.md states.
    @Test func publishedListsGiveTheDocumentedTimesteps() throws {
        let warped = try FlowSchedule(kind: .euler, list: .warpedTimesteps([1000, 750, 500, 250]), shift: 5)
        #expect(warped.timesteps == [1000, 937.5, Float(833.3333), 625])
        let raw = try FlowSchedule(kind: .renoise, list: .timesteps([1000, 757, 522]), shift: 8)
        #expect(raw.timesteps == [1000, 757, 522])
        #expect(raw.sigmas.dropLast().map { abs($0 - 0.757) < 0.001 } == [false, true, false])
    }

    @Test func invalidListsAreRefusedInOneSentence() throws {
        let bad: [(StepList, String)] = [
            (.timesteps([]), "1 to 1000 values"),
            (.timesteps([1000, 1000]), "strictly decreasing"),
            (.timesteps([500, 750]), "strictly decreasing"),
            (.timesteps([1001]), "(0, 1000]"),
            (.timesteps([0]), "(0, 1000]"),
            (.timesteps([.nan]), "(0, 1000]"),
            (.sigmas([1.5]), "(0, 1]"),
            (.warpedTimesteps([937.5]), "whole numbers"),
            (.timesteps(Array(repeating: 1, count: 1001)), "1 to 1000 values"),
        ]
        for (list, phrase) in bad {
            do {
                _ = try FlowSchedule(kind: .euler, list: list, shift: 5)
                Issue.record("\(list) was accepted")
            } catch {
                #expect("\(error)".contains(phrase), "\(list): \(error)")
            }
        }
        // Two raw timesteps on one grid point would divide the step by zero.
        #expect(throws: SamplingError.self) { try FlowSchedule(kind: .euler, list: .timesteps([1000, 999.99]), shift: 8) }
        #expect(throws: SamplingError.self) { try FlowSchedule(kind: .unipc, list: .timesteps([1000, 500]), shift: 3) }
    }

    // Renoise: the last step returns x₀ = x − σ·v exactly, and a step without its fresh noise throws.
    @Test func renoiseEndsWithTheX0PredictionAndNeedsItsNoise() throws {
        let schedule = try FlowSchedule(kind: .renoise, list: .sigmas([0.5]), shift: 1)
        var sampler = try RenoiseSampler(schedule: schedule)
        let x = try Tensor([0.5, -1.25, 2, 0.1], shape: [1, 4])
        let v = try Tensor([1, 0.5, -3, 0.2], shape: [1, 4])
        let out = try sampler.step(modelOutput: v, sample: x, on: backend)
        #expect(out.floats() == zip(x.floats(), v.floats()).map { $0 - 0.5 * $1 })
        var twoSteps = try RenoiseSampler(schedule: try FlowSchedule(kind: .renoise, list: .sigmas([0.9, 0.5]), shift: 1))
        #expect(throws: SamplingError.self) { try twoSteps.step(modelOutput: v, sample: x, on: backend) }
        #expect(RenoiseSampler.freshNoiseCount(steps: 4) == 3)
        #expect(RenoiseSampler.freshNoiseCount(steps: 4, startingAt: 3) == 0)
    }
}
