#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Media

/// One zoom frame being composed: a level's window enlarged to the frame, then deeper levels pasted
/// centred over it with feathered edges.
struct ZoomCanvas {
    let width: Int
    let height: Int
    /// `height · width · 3` bytes.
    var pixels: [UInt8]

    /// The frame filled with `window` of `base` (the window at most the level's size, so enlarged).
    init(base: VideoFrames, window: PixelRect) throws(MediaError) {
        width = base.width
        height = base.height
        pixels = try base.resampled(from: window, width: width, height: height).pixels
    }

    /// The frame as a one-frame clip.
    func frame() throws(MediaError) -> VideoFrames {
        try VideoFrames(width: width, height: height, count: 1, pixels: pixels)
    }

    /// Pastes a level, given as its mip `pyramid`, centred at `size` (a fraction of the frame, at
    /// most 1) over the frame, fading its edge in over up to `feather` pixels.
    mutating func paste(pyramid: [VideoFrames], size: Double, feather: Double) throws(MediaError) {
        let columns = FeatherRamp(frameLength: width, size: size, feather: feather)
        let rows = FeatherRamp(frameLength: height, size: size, feather: feather)
        // Area sampling reads every source pixel under an output pixel; past 4 source pixels per
        // output pixel, start from the mip level that leaves 2 to 4, whose filter barely differs.
        let shrink = 1 / size
        let mip = min(shrink >= 4 ? Int(log2(shrink).rounded(.down)) - 1 : 0, pyramid.count - 1)
        let source = pyramid[mip]
        let scaleX = Double(source.width) / Double(width), scaleY = Double(source.height) / Double(height)
        // The source rectangle that lands exactly on the whole pixels the paste touches.
        let region = PixelRect(x: (Double(columns.first) - columns.start) / size * scaleX,
                               y: (Double(rows.first) - rows.start) / size * scaleY,
                               width: Double(columns.count) / size * scaleX,
                               height: Double(rows.count) / size * scaleY)
        let patch = try source.resampled(from: region, width: columns.count, height: rows.count)
        patch.pixels.withUnsafeBufferPointer { patch in
            pixels.withUnsafeMutableBufferPointer { frame in
                for y in 0..<rows.count {
                    let alphaY = rows.alpha[y]
                    if alphaY == 0 { continue }
                    for x in 0..<columns.count {
                        let alpha = alphaY * columns.alpha[x]
                        if alpha == 0 { continue }
                        let p = (y * columns.count + x) * 3, o = ((rows.first + y) * width + columns.first + x) * 3
                        for c in 0..<3 {
                            let under = Float(frame[o + c])
                            frame[o + c] = UInt8(under + alpha * (Float(patch[p + c]) - under) + 0.5)
                        }
                    }
                }
            }
        }
    }
}

/// Where a centred paste falls along one axis of the frame, and how opaque it is at each pixel it
/// touches.
struct FeatherRamp {
    /// The paste's edge, in frame pixels (the far edge is `frameLength − start`).
    let start: Double
    /// The first frame pixel the paste touches.
    let first: Int
    /// How many pixels it touches.
    let count: Int
    /// Opacity of each: 0 at the paste's edge, rising linearly to 1 over the fade width.
    let alpha: [Float]

    init(frameLength: Int, size: Double, feather: Double) {
        let length = Double(frameLength) * size
        start = (Double(frameLength) - length) / 2
        let end = start + length
        first = max(0, Int(start.rounded(.down)))
        count = min(frameLength, Int(end.rounded(.up))) - first
        // The fade narrows to nothing as the paste's edge reaches the frame's, so a paste that
        // fills the frame covers it fully (the frame just before an integer depth equals the one at it).
        let fade = min(feather, start, length / 4)
        alpha = (0..<count).map { [start, first] i in
            let centre = Double(first + i) + 0.5
            let inside = min(centre - start, end - centre)
            guard fade > 1e-9 else { return inside > 0 ? 1 : 0 }
            return Float(min(max(inside / fade, 0), 1))
        }
    }
}
