#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Triangular mel filters as librosa 0.11's `filters.mel` builds them with its defaults: Slaney's
/// mel scale (linear below 1 kHz, logarithmic above; `htk=False`), `fmin` 0, each filter scaled to
/// unit area (`norm="slaney"`), and the weights rounded to float32 as librosa stores them.
struct MelFilterbank {
    /// One filter: its weights for the FFT bins `firstBin ..< firstBin + weights.count` (zero elsewhere).
    struct Filter {
        let firstBin: Int
        let weights: [Double]
    }

    let filters: [Filter]

    /// `bands` filters over the `fftSize / 2 + 1` bins of an FFT of `fftSize` samples at `sampleRate`,
    /// spanning 0 Hz to `maxFrequency`.
    init(sampleRate: Int, fftSize: Int, bands: Int, maxFrequency: Double) {
        let binCount = fftSize / 2 + 1
        // rfftfreq's bin spacing: 1 / (n · d) with d = 1 / sr.
        let spacing = 1.0 / (Double(fftSize) * (1.0 / Double(sampleRate)))
        let binFrequencies = (0..<binCount).map { Double($0) * spacing }
        let edges = MelFilterbank.melFrequencies(count: bands + 2, maxFrequency: maxFrequency)
        var filters: [Filter] = []
        for band in 0..<bands {
            let rising = edges[band + 1] - edges[band], falling = edges[band + 2] - edges[band + 1]
            let area = 2.0 / (edges[band + 2] - edges[band])
            var first = -1
            var weights: [Double] = []
            for (bin, frequency) in binFrequencies.enumerated() {
                let lower = -(edges[band] - frequency) / rising
                let upper = (edges[band + 2] - frequency) / falling
                let triangle = Float(max(0, min(lower, upper)))
                guard triangle > 0 else { continue }
                if first < 0 { first = bin }
                // Bins between the first and this one are inside the triangle too.
                while first + weights.count < bin { weights.append(0) }
                weights.append(Double(Float(Double(triangle) * area)))
            }
            filters.append(Filter(firstBin: max(first, 0), weights: weights))
        }
        self.filters = filters
    }

    /// `count` frequencies evenly spaced on the Slaney mel scale from 0 Hz to `maxFrequency`
    /// (librosa's `mel_frequencies`, computed as numpy's `linspace` does).
    static func melFrequencies(count: Int, maxFrequency: Double) -> [Double] {
        let top = hertzToMel(maxFrequency)
        let step = top / Double(count - 1)
        return (0..<count).map { melToHertz($0 == count - 1 ? top : Double($0) * step) }
    }

    /// Slaney's mel scale: 3 mels per 200 Hz up to 1 kHz, then logarithmic (27 steps per factor 6.4).
    static func hertzToMel(_ hertz: Double) -> Double {
        hertz >= minLogHertz ? minLogMel + log(hertz / minLogHertz) / logStep : hertz / linearStep
    }

    static func melToHertz(_ mel: Double) -> Double {
        mel >= minLogMel ? minLogHertz * exp(logStep * (mel - minLogMel)) : linearStep * mel
    }

    private static let linearStep = 200.0 / 3
    private static let minLogHertz = 1000.0
    private static let minLogMel = minLogHertz / linearStep
    private static let logStep = log(6.4) / 27.0
}
