/// Mono audio as 32-bit float samples (full scale ±1) at one sample rate.
public struct AudioSamples: Sendable, Equatable {
    /// Samples per second.
    public var sampleRate: Int
    /// The samples in time order.
    public var samples: [Float]

    /// `samples` at `sampleRate` samples per second.
    public init(sampleRate: Int, samples: [Float]) {
        self.sampleRate = sampleRate
        self.samples = samples
    }

    /// The length in seconds.
    public var duration: Double { sampleRate > 0 ? Double(samples.count) / Double(sampleRate) : 0 }
}
