import Foundation
import Media
import Testing

/// WebP stills through ffmpeg, read back with ``MediaReader``.
@Suite(.enabled(if: ffmpegInstalled)) struct StillImageWebPTests {
    let folder: ScratchFolder

    init() throws { folder = try ScratchFolder() }

    /// `bytes` written to a `.webp` file and decoded at their own size.
    func decode(_ bytes: [UInt8]) throws -> VideoFrames {
        let path = folder.path + "/still-\(UUID().uuidString).webp"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return try MediaReader.read(path, fit: .native)
    }

    @Test func aSolidFrameComesBackInItsColour() throws {
        defer { folder.remove() }
        let colour: [UInt8] = [200, 40, 90]
        let frame = try solidFrame(width: 64, height: 48, colour)
        let bytes = try StillImage.webp(frame)
        #expect(Array(bytes[0..<4]) == Array("RIFF".utf8) && Array(bytes[8..<12]) == Array("WEBP".utf8))
        // RIFF's length counts the bytes after its own 8.
        let length = Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24
        #expect(length == bytes.count - 8)
        let decoded = try decode(bytes)
        #expect(decoded.width == 64 && decoded.height == 48 && decoded.count == 1)
        // Lossy VP8 leaves a little chroma noise on a flat colour at the default quality, almost none at 100.
        #expect(meanDifference(decoded.pixels, frame.pixels) < 2)
        #expect(largestDifference(decoded.pixels, frame.pixels) <= 8)
        let best = try decode(try StillImage.webp(frame, quality: 100))
        #expect(largestDifference(best.pixels, frame.pixels) <= 3)
    }

    func largestDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
        zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? .max
    }

    @Test func anOddSizedGradientKeepsItsSizeAndColours() throws {
        defer { folder.remove() }
        let frame = try #require(try gradientFrames(count: 1, width: 33, height: 17).first)
        let decoded = try decode(try StillImage.webp(frame, quality: 90))
        #expect(decoded.width == 33 && decoded.height == 17)
        #expect(meanDifference(decoded.pixels, frame.pixels) < 4)
    }

    @Test func lowerQualityMakesFewerBytes() throws {
        defer { folder.remove() }
        let noisy = try RGBFrame(width: 96, height: 64, pixels: (0..<(96 * 64 * 3)).map { UInt8($0 * 7919 % 251) })
        #expect(try StillImage.webp(noisy, quality: 10).count < StillImage.webp(noisy, quality: 100).count)
    }

    @Test func failuresAreOneLineMediaErrors() throws {
        defer { folder.remove() }
        let frame = try solidFrame(width: 8, height: 8, [1, 2, 3])
        #expect(throws: MediaError.invalidSettings(detail: "WebP quality 101 is out of range (0 to 100)")) {
            try StillImage.webp(frame, quality: 101)
        }
        #expect(throws: MediaError.ffmpegNotFound(path: "/nonexistent/ffmpeg")) {
            try StillImage.webp(frame, ffmpeg: FFmpegTool(executable: "/nonexistent/ffmpeg"))
        }
        let withoutWebP = try folder.fakeFFmpeg("echo \"Unknown encoder 'libwebp'\" >&2; exit 1")
        #expect(throws: MediaError.ffmpegFailed(status: "exited with status 1", lastLine: "Unknown encoder 'libwebp'")) {
            try StillImage.webp(frame, ffmpeg: withoutWebP)
        }
    }

    @Test func anOutputThatIsNotWebPIsRefused() throws {
        defer { folder.remove() }
        // Reads the frame, then writes a PNG signature where the WebP image should go (the last argument).
        let impostor = try folder.fakeFFmpeg("cat >/dev/null; for last; do :; done; printf '\\211PNG\\r\\n\\032\\n' > \"${last#file:}\"")
        #expect(throws: MediaError.imageEncodingFailed(format: "WebP", detail: "its 8-byte output does not start with RIFF....WEBP")) {
            try StillImage.webp(try solidFrame(width: 8, height: 8, [1, 2, 3]), ffmpeg: impostor)
        }
    }

    @Test func aSpriteSheetEncodesAtItsSizeWithItsTilesColours() throws {
        defer { folder.remove() }
        let frames = try SpriteSheetTests.colours.map { try solidFrame(width: 40, height: 30, $0) }
        let sheet = try StillImage.spriteSheet(frames, columns: 3, tileWidth: 32)
        let decoded = try decode(try StillImage.webp(sheet))
        #expect(decoded.width == 96 && decoded.height == 48)
        // Inside each 32x24 tile, away from the edges chroma subsampling blurs, the colour is the frame's.
        let still = try RGBFrame(width: decoded.width, height: decoded.height, pixels: decoded.pixels)
        for (index, colour) in SpriteSheetTests.colours.enumerated() {
            let inner = SpriteSheetTests.tile(still, column: index % 3, row: index / 3, width: 32, height: 24)
                .enumerated().filter { (4..<28).contains($0.offset % 32) && (4..<20).contains($0.offset / 32) }.map(\.element)
            for c in 0..<3 {
                let mean = Double(inner.reduce(0) { $0 + Int($1[c]) }) / Double(inner.count)
                #expect(abs(mean - Double(colour[c])) < 4, "tile \(index), channel \(c): \(mean)")
            }
        }
    }
}

