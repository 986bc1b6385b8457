#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pillow's `Image.resize` for 8-bit images, reproduced exactly (equal bytes): a separable
/// convolution, rows first and then columns, whose filter support widens by the downscale factor
/// (so shrinking averages, as antialiasing does). Each pass computes its coefficients in double
/// precision, normalises them to sum 1, turns them into 22-bit fixed point, accumulates
/// `pixel · coefficient` in integers from a rounding offset of one half, and clamps the result to
/// 0...255; the second pass reads the first pass's rounded bytes. transformers' PIL image processors
/// resize through this (docs/clip-vision.md).
public enum PILResampling {
    /// Pillow's resampling filters (the `resample` codes of a `preprocessor_config.json`).
    public enum Filter: Int, Sendable, CaseIterable {
        /// `Image.LANCZOS` (1): a sinc windowed by a sinc, support 3.
        case lanczos = 1
        /// `Image.BILINEAR` (2): the triangle, support 1.
        case bilinear = 2
        /// `Image.BICUBIC` (3): the cubic convolution with a = −0.5, support 2.
        case bicubic = 3

        /// Half the width of the filter at a scale of one.
        var support: Double {
            switch self {
            case .bilinear: return 1
            case .bicubic: return 2
            case .lanczos: return 3
            }
        }

        /// The filter's weight at distance `x`, evaluated as Pillow's C code does.
        func weight(_ x: Double) -> Double {
            switch self {
            case .bilinear:
                let t = abs(x)
                return t < 1 ? 1 - t : 0
            case .bicubic:
                let a = -0.5, t = abs(x)
                if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
                if t < 2 { return (((t - 5) * t + 8) * t - 4) * a }
                return 0
            case .lanczos:
                guard -3 <= x && x < 3 else { return 0 }
                return sinc(x) * sinc(x / 3)
            }
        }

        private func sinc(_ x: Double) -> Double {
            if x == 0 { return 1 }
            let t = x * Double.pi
            return sin(t) / t
        }
    }

    /// The largest side, in pixels, of an image this resamples (input or output).
    public static let largestSide = 1 << 15

    /// Fixed-point bits of the coefficients (Pillow's `PRECISION_BITS`, 32 − 8 − 2).
    static let precisionBits = 22

    /// `pixels` (interleaved, row-major, `channels` bytes per pixel, `width · height · channels`
    /// bytes) resized to `newWidth` x `newHeight` with `filter`, in the same layout. An image
    /// already of that size is returned as it is, as Pillow returns a copy. Throws
    /// ``CLIPVisionError/invalidInput(_:)`` for a size below 1 or above ``largestSide`` or a buffer
    /// of the wrong length.
    public static func resize(_ pixels: [UInt8], width: Int, height: Int, channels: Int, toWidth newWidth: Int,
                              height newHeight: Int, filter: Filter) throws -> [UInt8] {
        for (name, side) in [("width", width), ("height", height), ("new width", newWidth), ("new height", newHeight)]
        where !(1...largestSide).contains(side) {
            throw CLIPVisionError.invalidInput("the image \(name) is \(side), expected 1 to \(largestSide) pixels")
        }
        guard (1...4).contains(channels), pixels.count == width * height * channels else {
            throw CLIPVisionError.invalidInput("\(pixels.count) bytes do not hold a \(width)x\(height) image of \(channels) "
                + "channels (\(width * height * channels) bytes)")
        }
        var image = pixels, currentWidth = width
        if newWidth != width {
            let taps = Coefficients(inputSize: width, outputSize: newWidth, filter: filter)
            image = pass(image, taps: taps, lines: height, inputStride: channels, inputLineStride: width * channels,
                         outputStride: channels, outputLineStride: newWidth * channels, channels: channels)
            currentWidth = newWidth
        }
        if newHeight != height {
            let taps = Coefficients(inputSize: height, outputSize: newHeight, filter: filter)
            // Columns: along a column consecutive pixels are a row apart; the lines are the columns.
            image = pass(image, taps: taps, lines: currentWidth, inputStride: currentWidth * channels,
                         inputLineStride: channels, outputStride: currentWidth * channels, outputLineStride: channels,
                         channels: channels)
        }
        return image
    }

    /// One pass along one axis: for each of `lines` lines (rows or columns) and each output position,
    /// the fixed-point weighted sum of the input bytes under its taps.
    private static func pass(_ input: [UInt8], taps: Coefficients, lines: Int, inputStride: Int, inputLineStride: Int,
                             outputStride: Int, outputLineStride: Int, channels: Int) -> [UInt8] {
        let outputSize = taps.bounds.count
        var output = [UInt8](repeating: 0, count: lines * outputSize * channels)
        let half = 1 << (precisionBits - 1)
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                for line in 0..<lines {
                    for position in 0..<outputSize {
                        let (first, count) = taps.bounds[position]
                        let k = position * taps.size
                        for channel in 0..<channels {
                            var sum = half
                            var at = line * inputLineStride + first * inputStride + channel
                            for tap in 0..<count {
                                sum += Int(source[at]) * taps.fixedPoint[k + tap]
                                at += inputStride
                            }
                            // Pillow's clip8: the integer part, clamped to a byte.
                            destination[line * outputLineStride + position * outputStride + channel] =
                                UInt8(min(max(sum >> precisionBits, 0), 255))
                        }
                    }
                }
            }
        }
        return output
    }

    /// The taps of one axis, computed as Pillow's `precompute_coeffs` and `normalize_coeffs_8bpc`.
    struct Coefficients {
        /// Taps reserved per output position.
        let size: Int
        /// Per output position: the first input index and the number of taps.
        let bounds: [(first: Int, count: Int)]
        /// `outputSize · size` coefficients in 22-bit fixed point (unused ones 0).
        let fixedPoint: [Int]

        init(inputSize: Int, outputSize: Int, filter: Filter) {
            let scale = Double(inputSize) / Double(outputSize)
            let filterScale = max(scale, 1)
            let support = filter.support * filterScale
            let size = Int(support.rounded(.up)) * 2 + 1
            var bounds: [(first: Int, count: Int)] = []
            bounds.reserveCapacity(outputSize)
            var fixedPoint = [Int](repeating: 0, count: outputSize * size)
            var weights = [Double](repeating: 0, count: size)
            let unit = Double(1 << PILResampling.precisionBits)
            for position in 0..<outputSize {
                let center = (Double(position) + 0.5) * scale
                let inverseScale = 1 / filterScale
                // Pillow rounds with a cast of x + 0.5, which truncates toward zero.
                let first = max(Int(center - support + 0.5), 0)
                let count = min(min(Int(center + support + 0.5), inputSize) - first, size)  // never above size; the min only guards
                var total = 0.0
                for tap in 0..<max(count, 0) {
                    let w = filter.weight((Double(tap + first) - center + 0.5) * inverseScale)
                    weights[tap] = w
                    total += w
                }
                for tap in 0..<max(count, 0) {
                    let w = total != 0 ? weights[tap] / total : weights[tap]
                    fixedPoint[position * size + tap] = w < 0 ? Int(-0.5 + w * unit) : Int(0.5 + w * unit)
                }
                bounds.append((first, max(count, 0)))
            }
            self.size = size
            self.bounds = bounds
            self.fixedPoint = fixedPoint
        }
    }
}
