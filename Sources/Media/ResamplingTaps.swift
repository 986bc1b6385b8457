/// The source pixels and weights that make each output pixel along one axis, for sampling the
/// interval `[start, start + length)` of a row (or column) of `sourceLength` pixels into `outputs`
/// pixels. Pixel `k` covers `[k, k + 1)`; positions outside the source repeat its edge pixel.
///
/// Shrinking (more than one source pixel per output pixel) averages the area each output pixel
/// covers; enlarging interpolates linearly between the two nearest pixel centres. The two agree at
/// one source pixel per output pixel, so a zoom that passes through that ratio does not jump.
struct ResamplingTaps {
    /// Taps per output pixel (unused ones have weight 0).
    let count: Int
    /// `outputs · count` source indices, each within `0..<sourceLength`.
    let index: [Int]
    /// `outputs · count` weights; each output pixel's sum to 1.
    let weight: [Float]

    init(sourceLength: Int, start: Double, length: Double, outputs: Int) {
        let step = length / Double(outputs)
        let last = sourceLength - 1
        let count = step > 1 ? Int(step.rounded(.up)) + 1 : 2
        var index = [Int](repeating: 0, count: outputs * count)
        var weight = [Float](repeating: 0, count: outputs * count)
        for i in 0..<outputs {
            let a = start + Double(i) * step, base = i * count
            if step > 1 {
                // Area: the overlap of [a, a + step) with each pixel, over step.
                let b = a + step
                var k = Int(a.rounded(.down)), t = 0
                while Double(k) < b, t < count {
                    let overlap = min(b, Double(k + 1)) - max(a, Double(k))
                    index[base + t] = min(max(k, 0), last)
                    weight[base + t] = Float(overlap / step)
                    k += 1
                    t += 1
                }
                // Spare taps repeat the last pixel with no weight, so they widen no span.
                for spare in t..<count { index[base + spare] = index[base + t - 1] }
            } else {
                // Linear between the pixel centres around the output pixel's centre.
                let p = a + step / 2 - 0.5
                let k = Int(p.rounded(.down))
                let fraction = p - Double(k)
                index[base] = min(max(k, 0), last)
                index[base + 1] = min(max(k + 1, 0), last)
                weight[base] = Float(1 - fraction)
                weight[base + 1] = Float(fraction)
            }
        }
        self.count = count
        self.index = index
        self.weight = weight
    }

    /// The lowest and highest source index any tap reads.
    var span: ClosedRange<Int> {
        (index.min() ?? 0)...(index.max() ?? 0)
    }
}
