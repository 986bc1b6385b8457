import Foundation
import Testing
import Audio

@Suite("FFT")
struct FFTTests {
    /// The radix-2 FFT against the O(n²) DFT on pseudo-random input.
    @Test(arguments: [2, 8, 64, 2048]) func matchesTheDirectTransform(size: Int) {
        var generator = SystemRandomNumberGenerator()
        let real = (0..<size).map { _ in Double.random(in: -1...1, using: &generator) }
        let imag = (0..<size).map { _ in Double.random(in: -1...1, using: &generator) }
        var outReal = real, outImag = imag
        outReal.withUnsafeMutableBufferPointer { r in
            outImag.withUnsafeMutableBufferPointer { i in FFT(size: size).forward(real: r, imag: i) }
        }
        var worst = 0.0
        for k in 0..<size {
            var sumReal = 0.0, sumImag = 0.0
            for n in 0..<size {
                let angle = -2 * Double.pi * Double(k * n % size) / Double(size)
                sumReal += real[n] * cos(angle) - imag[n] * sin(angle)
                sumImag += real[n] * sin(angle) + imag[n] * cos(angle)
            }
            worst = max(worst, abs(sumReal - outReal[k]), abs(sumImag - outImag[k]))
        }
        #expect(worst < 1e-10 * Double(size), "size \(size): largest difference \(worst)")
    }
}
