import Media

/// Still keyframes nested one inside the next, and the camera that looks into them at any depth.
///
/// Levels `L_0` (outermost) … `L_M` are all `width` x `height`; `L_{j+1}` is the centred
/// `1 / factors[j]` of `L_j`, shrunk. At depth `d` the frame is the centred window of `L_j`
/// (`j = ⌊d⌋`) of relative size `factors[j]^−(d − j)`, enlarged bilinearly to the full frame, with
/// every deeper level pasted over it at its exact nested place and size while it spans at least
/// ``minimumSize`` pixels: shrunk levels are area-averaged (from a mip pyramid beyond 4x), and each
/// paste's edge fades in over ``feather`` pixels so the sharp inner level meets the blurrier
/// enlarged centre of its parent without a seam. As `d` reaches `j + 1` the pasted `L_{j+1}` covers
/// the frame and the fade narrows to nothing, so the picture passes through the integer depth
/// without a jump.
public struct ZoomChain: Sendable {
    /// Frame width in pixels.
    public let width: Int
    /// Frame height in pixels.
    public let height: Int
    /// `factors[j]`: how much larger level `j` is than level `j + 1` (each above 1).
    public let factors: [Double]
    /// How many output pixels a pasted level's edge takes to fade in (at most the margin between
    /// the paste and the frame's edge, and a quarter of the paste's size).
    public let feather: Double
    /// Deeper levels smaller than this many pixels on a side are left out.
    public let minimumSize: Double = 2
    /// Each level's mip pyramid: the level itself, then halvings down to a side of 2 pixels.
    let pyramids: [[VideoFrames]]

    /// Nests `levels` (outermost first, one frame each, all one size) with `levels.count − 1`
    /// `factors`. Throws ``ZoomError`` for a count, size or factor that does not fit.
    public init(levels: [VideoFrames], factors: [Double], feather: Double = 4) throws(ZoomError) {
        guard levels.count == factors.count + 1 else {
            throw .invalidKeyframes("a chain with \(factors.count) factors needs \(factors.count + 1) levels, not \(levels.count)")
        }
        try ZoomChain.checkStills(levels, named: "level")
        for (j, factor) in factors.enumerated() where !(factor.isFinite && factor > 1) {
            throw .invalidPath("link \(j)'s factor \(factor) must be above 1")
        }
        guard feather.isFinite, feather >= 0 else { throw .invalidPath("the feather \(feather) must be at least 0 pixels") }
        width = levels[0].width
        height = levels[0].height
        self.factors = factors
        self.feather = feather
        pyramids = levels.map(ZoomChain.pyramid)
    }

    /// Checks that `stills` are single frames of one size, naming the first that is not by its
    /// index (`"\(noun) \(index)"`).
    static func checkStills(_ stills: [VideoFrames], named noun: String) throws(ZoomError) {
        guard let first = stills.first else { throw .invalidKeyframes("there are no \(noun)s") }
        for (index, still) in stills.enumerated() {
            guard still.count == 1 else {
                throw .invalidKeyframes("\(noun) \(index) has \(still.count) frames; it must be one still frame")
            }
            guard still.width <= 16384, still.height <= 16384 else {
                throw .invalidKeyframes("\(noun) \(index) is \(still.width)x\(still.height); each side must be at most 16384 pixels")
            }
            guard still.width == first.width, still.height == first.height else {
                throw .invalidKeyframes("\(noun) \(index) is \(still.width)x\(still.height); \(noun) 0 is \(first.width)x\(first.height)")
            }
        }
    }

    /// `still`, then each level half the last (area-averaged) while the result keeps a side of 2 pixels.
    static func pyramid(_ still: VideoFrames) -> [VideoFrames] {
        var levels = [still]
        while let last = levels.last, min(last.width, last.height) >= 4,
              let half = try? last.resized(width: last.width / 2, height: last.height / 2) {
            levels.append(half)
        }
        return levels
    }

    /// The frame at `depth` (clamped to `0…M`), one frame of `width` x `height`.
    public func frame(atDepth depth: Double) throws(ZoomError) -> VideoFrames {
        let view = ZoomView(depth: depth, factors: factors)
        do throws(MediaError) {
            var canvas = try ZoomCanvas(base: pyramids[view.level][0], window: view.visibleRect(width: width, height: height))
            // Each deeper level's size as a fraction of the frame.
            var size = 1 / view.windowScale
            for level in view.level + 1..<pyramids.count {
                size /= factors[level - 1]
                guard Double(min(width, height)) * size >= minimumSize else { break }
                try canvas.paste(pyramid: pyramids[level], size: size, feather: feather)
            }
            return try canvas.frame()
        } catch {
            throw .invalidKeyframes("resampling at depth \(depth) failed: \(error)")
        }
    }
}
