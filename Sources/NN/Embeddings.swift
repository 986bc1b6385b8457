#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor

/// The Wan transformer's 3-axis rotary position tables (diffusers' `WanRotaryPosEmbed`, docs/wan-reference.md
/// §1.3). The head dimension `d` is split into a time band of `d − 4·⌊d/6⌋` features and height
/// and width bands of `2·⌊d/6⌋` each (44/42/42 for `d` = 128). In each band of size `m`, pair `j`
/// turns by the angle `pos · θ^(−2j/m)`; angles, cosines and sines are computed in double precision
/// and rounded to float once, each value repeated for the interleaved pair `(2j, 2j+1)`, the bands
/// concatenated `[t | h | w]`. Rows follow the token order (frame, then row, then column), ready
/// for the backend's `rotaryEmbedding`.
public struct WanRotaryEmbedding: Sendable {
    /// Features per head (even).
    public let headDim: Int
    /// The frequency base.
    public let theta: Double
    /// The longest axis the reference supports: diffusers precomputes this many positions per axis.
    public let maxPositions: Int

    /// Tables for heads of `headDim` features (even, positive).
    public init(headDim: Int, theta: Double = 10_000, maxPositions: Int = 1024) throws {
        guard headDim > 0, headDim % 2 == 0 else {
            throw TensorError.invalidArgument(op: "WanRotaryEmbedding", detail: "head dimension \(headDim) must be even and positive")
        }
        self.headDim = headDim
        self.theta = theta
        self.maxPositions = maxPositions
    }

    /// The band sizes (time, height, width), summing to `headDim`.
    public var bands: (time: Int, height: Int, width: Int) {
        let spatial = 2 * (headDim / 6)
        return (headDim - 2 * spatial, spatial, spatial)
    }

    /// The cosine and sine tables of one band for positions `0..<positions`, row-major
    /// `[positions, band]`, each angle repeated for its pair.
    public func axisTables(band: Int, positions: Int) -> (cos: [Float], sin: [Float]) {
        var cosines = [Float](repeating: 0, count: positions * band)
        var sines = cosines
        for j in 0..<(band / 2) {
            let frequency = 1.0 / pow(theta, Double(2 * j) / Double(band))
            for p in 0..<positions {
                let angle = Double(p) * frequency
                let (c, s) = (Float(cos(angle)), Float(sin(angle)))
                cosines[p * band + 2 * j] = c
                cosines[p * band + 2 * j + 1] = c
                sines[p * band + 2 * j] = s
                sines[p * band + 2 * j + 1] = s
            }
        }
        return (cosines, sines)
    }

    /// The tables for a grid of `frames × height × width` tokens: cos and sin `[N, headDim]`
    /// float32 host tensors, N = frames·height·width, row `(f·height + h)·width + w`.
    public func tables(frames: Int, height: Int, width: Int) throws -> (cos: Tensor, sin: Tensor) {
        let grid = [frames, height, width]
        guard grid.allSatisfy({ $0 > 0 && $0 <= maxPositions }) else {
            throw TensorError.invalidArgument(
                op: "WanRotaryEmbedding", detail: "grid \(grid) must have 1 to \(maxPositions) positions per axis")
        }
        let sizes = [bands.time, bands.height, bands.width]
        let axes = zip(sizes, grid).map { axisTables(band: $0, positions: $1) }
        let offsets = [0, sizes[0], sizes[0] + sizes[1]]
        let n = frames * height * width
        var cosines = [Float](repeating: 0, count: n * headDim)
        var sines = cosines
        func copyBand(_ axis: Int, position: Int, row: Int) {
            let band = sizes[axis], source = position * band, target = row + offsets[axis]
            for i in 0..<band {
                cosines[target + i] = axes[axis].cos[source + i]
                sines[target + i] = axes[axis].sin[source + i]
            }
        }
        for f in 0..<frames {
            for h in 0..<height {
                for w in 0..<width {
                    let row = ((f * height + h) * width + w) * headDim
                    copyBand(0, position: f, row: row)
                    copyBand(1, position: h, row: row)
                    copyBand(2, position: w, row: row)
                }
            }
        }
        return (try Tensor(cosines, shape: [n, headDim]), try Tensor(sines, shape: [n, headDim]))  // [N, d] each
    }
}

/// Sinusoidal timestep features as diffusers' `get_timestep_embedding` computes them, in float32
/// (docs/wan-reference.md §1.4): `e_i = exp(−ln(maxPeriod)·i / (half − downscaleFreqShift))`,
/// `arg_i = scale·t·e_i`, output `[sin(arg) | cos(arg)]`, or `[cos | sin]` with `flipSinToCos`
/// (Wan's setting); an odd `dim` gets a trailing zero. Returns a float32 host tensor `[B, dim]`.
public func timestepSinusoid(timesteps: [Float], dim: Int = 256, flipSinToCos: Bool = true,
                             downscaleFreqShift: Float = 0, scale: Float = 1, maxPeriod: Double = 10_000) throws -> Tensor {
    let half = dim / 2
    guard half > 0 else {
        throw TensorError.invalidArgument(op: "timestepSinusoid", detail: "dim \(dim) must be at least 2")
    }
    // PyTorch multiplies the float32 arange by the Python float −ln(maxPeriod) rounded to float32.
    let logPeriod = Float(-log(maxPeriod))
    let frequencies = (0..<half).map { expf(logPeriod * Float($0) / (Float(half) - downscaleFreqShift)) }
    var values = [Float](repeating: 0, count: timesteps.count * dim)
    for (b, t) in timesteps.enumerated() {
        let row = b * dim
        let (sinStart, cosStart) = flipSinToCos ? (row + half, row) : (row, row + half)
        for i in 0..<half {
            let argument = scale * (t * frequencies[i])
            values[sinStart + i] = sinf(argument)
            values[cosStart + i] = cosf(argument)
        }
    }
    return try Tensor(values, shape: [timesteps.count, dim])  // [B, dim]
}
