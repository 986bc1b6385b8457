/// A rectangle in a frame's pixel coordinates, position and size fractional: pixel `(x, y)` covers
/// `[x, x + 1) × [y, y + 1)`, so a whole `W` x `H` frame is `PixelRect(x: 0, y: 0, width: W, height: H)`.
public struct PixelRect: Sendable, Equatable {
    /// Left edge.
    public var x: Double
    /// Top edge.
    public var y: Double
    /// Width, above 0.
    public var width: Double
    /// Height, above 0.
    public var height: Double

    /// The rectangle with top-left corner `(x, y)`.
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The rectangle of `width` x `height` whose centre is the centre of a `frameWidth` x
    /// `frameHeight` frame.
    public init(centredIn frameWidth: Int, _ frameHeight: Int, width: Double, height: Double) {
        self.init(x: (Double(frameWidth) - width) / 2, y: (Double(frameHeight) - height) / 2,
                  width: width, height: height)
    }
}

extension VideoFrames {
    /// Every frame scaled to `width` x `height` (each 1 to 16384), antialiased: each axis that
    /// shrinks averages the area an output pixel covers (a checkerboard halved turns grey), each that
    /// grows interpolates bilinearly between pixel centres. The aspect ratio is not kept.
    public func resized(width newWidth: Int, height newHeight: Int) throws(MediaError) -> VideoFrames {
        try resampled(from: PixelRect(x: 0, y: 0, width: Double(width), height: Double(height)),
                      width: newWidth, height: newHeight)
    }

    /// Rectangle `region` of every frame sampled into `width` x `height` pixels (each 1 to 16384),
    /// with the filters of ``resized(width:height:)``. The rectangle's position and size are used
    /// as they are, never rounded to whole pixels, so a rectangle that moves or grows a fraction of
    /// a pixel moves the picture by that fraction. Parts outside the frame repeat its edge pixels.
    public func resampled(from region: PixelRect, width newWidth: Int, height newHeight: Int)
        throws(MediaError) -> VideoFrames {
        guard (1...16384).contains(newWidth), (1...16384).contains(newHeight) else {
            throw .invalidSettings(detail: "cannot resample frames to \(newWidth)x\(newHeight): "
                                   + "each side must be 1 to 16384 pixels")
        }
        let corners = [region.x, region.y, region.x + region.width, region.y + region.height]
        guard region.width > 0, region.height > 0, corners.allSatisfy({ $0.isFinite && abs($0) < 1e9 }) else {
            throw .invalidSettings(detail: "cannot resample the region at (\(region.x), \(region.y)) of size "
                                   + "\(region.width)x\(region.height): it needs a finite position and a size above 0")
        }
        let columns = ResamplingTaps(sourceLength: width, start: region.x, length: region.width, outputs: newWidth)
        let rows = ResamplingTaps(sourceLength: height, start: region.y, length: region.height, outputs: newHeight)
        let frameBytes = newWidth * newHeight * 3
        var out = [UInt8](repeating: 0, count: frameBytes * count)
        for f in 0..<count {
            pixels.withUnsafeBufferPointer { source in
                out.withUnsafeMutableBufferPointer { destination in
                    resampleFrame(source: UnsafeBufferPointer(rebasing: source[f * frameByteCount..<(f + 1) * frameByteCount]),
                                  columns: columns, rows: rows, outputWidth: newWidth,
                                  into: UnsafeMutableBufferPointer(rebasing: destination[f * frameBytes..<(f + 1) * frameBytes]))
                }
            }
        }
        return VideoFrames(unchecked: newWidth, newHeight, count, out)
    }

    /// One frame, separably: each source row the rows' taps read is filtered across into floats,
    /// then each output row sums its taps of those.
    private func resampleFrame(source: UnsafeBufferPointer<UInt8>, columns: ResamplingTaps, rows: ResamplingTaps,
                               outputWidth: Int, into destination: UnsafeMutableBufferPointer<UInt8>) {
        let span = rows.span, rowBytes = outputWidth * 3
        var across = [Float](repeating: 0, count: span.count * rowBytes)  // [rows in span, outputWidth, 3]
        across.withUnsafeMutableBufferPointer { across in
            columns.index.withUnsafeBufferPointer { index in
                columns.weight.withUnsafeBufferPointer { weight in
                    for (r, y) in span.enumerated() {
                        let sourceRow = y * width * 3, row = r * rowBytes
                        for x in 0..<outputWidth {
                            var red: Float = 0, green: Float = 0, blue: Float = 0
                            for t in x * columns.count..<(x + 1) * columns.count {
                                let i = sourceRow + index[t] * 3, w = weight[t]
                                red += w * Float(source[i])
                                green += w * Float(source[i + 1])
                                blue += w * Float(source[i + 2])
                            }
                            across[row + x * 3] = red
                            across[row + x * 3 + 1] = green
                            across[row + x * 3 + 2] = blue
                        }
                    }
                }
            }
            var sum = [Float](repeating: 0, count: rowBytes)
            sum.withUnsafeMutableBufferPointer { sum in
                for y in 0..<rows.index.count / rows.count {
                    for i in 0..<rowBytes { sum[i] = 0 }
                    for t in y * rows.count..<(y + 1) * rows.count where rows.weight[t] != 0 {
                        let w = rows.weight[t], row = (rows.index[t] - span.lowerBound) * rowBytes
                        for i in 0..<rowBytes { sum[i] += w * across[row + i] }
                    }
                    let out = y * rowBytes
                    for i in 0..<rowBytes { destination[out + i] = UInt8(min(max(sum[i] + 0.5, 0), 255)) }
                }
            }
        }
    }
}
