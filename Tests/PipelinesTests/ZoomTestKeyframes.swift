#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Media
import Pipelines

/// Synthetic keyframe chains for the zoom tests, nested as the keyframe builder nests them: each
/// level is its own pattern with the next level shrunk (area-averaged) into its centre.
enum ZoomTestKeyframes {
    /// Chain levels (outermost first) of `width` x `height`; `factors` must shrink both sides to whole,
    /// centred pixels. `pattern(level, x, y)` colours pixel (x, y) of a level. Unless `nested`, each
    /// level is its pattern alone, its centre disagreeing with the level it holds.
    static func chain(width: Int, height: Int, factors: [Double], nested: Bool = true,
                      pattern: (Int, Int, Int) -> (UInt8, UInt8, UInt8)) throws -> [VideoFrames] {
        func own(_ level: Int) -> [UInt8] {
            var pixels: [UInt8] = []
            pixels.reserveCapacity(width * height * 3)
            for y in 0..<height { for x in 0..<width {
                let (r, g, b) = pattern(level, x, y)
                pixels += [r, g, b]
            } }
            return pixels
        }
        var levels = [try VideoFrames(width: width, height: height, count: 1, pixels: own(factors.count))]
        for level in stride(from: factors.count - 1, through: 0, by: -1) {
            guard nested else {
                levels.insert(try VideoFrames(width: width, height: height, count: 1, pixels: own(level)), at: 0)
                continue
            }
            let innerWidth = Int((Double(width) / factors[level]).rounded())
            let innerHeight = Int((Double(height) / factors[level]).rounded())
            let inner = try levels[0].resized(width: innerWidth, height: innerHeight)
            var pixels = own(level)
            let x0 = (width - innerWidth) / 2, y0 = (height - innerHeight) / 2
            for y in 0..<innerHeight {
                let from = y * innerWidth * 3, to = ((y0 + y) * width + x0) * 3
                pixels.replaceSubrange(to..<to + innerWidth * 3, with: inner.pixels[from..<from + innerWidth * 3])
            }
            levels.insert(try VideoFrames(width: width, height: height, count: 1, pixels: pixels), at: 0)
        }
        return levels
    }

    /// White with a black rectangle outline, 3 pixels thick, at 0.8 of the frame (its edges at 10 %
    /// and 90 % of each side): outside the centre of any factor above 1.25, so each level's outline
    /// stays its own.
    static func outlined(width: Int, height: Int) -> (Int, Int, Int) -> (UInt8, UInt8, UInt8) {
        { _, x, y in
            let cx = Double(x) + 0.5, cy = Double(y) + 0.5
            let (left, right) = (0.1 * Double(width), 0.9 * Double(width))
            let (top, bottom) = (0.1 * Double(height), 0.9 * Double(height))
            let withinX = cx > left - 1.5 && cx < right + 1.5, withinY = cy > top - 1.5 && cy < bottom + 1.5
            let onVertical = withinY && (abs(cx - left) < 1.5 || abs(cx - right) < 1.5)
            let onHorizontal = withinX && (abs(cy - top) < 1.5 || abs(cy - bottom) < 1.5)
            return onVertical || onHorizontal ? (0, 0, 0) : (255, 255, 255)
        }
    }

    /// A smooth plaid (period 6 pixels) tinted by level: fine enough that an enlarged level looks
    /// blurred beside the sharp level it holds, smooth enough that one frame of zoom changes it little.
    static func textured(level: Int, x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        let wave = sin(2 * Double.pi * Double(x) / 6) * sin(2 * Double.pi * Double(y) / 6)
        let tints: [(Double, Double, Double)] = [(1, 0.6, 0.3), (0.3, 1, 0.5), (0.5, 0.4, 1), (1, 1, 0.3)]
        let tint = tints[level % tints.count]
        func channel(_ t: Double) -> UInt8 { UInt8(min(max(128 + 100 * wave * t + 20 * t, 0), 255)) }
        return (channel(tint.0), channel(tint.1), channel(tint.2))
    }

    /// Mean absolute difference of the bytes of two clips of one size.
    static func meanAbsoluteDifference(_ a: VideoFrames, _ b: VideoFrames) -> Double {
        zip(a.pixels, b.pixels).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(a.pixels.count)
    }
}
