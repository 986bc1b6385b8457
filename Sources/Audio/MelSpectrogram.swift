#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The mel power spectrogram of librosa 0.11's `feature.melspectrogram` with its defaults: a centred
/// STFT (the signal zero-padded by half a window on each side, librosa's `pad_mode="constant"`),
/// a periodic Hann window as long as the FFT, |X|², then the mel filters.
struct MelSpectrogram {
    let fftSize: Int
    let hopLength: Int
    let filterbank: MelFilterbank
    private let window: [Double]
    private let fft: FFT

    init(sampleRate: Int, fftSize: Int, hopLength: Int, bands: Int) {
        self.fftSize = fftSize
        self.hopLength = hopLength
        filterbank = MelFilterbank(sampleRate: sampleRate, fftSize: fftSize, bands: bands,
                                   maxFrequency: Double(sampleRate) / 2)
        window = periodicHann(fftSize)
        fft = FFT(size: fftSize)
    }

    /// The number of frames for `sampleCount` samples: one per hop, the first centred on sample 0.
    func frameCount(_ sampleCount: Int) -> Int { 1 + sampleCount / hopLength }

    /// Mel power per frame, frame-major: element `t * bands + m` is band `m` of frame `t`.
    func power(_ samples: [Float]) -> [Double] {
        let frames = frameCount(samples.count)
        let bands = filterbank.filters.count
        var out = [Double](repeating: 0, count: frames * bands)
        var real = [Double](repeating: 0, count: fftSize), imag = real
        var binPower = [Double](repeating: 0, count: 2 * (fftSize / 2 + 1))
        samples.withUnsafeBufferPointer { samples in
            real.withUnsafeMutableBufferPointer { real in
                imag.withUnsafeMutableBufferPointer { imag in
                    // Two real frames per complex FFT: frame t in the real part, frame t + 1 in the imaginary.
                    var t = 0
                    while t < frames {
                        fill(real, frame: t, from: samples)
                        fill(imag, frame: t + 1 < frames ? t + 1 : -1, from: samples)
                        fft.forward(real: real, imag: imag)
                        splitPowers(real, imag, into: &binPower)
                        for pair in 0..<min(2, frames - t) {
                            project(binPower, pair: pair, into: &out, at: (t + pair) * bands)
                        }
                        t += 2
                    }
                }
            }
        }
        return out
    }

    /// Windowed samples of frame `frame` (-1: zeros); samples outside the signal are zero.
    private func fill(_ buffer: UnsafeMutableBufferPointer<Double>, frame: Int, from samples: UnsafeBufferPointer<Float>) {
        guard frame >= 0 else {
            buffer.update(repeating: 0)
            return
        }
        let start = frame * hopLength - fftSize / 2
        for i in 0..<fftSize {
            let index = start + i
            buffer[i] = index >= 0 && index < samples.count ? Double(samples[index]) * window[i] : 0
        }
    }

    /// |X|² of the two real frames packed in one complex spectrum Z: X₀[k] = (Z[k] + Z*[N−k]) / 2 and
    /// X₁[k] = (Z[k] − Z*[N−k]) / 2i, for k = 0 … N/2; frame 0's powers first, then frame 1's.
    private func splitPowers(_ real: UnsafeMutableBufferPointer<Double>, _ imag: UnsafeMutableBufferPointer<Double>,
                             into powers: inout [Double]) {
        let bins = fftSize / 2 + 1
        for k in 0..<bins {
            let mirror = (fftSize - k) % fftSize
            let sumReal = real[k] + real[mirror], diffImag = imag[k] - imag[mirror]
            let sumImag = imag[k] + imag[mirror], diffReal = real[k] - real[mirror]
            powers[k] = (sumReal * sumReal + diffImag * diffImag) / 4
            powers[bins + k] = (sumImag * sumImag + diffReal * diffReal) / 4
        }
    }

    private func project(_ powers: [Double], pair: Int, into out: inout [Double], at offset: Int) {
        let base = pair * (fftSize / 2 + 1)
        for (band, filter) in filterbank.filters.enumerated() {
            var sum = 0.0
            for (i, weight) in filter.weights.enumerated() { sum += weight * powers[base + filter.firstBin + i] }
            out[offset + band] = sum
        }
    }
}

/// A periodic Hann window (scipy's `get_window("hann", n, fftbins=True)`): 0.5 − 0.5·cos(2πk/n).
func periodicHann(_ length: Int) -> [Double] {
    (0..<length).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(length)) }
}
