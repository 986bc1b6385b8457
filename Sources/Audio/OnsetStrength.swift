#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The spectral-flux onset strength envelope of librosa 0.11's `onset.onset_strength`, one value per
/// hop of 512 samples: the log-power mel spectrogram (2048-sample FFT, 128 bands up to half the
/// sample rate, `power_to_db` with reference 1, floor 1e-10 and an 80 dB range), each band's rise
/// since the previous frame (falls count as 0), combined over the bands, then shifted 3 frames later
/// (1 for the difference, 2 for the centred frames) so that an onset lines up with its sample time.
///
/// librosa computes in float32; this computes in double precision, so values agree with librosa's to
/// float32 rounding (docs/audio.md gives the measured difference).
public enum OnsetStrength {
    /// How the bands' rises are combined into one value per frame.
    public enum Aggregate: Sendable {
        /// The mean over bands: `onset_strength`'s default.
        case mean
        /// The median over bands: what `beat.beat_track` asks for when it computes the envelope itself.
        case median
    }

    /// FFT and window length in samples.
    public static let fftSize = 2048
    /// Samples between frames.
    public static let hopLength = 512
    /// Mel bands.
    public static let melBands = 128

    /// The envelope of `samples` (mono, at `sampleRate`), `1 + samples.count / 512` values.
    public static func envelope(_ samples: [Float], sampleRate: Int,
                                aggregate: Aggregate = .mean) throws(AudioError) -> [Double] {
        try AudioError.check(samples, sampleRate: sampleRate)
        let spectrogram = MelSpectrogram(sampleRate: sampleRate, fftSize: fftSize, hopLength: hopLength, bands: melBands)
        let decibels = powerToDecibels(spectrogram.power(samples))  // [T, bands]
        let frames = spectrogram.frameCount(samples.count)
        let bands = melBands
        let shift = 1 + fftSize / (2 * hopLength)
        var envelope = [Double](repeating: 0, count: frames)
        var rises = [Double](repeating: 0, count: bands)
        guard frames > shift else { return envelope }
        for t in shift..<frames {
            let now = (t - shift + 1) * bands, before = (t - shift) * bands
            for m in 0..<bands { rises[m] = max(0, decibels[now + m] - decibels[before + m]) }
            envelope[t] = combine(&rises, aggregate)
        }
        return envelope
    }

    /// librosa's `power_to_db(S, ref=1, amin=1e-10, top_db=80)`: 10·log10(max(1e-10, S)), raised to
    /// at least 80 dB below the largest value.
    static func powerToDecibels(_ power: [Double]) -> [Double] {
        var decibels = power.map { 10 * log10(max(1e-10, $0)) }
        guard let peak = decibels.max() else { return decibels }
        let floor = peak - 80
        for i in decibels.indices where decibels[i] < floor { decibels[i] = floor }
        return decibels
    }

    private static func combine(_ values: inout [Double], _ aggregate: Aggregate) -> Double {
        switch aggregate {
        case .mean:
            return values.reduce(0, +) / Double(values.count)
        case .median:
            values.sort()
            return median(ofSorted: values)
        }
    }
}

/// The middle value of ascending `values`, or the mean of the two middle ones (numpy's median).
func median(ofSorted values: [Double]) -> Double {
    let middle = values.count / 2
    return values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
}
