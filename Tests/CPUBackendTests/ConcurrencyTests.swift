import CPUBackend
import Tensor
import Testing

/// Ops called from several threads at once must give what they give alone: Swift Testing runs tests
/// in parallel, and a server runs jobs side by side. (oneDNN's default scratchpad is shared by all
/// primitives, which made concurrent GEMMs write into each other's scratch.)
@Suite struct ConcurrencyTests {
    private func pseudoRandom(_ shape: [Int], seed: UInt64) throws -> Tensor {
        var state = seed &* 6364136223846793005 &+ 1
        let values = (0..<shape.reduce(1, *)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 40) % 2001 - 1000) / 1000
        }
        return try Tensor(values, shape: shape)
    }

    /// Runs `op` on 8 different inputs at once, each 1,000 times, and counts the results that differ
    /// from the same input's run alone.
    private func concurrentMismatches(_ op: @escaping @Sendable (CPUBackend, Int) throws -> Tensor) async throws -> Int {
        let references = try (0..<8).map { try op(CPUBackend(), $0).floats() }
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var mismatches = 0
                    for _ in 0..<1000 where try op(CPUBackend(), task).floats() != references[task] { mismatches += 1 }
                    return mismatches
                }
            }
            return try await group.reduce(0, +)
        }
    }

    @Test func linearsAgreeWhenRunConcurrently() async throws {
        let inputs = try (0..<8).map { try pseudoRandom([1, 512, 32], seed: UInt64($0)) }
        let weight = try pseudoRandom([24, 32], seed: 99)
        let mismatches = try await concurrentMismatches { try $0.linear(inputs[$1], weight: weight, bias: nil) }
        #expect(mismatches == 0)
    }

    @Test func convolutionsAgreeWhenRunConcurrently() async throws {
        let inputs = try (0..<8).map { try pseudoRandom([1, 8, 3, 12, 20], seed: UInt64($0)) }
        let weight = try pseudoRandom([8, 8, 3, 3, 3], seed: 99)
        let mismatches = try await concurrentMismatches {
            try $0.conv3d(inputs[$1], weight: weight, bias: nil, stride: [1, 1, 1], padding: .causal(1, 1, 1))
        }
        #expect(mismatches == 0)
    }
}
