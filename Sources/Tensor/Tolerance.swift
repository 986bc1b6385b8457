/// The parity metrics and thresholds, defined once (docs/parity.md explains them). Every numerical
/// comparison in the tests — CPU against PyTorch, GPU against CPU, a model against its reference
/// dump — goes through these functions and names one of these thresholds instead of an ad-hoc
/// epsilon.
public struct Tolerance: Sendable, Equatable {
    /// Largest allowed ``relativeMaxError(actual:expected:)``.
    public var relativeMaxError: Float
    /// Smallest allowed ``cosineSimilarity(_:_:)``; nil where it is not checked.
    public var minimumCosine: Float?

    /// A tolerance; leave `minimumCosine` nil to check the relative max error only.
    public init(relativeMaxError: Float, minimumCosine: Float? = nil) {
        self.relativeMaxError = relativeMaxError
        self.minimumCosine = minimumCosine
    }

    // MARK: Named thresholds

    /// fp32 parity of ops that reduce over many terms (matmul, linear, attention, convolutions):
    /// summation order differs between implementations.
    public static let float32 = Tolerance(relativeMaxError: 1e-4)
    /// fp32 parity of elementwise ops, normalisations, softmax and rotary embedding: a few
    /// roundings per element, or short reductions.
    public static let float32Elementwise = Tolerance(relativeMaxError: 1e-5)
    /// Ops that only move data (permute, concat, slice, pad, upsample, casts): bit for bit.
    public static let exact = Tolerance(relativeMaxError: 0)
    /// bf16 results against a bf16 reference: cosine ≥ 0.999 and at most about one bf16 rounding
    /// step (2⁻⁸ relative, doubled for a rounding that falls the other way) of the largest value.
    public static let bfloat16 = Tolerance(relativeMaxError: 1e-2, minimumCosine: 0.999)
    /// A whole model run with bf16 weights (the reference's precision policy) against the fp32
    /// reference: only the direction is checked, cosine ≥ 0.999, since bf16 roundings through many
    /// layers move individual values by more than any fixed relative bound. (A NaN or infinity on one
    /// side still fails: its relative error is infinite.)
    /// A whole generation in fp32 (several sampler steps with guidance, then the decode) against
    /// the reference pipeline: each step feeds the last one's rounding differences back through the
    /// model, so the final latents are held to 1e-3 rather than a single pass's 1e-4.
    public static let endToEnd = Tolerance(relativeMaxError: 1e-3)
    public static let bfloat16Model = Tolerance(relativeMaxError: .greatestFiniteMagnitude, minimumCosine: 0.999)
    /// A whole model computing in bf16 (its convolutions read bf16 activations and weights and
    /// accumulate in f32: the VAE with bf16 weights) against the fp32 reference: cosine ≥ 0.998. Every
    /// layer's input is rounded, not only the weights; the tiny 4-channel fixture VAE decodes at
    /// 0.9987, the real Wan 2.1 VAE at 0.99996 (docs/performance.md, "VAE decode in bf16").
    public static let bfloat16Compute = Tolerance(relativeMaxError: .greatestFiniteMagnitude, minimumCosine: 0.998)

    // MARK: Metrics

    /// `max|a − e| / max|e|` over all elements; the denominator is 1 when the reference is all
    /// zeros, so the result is then an absolute error. Positions where both values are equal
    /// (including the same infinity) or both are NaN count as zero error; a NaN or an infinity on
    /// one side only, or arrays of different lengths, give infinity.
    public static func relativeMaxError(actual: [Float], expected: [Float]) -> Float {
        guard actual.count == expected.count else { return .infinity }
        var maxError: Float = 0, maxExpected: Float = 0
        for (a, e) in zip(actual, expected) {
            if a == e || (a.isNaN && e.isNaN) { continue }
            guard a.isFinite, e.isFinite else { return .infinity }
            maxError = max(maxError, abs(a - e))
            maxExpected = max(maxExpected, abs(e))
        }
        for e in expected where e.isFinite { maxExpected = max(maxExpected, abs(e)) }
        return maxError / (maxExpected > 0 ? maxExpected : 1)
    }

    /// `a·e / (|a|·|e|)`, accumulated in double precision over the finite positions. Two all-zero
    /// arrays count as identical (1); one all-zero array against a non-zero one gives 0; arrays of
    /// different lengths give 0.
    public static func cosineSimilarity(_ actual: [Float], _ expected: [Float]) -> Float {
        guard actual.count == expected.count else { return 0 }
        var dot = 0.0, normA = 0.0, normE = 0.0
        for (a, e) in zip(actual, expected) where a.isFinite && e.isFinite {
            dot += Double(a) * Double(e)
            normA += Double(a) * Double(a)
            normE += Double(e) * Double(e)
        }
        if normA == 0 && normE == 0 { return 1 }
        guard normA > 0, normE > 0 else { return 0 }
        return Float(dot / (normA.squareRoot() * normE.squareRoot()))
    }

    /// Mean squared error normalised by the reference's mean square (ggml's NMSE), for reports.
    public static func normalizedMeanSquaredError(actual: [Float], expected: [Float]) -> Float {
        guard actual.count == expected.count else { return .infinity }
        var error = 0.0, energy = 0.0
        for (a, e) in zip(actual, expected) {
            error += Double(a - e) * Double(a - e)
            energy += Double(e) * Double(e)
        }
        return Float(error / (energy > 0 ? energy : 1))
    }

    // MARK: Checks

    /// The outcome of comparing two arrays: the measured metrics and whether they pass.
    public struct Report: Sendable, CustomStringConvertible {
        /// The measured ``Tolerance/relativeMaxError(actual:expected:)``.
        public var relativeMaxError: Float
        /// The measured ``Tolerance/cosineSimilarity(_:_:)``.
        public var cosine: Float
        /// The tolerance that was applied.
        public var tolerance: Tolerance
        /// Whether every metric is within the tolerance.
        public var passed: Bool {
            relativeMaxError <= tolerance.relativeMaxError && cosine >= (tolerance.minimumCosine ?? -.infinity)
        }

        public var description: String {
            var text = "relative max error \(relativeMaxError) (limit \(tolerance.relativeMaxError))"
            if let minimum = tolerance.minimumCosine { text += ", cosine \(cosine) (minimum \(minimum))" }
            return text
        }
    }

    /// Compares `actual` with `expected` under this tolerance.
    public func check(actual: [Float], expected: [Float]) -> Report {
        Report(relativeMaxError: Tolerance.relativeMaxError(actual: actual, expected: expected),
               cosine: Tolerance.cosineSimilarity(actual, expected), tolerance: self)
    }
}
