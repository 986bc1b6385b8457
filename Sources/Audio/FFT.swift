#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An in-place iterative radix-2 complex FFT of one power-of-two size, in double precision, with
/// its twiddle factors and bit-reversal permutation computed once.
public struct FFT: Sendable {
    /// The transform size, a power of two.
    public let size: Int
    /// cos and −sin of 2πk/size for k < size/2: the forward transform's twiddle factors.
    private let cosines: [Double], sines: [Double]
    /// Pairs (i, j), i < j, whose elements the bit-reversal permutation swaps.
    private let swaps: [(Int, Int)]

    /// Precomputes the tables for `size`, which must be a power of two of at least 2 (a programming
    /// error otherwise: sizes come from code, not from input).
    public init(size: Int) {
        precondition(size >= 2 && size & (size - 1) == 0, "FFT size \(size) is not a power of two")
        self.size = size
        let half = size / 2
        cosines = (0..<half).map { cos(2 * Double.pi * Double($0) / Double(size)) }
        sines = (0..<half).map { -sin(2 * Double.pi * Double($0) / Double(size)) }
        let bits = size.trailingZeroBitCount
        var swaps: [(Int, Int)] = []
        for i in 0..<size {
            var reversed = 0
            for bit in 0..<bits where i & (1 << bit) != 0 { reversed |= 1 << (bits - 1 - bit) }
            if i < reversed { swaps.append((i, reversed)) }
        }
        self.swaps = swaps
    }

    /// Replaces (`real`, `imag`), `size` values each, with its forward DFT,
    /// X[k] = Σ x[n]·e^(−2πikn/size).
    public func forward(real: UnsafeMutableBufferPointer<Double>, imag: UnsafeMutableBufferPointer<Double>) {
        precondition(real.count == size && imag.count == size, "FFT of \(real.count) values, set up for \(size)")
        for (i, j) in swaps {
            swap(&real[i], &real[j])
            swap(&imag[i], &imag[j])
        }
        cosines.withUnsafeBufferPointer { cosines in
            sines.withUnsafeBufferPointer { sines in
                var span = 2
                while span <= size {
                    let half = span / 2
                    let stride = size / span
                    var start = 0
                    while start < size {
                        for k in 0..<half {
                            let wr = cosines[k * stride], wi = sines[k * stride]
                            let a = start + k, b = a + half
                            let tr = real[b] * wr - imag[b] * wi
                            let ti = real[b] * wi + imag[b] * wr
                            real[b] = real[a] - tr
                            imag[b] = imag[a] - ti
                            real[a] += tr
                            imag[a] += ti
                        }
                        start += span
                    }
                    span *= 2
                }
            }
        }
    }
}
