import Sampling
import Tensor
import Testing

/// The flow shift's range (issue 20): 1e-17 made UniPC divide by a zero step (a trap) and Euler
/// decode an undenoised sample; the range is checked wherever a shift comes from, and every shift in
/// it gives a schedule the samplers can divide by.
@Suite struct ShiftRangeTests {
    @Test(arguments: [1e-17, 1e-300, 0.0099, 100.5, 1e308])
    func aShiftFromTheConfigFileOutsideTheRangeNamesTheFile(_ shift: Double) throws {
        let text = #"{"_class_name": "UniPCMultistepScheduler", "prediction_type": "flow_prediction", "use_flow_sigmas": true, "flow_shift": "#
            + "\(shift)}"
        let error = #expect(throws: SamplingError.self) {
            try SchedulerConfig(json: JSONValue(parsing: text), file: "scheduler/scheduler_config.json")
        }
        #expect(error?.description == "scheduler/scheduler_config.json: flow_shift must be between 0.01 and 100.0, not \(shift)")
        let euler = #expect(throws: SamplingError.self) { try SchedulerConfig.wan21.overriding(sampler: .euler, shift: shift) }
        #expect(euler?.description == "scheduler config: shift must be between 0.01 and 100.0, not \(shift)")
    }

    // At both ends of the range, with up to 1000 steps, both samplers' sigmas are finite and each
    // below the one before, so no step divides by zero.
    @Test(arguments: [SamplerKind.unipc, .euler])
    func theEndsOfTheRangeGiveStrictlyDecreasingSigmas(_ kind: SamplerKind) throws {
        for shift in [SchedulerConfig.shiftRange.lowerBound, 1, 3, SchedulerConfig.shiftRange.upperBound] {
            for steps in [1, 2, 50, 1000] {
                let schedule = try FlowSchedule(config: SchedulerConfig(kind: kind, shift: shift), steps: steps)
                #expect(schedule.sigmas.count == steps + 1)
                #expect(schedule.sigmas.allSatisfy { $0.isFinite && $0 >= 0 })
                #expect(zip(schedule.sigmas, schedule.sigmas.dropFirst()).allSatisfy { $0 > $1 }, "shift \(shift), \(steps) steps")
            }
        }
    }
}