/// Sprite sheets: frames scaled to tiles, laid out in rows.
@Suite struct SpriteSheetTests {
    static let colours: [[UInt8]] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [250, 200, 10], [30, 60, 90]]

    /// The colours of the tile at `column`, `row` of `sheet`, pixel by pixel.
    static func tile(_ sheet: RGBFrame, column: Int, row: Int, width: Int, height: Int) -> [[UInt8]] {
        (0..<height).flatMap { y in
            (0..<width).map { x in
                let i = ((row * height + y) * sheet.width + column * width + x) * 3
                return Array(sheet.pixels[i..<i + 3])
            }
        }
    }

    @Test func tilesKeepTheAspectRatioAndTheirFramesColours() throws {
        let frames = try Self.colours.map { try solidFrame(width: 40, height: 30, $0) }
        let sheet = try StillImage.spriteSheet(frames, columns: 3, tileWidth: 20)
        #expect(sheet.width == 60 && sheet.height == 30)  // 20x15 tiles, 3 to a row, 2 rows
        for (index, colour) in Self.colours.enumerated() {
            let pixels = Self.tile(sheet, column: index % 3, row: index / 3, width: 20, height: 15)
            #expect(pixels.allSatisfy { $0 == colour }, "tile \(index)")
        }
        #expect(Self.tile(sheet, column: 2, row: 1, width: 20, height: 15).allSatisfy { $0 == [0, 0, 0] })

        let wide = try StillImage.spriteSheet([try solidFrame(width: 48, height: 27, [9, 9, 9])], columns: 4, tileWidth: 32)
        #expect(wide.width == 128 && wide.height == 18)
    }

    @Test func aTileIsItsFrameScaledDown() throws {
        // Red on the left half, blue on the right: halved, each half stays exactly its colour.
        var pixels: [UInt8] = []
        for _ in 0..<20 { for x in 0..<40 { pixels += x < 20 ? [255, 0, 0] : [0, 0, 255] } }
        let sheet = try StillImage.spriteSheet([try RGBFrame(width: 40, height: 20, pixels: pixels)], columns: 1, tileWidth: 20)
        #expect(sheet.width == 20 && sheet.height == 10)
        let tile = Self.tile(sheet, column: 0, row: 0, width: 20, height: 10)
        #expect(tile.enumerated().allSatisfy { $0.element == ($0.offset % 20 < 10 ? [255, 0, 0] : [0, 0, 255]) })
    }

    @Test func aClipsSheetTakesEvenlySpacedFrames() throws {
        func colour(_ f: Int) -> [UInt8] { [UInt8(f * 20), UInt8(255 - f * 20), UInt8(f * 5)] }
        let frames = try (0..<10).map { f in try solidFrame(width: 16, height: 16, colour(f)) }
        let sheet = try StillImage.spriteSheet(of: try VideoFrames(frames: frames), tiles: 4, columns: 2, tileWidth: 8)
        #expect(sheet.width == 16 && sheet.height == 16)
        for (index, f) in [0, 3, 6, 9].enumerated() {
            let pixels = Self.tile(sheet, column: index % 2, row: index / 2, width: 8, height: 8)
            #expect(pixels.allSatisfy { $0 == colour(f) }, "tile \(index)")
        }
    }

    @Test func evenlySpacedIndicesRunFromTheFirstFrameToTheLast() {
        #expect(StillImage.evenlySpacedIndices(4, outOf: 10) == [0, 3, 6, 9])
        #expect(StillImage.evenlySpacedIndices(3, outOf: 4) == [0, 2, 3])
        #expect(StillImage.evenlySpacedIndices(1, outOf: 10) == [0])
        #expect(StillImage.evenlySpacedIndices(12, outOf: 5) == [0, 1, 2, 3, 4])
        #expect(StillImage.evenlySpacedIndices(0, outOf: 5).isEmpty && StillImage.evenlySpacedIndices(3, outOf: 0).isEmpty)
    }

    @Test func badLayoutsAreRefused() throws {
        let frame = try solidFrame(width: 8, height: 8, [1, 2, 3])
        #expect(throws: MediaError.invalidFrames(detail: "a clip needs at least one frame")) {
            try StillImage.spriteSheet([], columns: 2, tileWidth: 4)
        }
        #expect(throws: MediaError.invalidFrames(detail: "frame 1 is 4x8; frame 0 is 8x8")) {
            try StillImage.spriteSheet([frame, try solidFrame(width: 4, height: 8, [1, 2, 3])], columns: 2, tileWidth: 4)
        }
        for (columns, tileWidth) in [(0, 4), (2, 0), (Int.max, 4)] {
            #expect(throws: MediaError.self) { try StillImage.spriteSheet([frame], columns: columns, tileWidth: tileWidth) }
        }
        #expect(throws: MediaError.invalidSettings(
            detail: "a sprite sheet of 200 tiles of 100x100, 200 to a row, would pass 16383 pixels a side")) {
            try StillImage.spriteSheet(Array(repeating: frame, count: 200), columns: 200, tileWidth: 100)
        }
        #expect(throws: MediaError.invalidSettings(detail: "a sprite sheet needs at least 1 tile, not 0")) {
            try StillImage.spriteSheet(of: try VideoFrames(frames: [frame]), tiles: 0, columns: 1, tileWidth: 4)
        }
    }
}
