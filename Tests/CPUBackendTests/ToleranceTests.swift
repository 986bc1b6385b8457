import Tensor
import Testing

/// The parity metrics themselves (docs/parity.md).
@Suite struct ToleranceTests {
    @Test func relativeMaxErrorIsNormalisedByTheLargestReference() {
        #expect(Tolerance.relativeMaxError(actual: [1, 2, 4.5], expected: [1, 2, 4]) == 0.125)
        #expect(Tolerance.relativeMaxError(actual: [0.5, -10], expected: [0, -10]) == 0.05)
        #expect(Tolerance.relativeMaxError(actual: [], expected: []) == 0)
    }

    @Test func anAllZeroReferenceGivesTheAbsoluteError() {
        #expect(Tolerance.relativeMaxError(actual: [0, 0.25], expected: [0, 0]) == 0.25)
    }

    @Test func nonFiniteValuesMustAgree() {
        #expect(Tolerance.relativeMaxError(actual: [.nan, .infinity, 1], expected: [.nan, .infinity, 1]) == 0)
        #expect(Tolerance.relativeMaxError(actual: [.nan, 1], expected: [0, 1]) == .infinity)
        #expect(Tolerance.relativeMaxError(actual: [1, 1], expected: [.infinity, 1]) == .infinity)
        #expect(Tolerance.relativeMaxError(actual: [1], expected: [1, 2]) == .infinity)
    }

    @Test func cosineSimilarity() {
        #expect(Tolerance.cosineSimilarity([1, 2, 3], [2, 4, 6]) == 1)
        #expect(Tolerance.cosineSimilarity([1, 0], [0, 1]) == 0)
        #expect(Tolerance.cosineSimilarity([1, 0], [-1, 0]) == -1)
        #expect(Tolerance.cosineSimilarity([0, 0], [0, 0]) == 1)
        #expect(Tolerance.cosineSimilarity([0, 0], [1, 0]) == 0)
    }

    @Test func checksApplyEveryThreshold() {
        let expected: [Float] = [1, 2, 3, 4]
        #expect(Tolerance.float32.check(actual: [1, 2, 3, 4.0002], expected: expected).passed)
        #expect(!Tolerance.float32.check(actual: [1, 2, 3, 4.001], expected: expected).passed)
        #expect(Tolerance.exact.check(actual: expected, expected: expected).passed)
        #expect(!Tolerance.exact.check(actual: [1, 2, 3, 4.0000005], expected: expected).passed)
        #expect(Tolerance.bfloat16.check(actual: [1, 2, 3, 4.03], expected: expected).passed)
        #expect(!Tolerance.bfloat16.check(actual: [1, 2, 3, -4], expected: expected).passed)  // cosine fails too
        #expect(!Tolerance.bfloat16.check(actual: [1, 2, 3, 4.1], expected: expected).passed)
    }
}
