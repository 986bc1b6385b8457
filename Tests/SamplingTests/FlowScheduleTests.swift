import Sampling
import Tensor
import TestSupport
import Testing

/// Schedules against diffusers' `set_timesteps` (schedules.safetensors): timesteps and float32
/// sigmas bit for bit (`Tolerance.exact`): both sides compute the same float64 expressions in the
/// same order and round once, so nothing may differ.
@Suite struct FlowScheduleTests {
    static let cases = [
        "unipc_s3_n1", "unipc_s3_n2", "unipc_s3_n5", "unipc_s3_n10", "unipc_s3_n50",
        "unipc_s5_n2", "unipc_s5_n5", "unipc_s5_n10", "unipc_s5_n50",
        "unipc_s1_n10", "unipc_s7.3_n20", "unipc_s3_n7_t500", "unipc_s3_n5_sigma_min",
        "euler_s3_n1", "euler_s3_n5", "euler_s3_n10", "euler_s3_n50", "euler_s5_n10", "euler_s5_n50",
        "euler_s1_n10", "euler_s7.3_n20", "euler_s3_n7_t500",
    ]

    @Test func tableCoversFixture() throws {
        #expect(Set(try SamplingFixture.load().names("schedules")) == Set(Self.cases))
    }

    @Test(arguments: cases)
    func matchesDiffusers(_ name: String) throws {
        let fixture = try SamplingFixture.load()
        let (config, steps) = try fixture.config("schedules", name)
        let schedule = try FlowSchedule(config: config, steps: steps)
        #expect(schedule.steps == steps)
        #expect(schedule.kind == (name.hasPrefix("unipc") ? .unipc : .euler))
        // int64 (UniPC) and float32 (Euler) timesteps both load as exact float32.
        let timesteps = try fixture.schedules.tensor(named: "\(name).timesteps")
        let sigmas = try fixture.schedules.tensor(named: "\(name).sigmas")
        expectMatch(try Tensor(schedule.timesteps, shape: [steps]), timesteps, .exact, "\(name).timesteps")
        expectMatch(try Tensor(schedule.sigmas, shape: [steps + 1]), sigmas, .exact, "\(name).sigmas")
    }

    // The reference values quoted in docs/wan-reference.md §4.2 and §4.3.
    @Test func specReferenceValues() throws {
        let s3 = try FlowSchedule(config: .wan21, steps: 50)
        #expect(Array(s3.timesteps.prefix(6)) == [999, 993, 986, 979, 971, 964])
        #expect(Array(s3.timesteps.suffix(4)) == [208, 162, 113, 60])
        #expect(s3.sigmas[0] == 0.99999899 && s3.sigmas[50] == 0)
        #expect(Array(s3.sigmas[47...50]) == [0.16295861, 0.11357587, 0.06040539, 0])
        let s5 = try FlowSchedule(config: SchedulerConfig(shift: 5), steps: 50)
        #expect(Array(s5.timesteps.prefix(6)) == [999, 995, 991, 987, 982, 978])
        #expect(Array(s5.timesteps.suffix(4)) == [305, 244, 175, 96])
        let two = try FlowSchedule(config: .wan21, steps: 2)
        #expect(two.timesteps == [999, 750] && two.sigmas == [0.999999, 0.7503748, 0])
        let euler = try FlowSchedule(config: SchedulerConfig(kind: .euler, shift: 3), steps: 50)
        #expect(euler.timesteps[0] == 1000 && euler.sigmas[49] == 0.0089285718 && euler.sigmas[50] == 0)
        #expect(euler.timesteps[1] != euler.timesteps[1].rounded())
    }

    @Test func refusesZeroSteps() {
        #expect(throws: SamplingError.invalidStepCount(0)) { try FlowSchedule(config: .wan21, steps: 0) }
        #expect(SamplingError.invalidStepCount(0).description == "a schedule needs at least 1 inference step, not 0")
    }
}
