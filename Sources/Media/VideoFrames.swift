/// A clip of 8-bit RGB frames, all one size: frame-major, rows top to bottom, R,G,B interleaved.
///
/// ``MediaReader`` reads images, videos and PNG folders into clips; ``tensor()`` turns one into the
/// `[1, 3, F, H, W]` input diffusers' video processor makes.
public struct VideoFrames: Sendable, Equatable {
    /// Pixels per row.
    public let width: Int
    /// Rows per frame.
    public let height: Int
    /// Frames.
    public let count: Int
    /// `count · height · width · 3` bytes.
    public let pixels: [UInt8]

    /// Wraps `pixels`, which must hold exactly `count · height · width · 3` bytes; every size must be
    /// at least 1.
    public init(width: Int, height: Int, count: Int, pixels: [UInt8]) throws(MediaError) {
        guard width > 0, height > 0, count > 0 else {
            throw .invalidFrames(detail: "a clip needs at least one frame of at least 1x1 pixels; "
                                 + "got \(count) frames of \(width)x\(height)")
        }
        guard let total = VideoFrames.byteCount(width: width, height: height, frames: count),
              pixels.count == total else {
            throw .invalidFrames(detail: "\(count) frames of \(width)x\(height) RGB need "
                                 + "\(count)·\(height)·\(width)·3 bytes, not \(pixels.count)")
        }
        self.init(unchecked: width, height, count, pixels)
    }

    /// Joins `frames`, which must be at least one and all of one size.
    public init(frames: [RGBFrame]) throws(MediaError) {
        guard let first = frames.first else { throw .invalidFrames(detail: "a clip needs at least one frame") }
        var pixels: [UInt8] = []
        pixels.reserveCapacity(first.pixels.count * frames.count)
        for (index, frame) in frames.enumerated() {
            guard frame.width == first.width, frame.height == first.height else {
                throw .invalidFrames(detail: "frame \(index) is \(frame.width)x\(frame.height); "
                                     + "frame 0 is \(first.width)x\(first.height)")
            }
            pixels.append(contentsOf: frame.pixels)
        }
        self.init(unchecked: first.width, first.height, frames.count, pixels)
    }

    /// The values are known to agree.
    init(unchecked width: Int, _ height: Int, _ count: Int, _ pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.count = count
        self.pixels = pixels
    }

    /// The largest clip this module makes (4 GiB): ``MediaReader``'s default limit, and the largest
    /// canvas ``placedCentred(width:height:)`` fills.
    static let maximumByteCount = 4 << 30

    /// `frames · height · width · 3`, or nil when it overflows `Int` or a size is negative.
    static func byteCount(width: Int, height: Int, frames: Int) -> Int? {
        guard width >= 0, height >= 0, frames >= 0 else { return nil }
        var total = 3
        for factor in [width, height, frames] {
            let (product, overflow) = total.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// Bytes in one frame.
    var frameByteCount: Int { width * height * 3 }

    /// The frames one by one.
    public var frames: [RGBFrame] {
        (0..<count).compactMap { f in
            try? RGBFrame(width: width, height: height,
                          pixels: Array(pixels[f * frameByteCount..<(f + 1) * frameByteCount]))
        }
    }

    /// Frames `range` (at least one, within `0..<count`) as a clip of their own.
    public func slice(_ range: Range<Int>) throws(MediaError) -> VideoFrames {
        guard !range.isEmpty, range.lowerBound >= 0, range.upperBound <= count else {
            throw .invalidFrames(detail: "frames \(range.lowerBound)..<\(range.upperBound) are not a non-empty "
                                 + "part of a clip of \(count) frames")
        }
        let bytes = pixels[range.lowerBound * frameByteCount..<range.upperBound * frameByteCount]
        return VideoFrames(unchecked: width, height, range.count, Array(bytes))
    }

    /// The clip played backwards: the last frame first.
    public func reversed() -> VideoFrames {
        var out: [UInt8] = []
        out.reserveCapacity(pixels.count)
        for f in stride(from: count - 1, through: 0, by: -1) {
            out.append(contentsOf: pixels[f * frameByteCount..<(f + 1) * frameByteCount])
        }
        return VideoFrames(unchecked: width, height, count, out)
    }

    /// The clips one after another; at least one, all of one size.
    public static func concatenated(_ clips: [VideoFrames]) throws(MediaError) -> VideoFrames {
        guard let first = clips.first else { throw .invalidFrames(detail: "there are no clips to join") }
        var pixels: [UInt8] = []
        pixels.reserveCapacity(clips.reduce(0) { $0 + $1.pixels.count })
        for (index, clip) in clips.enumerated() {
            guard clip.width == first.width, clip.height == first.height else {
                throw .invalidFrames(detail: "clip \(index) is \(clip.width)x\(clip.height); "
                                     + "clip 0 is \(first.width)x\(first.height)")
            }
            pixels.append(contentsOf: clip.pixels)
        }
        return VideoFrames(unchecked: first.width, first.height, clips.reduce(0) { $0 + $1.count }, pixels)
    }

    /// This clip centred on a `width` x `height` canvas (each at least this clip's), the border filled
    /// by repeating the nearest edge pixel. Returns the canvas and where the clip sits on it:
    /// `x = (width − self.width) / 2` rounded down, and likewise `y`.
    public func placedCentred(width canvasWidth: Int, height canvasHeight: Int)
        throws(MediaError) -> (VideoFrames, box: (x: Int, y: Int, width: Int, height: Int)) {
        guard canvasWidth >= width, canvasHeight >= height,
              let total = VideoFrames.byteCount(width: canvasWidth, height: canvasHeight, frames: count),
              total <= VideoFrames.maximumByteCount else {
            throw .invalidFrames(detail: "a \(width)x\(height) clip cannot be centred on a "
                                 + "\(canvasWidth)x\(canvasHeight) canvas: each side must be at least the clip's, "
                                 + "and the canvas clip under 4 GiB")
        }
        let x0 = (canvasWidth - width) / 2, y0 = (canvasHeight - height) / 2
        // For each canvas column, the source column whose pixel it repeats.
        let sourceColumn = (0..<canvasWidth).map { min(max($0 - x0, 0), width - 1) }
        let out = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            pixels.withUnsafeBufferPointer { source in
                var o = 0
                for f in 0..<count {
                    for y in 0..<canvasHeight {
                        let row = f * frameByteCount + min(max(y - y0, 0), height - 1) * width * 3
                        for column in sourceColumn {
                            let i = row + column * 3
                            buffer[o] = source[i]
                            buffer[o + 1] = source[i + 1]
                            buffer[o + 2] = source[i + 2]
                            o += 3
                        }
                    }
                }
            }
            initialized = total
        }
        return (VideoFrames(unchecked: canvasWidth, canvasHeight, count, out),
                box: (x: x0, y: y0, width: width, height: height))
    }
}
