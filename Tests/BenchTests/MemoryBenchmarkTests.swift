import Bench
import Pipelines
import TestSupport
import Testing

/// The pieces of `zoetrope memory` that scripts/bench-cpu.sh relies on: the steady state is the
/// median of calls 2...N, the text-encoder prompt is the one tools/bench/torch_cpu_peer.py builds,
/// and a text-encoder run on a tiny UMT5 folder times every call.
@Suite struct MemoryBenchmarkTests {
    func measurement(_ calls: [Double]) -> WanMemoryMeasurement {
        WanMemoryMeasurement(workload: "w", loadSeconds: 0, callSeconds: calls, residentAfterLoadBytes: 0, peakResidentBytes: 0)
    }

    @Test func steadyStateIsTheMedianAfterTheFirstCall() {
        #expect(measurement([5]).steadySeconds == nil)
        #expect(measurement([5]).coldSeconds == 5)
        #expect(measurement([5, 1]).steadySeconds == 1)
        #expect(measurement([9, 4, 1, 2]).steadySeconds == 2)
        #expect(measurement([9, 4, 1, 2, 3]).steadySeconds == 2.5)
    }

    // The same ids as torch_cpu_peer.py's prompt_ids: 2 + (i·7919 + 17) mod (vocab − 2), then the end id 1.
    @Test func promptIsPaddedTo512WithItsMask() throws {
        let prompt = try BenchmarkPrompt(tokens: 3, vocabSize: 384)
        #expect(Array(prompt.ids[0].prefix(4)) == [19, 298, 1, 0])
        #expect(prompt.ids[0].count == 512 && prompt.attentionMask[0].count == 512)
        #expect(Array(prompt.attentionMask[0].prefix(4)) == [1, 1, 1, 0])
        #expect(prompt.attentionMask[0].reduce(0, +) == 3)
        let full = try BenchmarkPrompt(tokens: 512, vocabSize: 384)
        #expect(full.attentionMask[0].allSatisfy { $0 == 1 } && full.ids[0].last == 1)
    }

    @Test func promptLengthOutOfRangeIsRefused() {
        for tokens in [0, 513] {
            let error = #expect(throws: BenchmarkInputError.self) { try BenchmarkPrompt(tokens: tokens, vocabSize: 384) }
            #expect(error?.description == "--tokens must be between 1 and 512, got \(tokens)")
        }
    }

    @Test func textEncoderRunTimesEveryCall() throws {
        let files = try WanModelFiles(folder: fixturePath("umt5/a"))
        let result = try WanMemoryBenchmark.textEncoder(files: files, tokens: 5, calls: 3)
        #expect(result.callSeconds.count == 3)
        #expect(result.steadySeconds != nil)
        #expect(result.workload == "UMT5 text encoder bf16 (2 layers, d_model 32), 5 tokens padded to 512, real tokens only")
        #expect(result.residentAfterLoadBytes > 0 && result.peakResidentBytes >= result.residentAfterLoadBytes)
    }
}
