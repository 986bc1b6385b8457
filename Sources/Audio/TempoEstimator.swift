#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One global tempo from an onset envelope, as librosa 0.11's `feature.tempo` finds it with its
/// defaults: the autocorrelation tempogram (8-second Hann windows centred on every frame, each
/// window's autocorrelation divided by its largest value), averaged over time, weighted by a
/// log-normal prior around `startBPM` with one octave of spread, above `maxTempo` excluded. The
/// result is always 60·sr / (hop·lag) for a whole lag, so at 22050 Hz 120 BPM reads as 117.45 or 123.05.
public enum TempoEstimator {
    /// The tempo in beats per minute of an envelope with one value per `hopLength` samples at
    /// `sampleRate`. As in librosa, an envelope that is zero everywhere gets the prior's peak (the
    /// lag nearest `startBPM`); ``BeatTracker`` reports 0 for it instead. 0 when the window is
    /// shorter than 2 frames or the envelope is empty.
    ///
    /// - Parameters:
    ///   - startBPM: The centre of the log-normal tempo prior.
    ///   - stdBPM: The prior's spread, in octaves.
    ///   - windowSeconds: The autocorrelation window (librosa's `ac_size`).
    ///   - maxTempo: Tempi at or above this are never chosen.
    public static func tempo(onsetEnvelope envelope: [Double], sampleRate: Int, hopLength: Int = OnsetStrength.hopLength,
                             startBPM: Double = 120, stdBPM: Double = 1, windowSeconds: Double = 8,
                             maxTempo: Double = 320) -> Double {
        let windowSamples = windowSeconds * Double(sampleRate)
        guard hopLength > 0, windowSamples >= 0, windowSamples < 1e12, !envelope.isEmpty else { return 0 }
        let window = Int(windowSamples) / hopLength
        guard window >= 2 else { return 0 }
        let strength = meanTempogram(envelope, window: window)
        let bpm = { (lag: Int) -> Double in 60.0 * Double(sampleRate) / (Double(hopLength) * Double(lag)) }
        // The first lag below maxTempo; shorter lags (faster tempi) are excluded.
        let firstLag = (1..<window).first { bpm($0) < maxTempo } ?? 1
        var best = -1, bestScore = -Double.infinity
        for lag in firstLag..<window {
            let octaves = (log2(bpm(lag)) - log2(startBPM)) / stdBPM
            let prior = -0.5 * (octaves * octaves)
            let score = log1p(1e6 * strength[lag]) + prior
            if score > bestScore {
                bestScore = score
                best = lag
            }
        }
        return best > 0 ? bpm(best) : 0
    }

    /// The tempogram averaged over frames: for each frame, the envelope around it (padded at both
    /// ends by linear ramps from 0) times a periodic Hann window of `window` frames, autocorrelated
    /// for lags 0 ..< window and divided by its largest magnitude.
    static func meanTempogram(_ envelope: [Double], window: Int) -> [Double] {
        let half = window / 2
        let n = envelope.count
        var padded = [Double](repeating: 0, count: n + 2 * half)
        let first = envelope[0] / Double(half), last = envelope[n - 1] / Double(half)
        for k in 0..<half {
            padded[k] = Double(k) * first
            padded[n + half + k] = Double(half - 1 - k) * last
        }
        for t in 0..<n { padded[half + t] = envelope[t] }
        let hann = periodicHann(window)
        var sum = [Double](repeating: 0, count: window)
        var frame = [Double](repeating: 0, count: window)
        var correlation = [Double](repeating: 0, count: window)
        for t in 0..<n {
            for k in 0..<window { frame[k] = padded[t + k] * hann[k] }
            autocorrelate(frame, into: &correlation)
            var peak = 0.0
            for value in correlation { peak = max(peak, abs(value)) }
            let scale = peak < Double.leastNormalMagnitude ? 1 : peak
            for lag in 0..<window { sum[lag] += correlation[lag] / scale }
        }
        return sum.map { $0 / Double(n) }
    }

    /// r[lag] = Σₖ x[k]·x[k + lag], four partial sums at a time.
    private static func autocorrelate(_ x: [Double], into r: inout [Double]) {
        let n = x.count
        x.withUnsafeBufferPointer { x in
            for lag in 0..<n {
                let count = n - lag
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                var k = 0
                while k + 4 <= count {
                    s0 += x[k] * x[k + lag]
                    s1 += x[k + 1] * x[k + 1 + lag]
                    s2 += x[k + 2] * x[k + 2 + lag]
                    s3 += x[k + 3] * x[k + 3 + lag]
                    k += 4
                }
                while k < count {
                    s0 += x[k] * x[k + lag]
                    k += 1
                }
                r[lag] = (s0 + s1) + (s2 + s3)
            }
        }
    }
}
