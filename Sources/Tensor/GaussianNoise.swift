#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard normal noise from a 64-bit seed: xoshiro256** seeded through SplitMix64, Box–Muller in
/// double precision, rounded to float32. The same seed gives the same numbers on every machine (no
/// libm call differs between x86 CPUs for these inputs), so a seed reproduces a video bit for bit.
/// It does not reproduce PyTorch's `torch.randn`; parity runs pass their initial latents in instead.
public struct GaussianNoise: Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var mix = seed
        func splitMix() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    private mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let t = state.1 << 17
        state.2 ^= state.0; state.3 ^= state.1; state.1 ^= state.2; state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }

    /// A uniform double in (0, 1]: never 0, so its logarithm is finite.
    private mutating func uniform() -> Double {
        Double((next() >> 11) + 1) * 0x1p-53
    }

    /// A float32 tensor of `shape` filled with standard normal samples, in row-major order.
    public mutating func tensor(_ shape: [Int]) -> Tensor {
        let count = Tensor.elementCount(shape)
        let tensor = Tensor(uninitialized: shape, dtype: .float32)
        guard count > 0, let base = tensor.storage.hostPointer else { return tensor }
        let values = base.bindMemory(to: Float.self, capacity: count)
        var i = 0
        while i < count {
            let radius = (-2 * log(uniform())).squareRoot(), angle = 2 * Double.pi * uniform()
            values[i] = Float(radius * cos(angle))
            if i + 1 < count { values[i + 1] = Float(radius * sin(angle)) }
            i += 2
        }
        return tensor
    }
}
