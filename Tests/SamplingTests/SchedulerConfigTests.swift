import Sampling
import Tensor
import Testing

/// `SchedulerConfig` from scheduler configs written by diffusers' `save_config`
/// (Tests/Fixtures/sampling/configs), from the tiny Wan pipeline folder and from hand-written JSON.
@Suite struct SchedulerConfigTests {
    func config(_ name: String) throws -> SchedulerConfig {
        try SchedulerConfig(json: try readFixtureJSON("configs/\(name).json"), file: "\(name).json")
    }

    /// The field named by the error `body` throws, and the error's text.
    func refusal(_ body: () throws -> SchedulerConfig) -> (field: String, text: String)? {
        do {
            _ = try body()
        } catch let error as SamplingError {
            if case .invalidConfig(_, let field, _) = error { return (field, error.description) }
        } catch {}
        return nil
    }

    @Test func readsSaveConfigFiles() throws {
        #expect(try config("unipc_wan21") == .wan21)
        #expect(try config("unipc_shift5_order1")
            == SchedulerConfig(kind: .unipc, shift: 5, solverOrder: 1, disableCorrector: [0, 2]))
        #expect(try config("unipc_sigma_min")
            == SchedulerConfig(kind: .unipc, shift: 3, lowerOrderFinal: false, finalSigma: .sigmaMin))
        #expect(try config("euler_shift3") == SchedulerConfig(kind: .euler, shift: 3))
        // FlowMatchEulerDiscreteScheduler's class default shift is 1.
        #expect(try config("euler_class_defaults") == SchedulerConfig(kind: .euler, shift: 1))
    }

    @Test func readsModelFolderComponent() throws {
        let folder = try ModelFolder(path: samplingFixturePath("../wan_pipeline/tiny-wan"))
        let component = try #require(folder.component(named: "scheduler"))
        #expect(try SchedulerConfig(component: component) == .wan21)
    }

    // Settings diffusers accepts but this port does not reproduce, each refused by its field's name.
    @Test(arguments: [
        ("unipc_class_defaults", "prediction_type"), ("unipc_karras", "use_karras_sigmas"),
        ("unipc_dynamic_shifting", "use_dynamic_shifting"), ("unipc_bh1", "solver_type"),
        ("unipc_order3", "solver_order"), ("unipc_no_flow_sigmas", "use_flow_sigmas"),
        ("unipc_lower_order_final_off", "lower_order_final"),
        ("euler_dynamic_shifting", "use_dynamic_shifting"), ("euler_stochastic", "stochastic_sampling"),
    ])
    func refusesUnsupportedSaveConfigFiles(_ name: String, _ field: String) throws {
        let refused = try #require(refusal { try config(name) })
        #expect(refused.field == field)
        #expect(refused.text.hasPrefix("\(name).json: \(field) "))
        #expect(!refused.text.contains("\n"))
    }

    @Test func refusesHandWrittenConfigs() throws {
        let uniPC = #"{"_class_name": "UniPCMultistepScheduler", "prediction_type": "flow_prediction", "use_flow_sigmas": true"#
        let cases: [(String, String)] = [
            ("[1, 2]", "(document)"),
            ("{}", "_class_name"),
            (#"{"_class_name": "DDIMScheduler"}"#, "_class_name"),
            (uniPC + #", "flow_shift": "3"}"#, "flow_shift"),
            (uniPC + #", "flow_shift": -1}"#, "flow_shift"),
            (uniPC + #", "num_train_timesteps": 1000.5}"#, "num_train_timesteps"),
            (uniPC + #", "disable_corrector": [1, "2"]}"#, "disable_corrector"),
            (uniPC + #", "final_sigmas_type": "sigma_max"}"#, "final_sigmas_type"),
            (uniPC + #", "thresholding": true}"#, "thresholding"),
            (uniPC + #", "predict_x0": false}"#, "predict_x0"),
            (uniPC + #", "shift_terminal": 0.1}"#, "shift_terminal"),
            (uniPC + #", "use_exponential_sigmas": true}"#, "use_exponential_sigmas"),
            (#"{"_class_name": "FlowMatchEulerDiscreteScheduler", "invert_sigmas": true}"#, "invert_sigmas"),
            (#"{"_class_name": "FlowMatchEulerDiscreteScheduler", "use_beta_sigmas": true}"#, "use_beta_sigmas"),
        ]
        for (text, field) in cases {
            let refused = refusal { try SchedulerConfig(json: JSONValue(parsing: text)) }
            #expect(refused?.field == field, "\(text)")
            #expect(refused?.text.hasPrefix("scheduler config: \(field) ") == true, "\(refused?.text ?? "accepted")")
        }
        // The legacy DPM-Solver names are bh2 in diffusers; null optional fields take the defaults.
        let legacy = try SchedulerConfig(json: JSONValue(parsing: uniPC + #", "solver_type": "midpoint", "flow_shift": 5, "shift_terminal": null, "disable_corrector": null}"#))
        #expect(legacy == SchedulerConfig(shift: 5))
    }

    @Test func errorTextReadsAsOneSentence() throws {
        let refused = refusal { try config("unipc_class_defaults") }
        #expect(refused?.text == "unipc_class_defaults.json: prediction_type \"epsilon\" is not supported; only \"flow_prediction\" is")
    }

    // The CLI's --sampler and --shift.
    @Test func overrides() throws {
        let euler = try SchedulerConfig.wan21.overriding(sampler: .euler, shift: 5)
        #expect(euler.kind == .euler && euler.shift == 5 && euler.solverOrder == 2)
        #expect(try euler.makeSampler(steps: 4) is EulerSampler)
        let back = try euler.overriding(sampler: .unipc)
        #expect(back == SchedulerConfig(shift: 5))
        #expect(try back.makeSampler(steps: 4) is UniPCSampler)
        #expect(try SchedulerConfig.wan21.overriding() == .wan21)
        for bad in [0, -2, Double.nan, .infinity] {
            #expect(refusal { try SchedulerConfig.wan21.overriding(shift: bad) }?.field == "shift")
        }
        #expect(refusal { try SchedulerConfig(solverOrder: 3).overriding(shift: 4) }?.field == "solver_order")
    }
}
