import CPUBackend
import Sampling
import Tensor
import TestSupport
import Testing

/// `guidance` against WanPipeline's `uncond + g·(cond − uncond)` in PyTorch (guidance.safetensors).
/// Threshold `Tolerance.exact`: three elementwise operations, each one float32 operation rounded
/// once to the inputs' dtype on both sides, so the results agree bit for bit (bf16 included).
@Suite struct GuidanceTests {
    static let cases = ["f32_g5", "f32_g3.7", "bf16_g5", "bf16_g3.7"]

    @Test func tableCoversFixture() throws {
        #expect(Set(try SamplingFixture.load().names("guidance")) == Set(Self.cases))
    }

    @Test(arguments: cases)
    func matchesPipeline(_ name: String) throws {
        let fixture = try SamplingFixture.load()
        guard let scale = try fixture.entry("guidance", name)["scale"]?.doubleValue else {
            throw FixtureError(description: "guidance/\(name) has no scale")
        }
        let out = try guidance(conditional: try fixture.guidance.tensor(named: "\(name).cond"),
                               unconditional: try fixture.guidance.tensor(named: "\(name).uncond"),
                               scale: Float(scale), on: CPUBackend())
        expectMatch(out, try fixture.guidance.tensor(named: "\(name).out"), .exact, "guidance \(name)")
    }

    @Test func refusesMismatchedOutputs() throws {
        let f32 = Tensor(zeros: [1, 2]), bf16 = Tensor(zeros: [1, 2], dtype: .bfloat16)
        #expect(throws: SamplingError.self) {
            try guidance(conditional: f32, unconditional: bf16, scale: 5, on: CPUBackend())
        }
        #expect(throws: SamplingError.self) {
            try guidance(conditional: f32, unconditional: Tensor(zeros: [2, 1]), scale: 5, on: CPUBackend())
        }
    }
}
