import Media
import Testing

/// Resizing averages area when it shrinks and interpolates when it grows; a fractional source
/// rectangle is used as it is, not rounded.
@Suite struct VideoFramesResamplingTests {
    /// A one-frame clip whose pixel (x, y) is `colour(x, y)`.
    static func image(width: Int, height: Int, _ colour: (Int, Int) -> (UInt8, UInt8, UInt8)) throws -> VideoFrames {
        var pixels: [UInt8] = []
        for y in 0..<height { for x in 0..<width {
            let (r, g, b) = colour(x, y)
            pixels += [r, g, b]
        } }
        return try VideoFrames(width: width, height: height, count: 1, pixels: pixels)
    }

    /// Each channel's mean over the clip.
    static func meanColour(_ clip: VideoFrames) -> [Double] {
        (0..<3).map { c in
            stride(from: c, to: clip.pixels.count, by: 3).reduce(0.0) { $0 + Double(clip.pixels[$1]) }
                / Double(clip.pixels.count / 3)
        }
    }

    @Test func resizingKeepsTheMeanColour() throws {
        let gradient = try Self.image(width: 96, height: 64) { x, y in (UInt8(x * 2), UInt8(y * 3), UInt8((x + y) % 256)) }
        let mean = Self.meanColour(gradient)
        for (width, height) in [(48, 32), (31, 17), (96, 64), (150, 100)] {
            let resized = try gradient.resized(width: width, height: height)
            #expect(resized.width == width && resized.height == height && resized.count == 1)
            for (a, b) in zip(Self.meanColour(resized), mean) { #expect(abs(a - b) < 1.5, "\(width)x\(height)") }
        }
    }

    @Test func aShrunkCheckerboardTurnsGrey() throws {
        let board = try Self.image(width: 64, height: 64) { x, y in (x + y) % 2 == 0 ? (255, 255, 255) : (0, 0, 0) }
        // Every pixel, not only the mean: an aliased (nearest or point-bilinear) shrink keeps black and white.
        for side in [32, 16, 8] {
            let grey = try board.resized(width: side, height: side)
            #expect(grey.pixels.allSatisfy { (127...128).contains($0) }, "\(side)")
        }
        // A box of 3.05 pixels holds 1 or 2 white ones of 3 in a row, so a little ripple remains.
        let uneven = try board.resized(width: 21, height: 21)
        #expect(uneven.pixels.allSatisfy { (100...155).contains($0) })
        #expect(abs(Self.meanColour(uneven)[0] - 127.5) < 2)
    }

    @Test func enlargingInterpolatesBetweenPixelCentres() throws {
        let pair = try Self.image(width: 2, height: 1) { x, _ in x == 0 ? (0, 0, 0) : (200, 200, 200) }
        let wide = try pair.resized(width: 8, height: 1)
        // Centres at 0.125 … 1.875 source pixels: flat to the first centre, linear to the second.
        #expect(wide.pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element) == [0, 0, 25, 75, 125, 175, 200, 200])
    }

    @Test func aFractionalRectangleIsNotRounded() throws {
        let ramp = try Self.image(width: 16, height: 4) { x, _ in (UInt8(x * 10), 0, 0) }
        let same = try ramp.resampled(from: PixelRect(x: 0, y: 0, width: 16, height: 4), width: 16, height: 4)
        #expect(same == ramp)
        // A quarter-pixel shift moves the ramp by 2.5 levels, everywhere away from the edges.
        let shifted = try ramp.resampled(from: PixelRect(x: 0.25, y: 0, width: 16, height: 4), width: 16, height: 4)
        for x in 0..<15 { #expect(shifted.pixels[x * 3] == UInt8((Double(x * 10) + 2.5).rounded())) }
        // The centred half, enlarged 2x: each output pixel a quarter pixel from a source centre.
        let zoomed = try ramp.resampled(from: PixelRect(centredIn: 16, 4, width: 8, height: 2), width: 16, height: 4)
        #expect(zoomed.pixels[0] == 38 && zoomed.pixels[3] == 43)
    }

    @Test func badSizesAndRegionsAreRefused() throws {
        let clip = try Self.image(width: 4, height: 4) { _, _ in (1, 2, 3) }
        #expect(throws: MediaError.self) { try clip.resized(width: 0, height: 4) }
        #expect(throws: MediaError.self) { try clip.resampled(from: PixelRect(x: 0, y: 0, width: 0, height: 4), width: 4, height: 4) }
        #expect(throws: MediaError.self) { try clip.resampled(from: PixelRect(x: .nan, y: 0, width: 1, height: 1), width: 4, height: 4) }
    }
}
