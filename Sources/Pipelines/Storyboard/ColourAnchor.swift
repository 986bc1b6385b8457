import Media

/// The per-channel mean and spread of a clip's colours, in 0–255 units: what drifts when windows
/// are chained (colour casts, washed-out or burnt-in contrast).
public struct ColourStatistics: Sendable, Equatable {
    public var mean: [Double]  // R, G, B
    public var deviation: [Double]

    public init(mean: [Double], deviation: [Double]) { self.mean = mean; self.deviation = deviation }

    public init(_ clip: VideoFrames) {
        var sum = [Double](repeating: 0, count: 3), squares = [Double](repeating: 0, count: 3)
        clip.pixels.withUnsafeBufferPointer { pixels in
            var i = 0
            while i < pixels.count {
                for c in 0..<3 {
                    let x = Double(pixels[i + c])
                    sum[c] += x
                    squares[c] += x * x
                }
                i += 3
            }
        }
        let n = Double(clip.pixels.count / 3)
        let means = sum.map { $0 / n }
        mean = means
        deviation = (0..<3).map { c in (max(squares[c] / n - means[c] * means[c], 0)).squareRoot() }
    }

    /// The brightness (Rec. 601 luma) of the mean colour.
    public var luma: Double { 0.299 * mean[0] + 0.587 * mean[1] + 0.114 * mean[2] }
}

/// Colour re-anchoring for chained windows: each new window's colours move part of the way toward
/// the statistics of its card's first window (per-channel mean and spread, the AdaIN of long-video
/// pipelines, in pixels), so that small shifts do not add up over dozens of windows. The correction
/// can fade in over a window's first frames (`ramp`); the storyboard and zoom windows apply it whole,
/// since their first frames are cross-faded into the frames before them (``SeamBlender``).
public struct ColourAnchor: Sendable, Equatable {
    public let target: ColourStatistics
    /// How far each window moves toward the target: 0 leaves it, 1 matches it.
    public let strength: Double

    public init(target: ColourStatistics, strength: Double = ColourAnchor.defaultStrength) {
        self.target = target
        self.strength = strength
    }

    /// Half-way each window: enough to hold the look over a minute of windows, little enough to leave
    /// a scene's own changes of light.
    public static let defaultStrength = 0.5

    /// `clip` with its colours moved toward the target; frame k of the first `ramp` frames gets
    /// (k + 1) / (ramp + 1) of the correction.
    public func corrected(_ clip: VideoFrames, ramp: Int) throws -> VideoFrames {
        let own = ColourStatistics(clip)
        var scale = [Double](repeating: 1, count: 3), offset = [Double](repeating: 0, count: 3)
        for c in 0..<3 {
            let mean = own.mean[c] + strength * (target.mean[c] - own.mean[c])
            let deviation = own.deviation[c] + strength * (target.deviation[c] - own.deviation[c])
            scale[c] = own.deviation[c] > 1e-6 ? deviation / own.deviation[c] : 1
            offset[c] = mean - scale[c] * own.mean[c]
        }
        let plane = clip.width * clip.height * 3
        var pixels = clip.pixels
        for f in 0..<clip.count {
            let weight = f < ramp ? Double(f + 1) / Double(ramp + 1) : 1
            // One lookup table per channel for this frame's weight.
            let tables = (0..<3).map { c in
                (0..<256).map { x -> UInt8 in
                    let full = scale[c] * Double(x) + offset[c]
                    let y = Double(x) + weight * (full - Double(x))
                    return UInt8(min(max(y.rounded(), 0), 255))
                }
            }
            for i in stride(from: f * plane, to: (f + 1) * plane, by: 3) {
                pixels[i] = tables[0][Int(pixels[i])]
                pixels[i + 1] = tables[1][Int(pixels[i + 1])]
                pixels[i + 2] = tables[2][Int(pixels[i + 2])]
            }
        }
        return try VideoFrames(width: clip.width, height: clip.height, count: clip.count, pixels: pixels)
    }
}
