/// Errors from analysing audio samples. Each reads as one plain sentence.
public enum AudioError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The sample rate is not a positive number of samples per second.
    case invalidSampleRate(Int)
    /// There are no samples to analyse.
    case noSamples
    /// A sample is NaN or infinite.
    case nonFiniteSample(index: Int)
    /// A tracker setting is out of its range (`detail` says which and why).
    case invalidSetting(detail: String)

    public var description: String {
        switch self {
        case .invalidSampleRate(let rate):
            return "the sample rate \(rate) Hz must be positive"
        case .noSamples:
            return "there are no audio samples to analyse"
        case .nonFiniteSample(let index):
            return "audio sample \(index) is not a finite number"
        case .invalidSetting(let detail):
            return detail
        }
    }

    /// Throws unless `samples` is a non-empty run of finite values at a positive `sampleRate`.
    static func check(_ samples: [Float], sampleRate: Int) throws(AudioError) {
        guard sampleRate > 0 else { throw .invalidSampleRate(sampleRate) }
        guard !samples.isEmpty else { throw .noSamples }
        if let index = samples.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteSample(index: index) }
    }
}
