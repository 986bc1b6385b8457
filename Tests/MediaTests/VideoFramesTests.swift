import Media
import Tensor
import Testing

@Suite("Video frames: clips, their edits and tensors")
struct VideoFramesTests {
    /// A clip (2 frames of 3x2 unless told) whose byte at (f, y, x, c) is 50·f + 8·(width·y + x) + c.
    static func numbered(frames: Int = 2, width: Int = 3, height: Int = 2) throws -> VideoFrames {
        var pixels: [UInt8] = []
        for f in 0..<frames { for y in 0..<height { for x in 0..<width { for c in 0..<3 {
            pixels.append(UInt8(50 * f + 8 * (width * y + x) + c))
        } } } }
        return try VideoFrames(width: width, height: height, count: frames, pixels: pixels)
    }

    @Test func sizesAndByteCountsAreChecked() throws {
        #expect(throws: MediaError.self) { try VideoFrames(width: 2, height: 2, count: 1, pixels: [0, 0, 0]) }
        #expect(throws: MediaError.self) { try VideoFrames(width: 1, height: 1, count: 0, pixels: []) }
        #expect(throws: MediaError.self) { try VideoFrames(width: 0, height: 1, count: 1, pixels: []) }
        #expect(throws: MediaError.self) { try VideoFrames(width: 1 << 40, height: 1 << 40, count: 1, pixels: []) }
        #expect(throws: MediaError.self) { try VideoFrames(frames: []) }
        let small = try RGBFrame(width: 1, height: 1, pixels: [1, 2, 3])
        let large = try RGBFrame(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
        #expect(throws: MediaError.self) { try VideoFrames(frames: [small, large]) }
    }

    @Test func framesSplitAndJoinBack() throws {
        let clip = try Self.numbered()
        #expect(clip.frames.count == 2)
        #expect(clip.frames[1].pixels.first == 50 && clip.frames[1].width == 3)
        #expect(try VideoFrames(frames: clip.frames) == clip)
    }

    @Test func sliceReverseAndConcatenate() throws {
        let clip = try Self.numbered(frames: 4)
        let middle = try clip.slice(1..<3)
        #expect(middle.count == 2 && middle.pixels.first == 50 && middle.pixels.last == 142)
        #expect(middle.frames == Array(clip.frames[1..<3]))
        for range in [0..<0, -1..<2, 3..<5] {
            #expect(throws: MediaError.self) { try clip.slice(range) }
        }
        let backwards = clip.reversed()
        #expect(backwards.frames == clip.frames.reversed())
        #expect(backwards.reversed() == clip)
        let joined = try VideoFrames.concatenated([clip.slice(0..<1), clip.slice(1..<4)])
        #expect(joined == clip)
        #expect(throws: MediaError.self) { try VideoFrames.concatenated([]) }
        #expect(throws: MediaError.self) { try VideoFrames.concatenated([clip, Self.numbered(width: 2)]) }
    }

    @Test func placedCentredRepeatsTheEdges() throws {
        let clip = try Self.numbered(frames: 2, width: 3, height: 2)
        let (canvas, box) = try clip.placedCentred(width: 6, height: 5)
        #expect(box == (x: 1, y: 1, width: 3, height: 2))  // (6-3)/2 = 1, (5-2)/2 = 1
        #expect(canvas.width == 6 && canvas.height == 5 && canvas.count == 2)
        func pixel(_ c: VideoFrames, _ f: Int, _ x: Int, _ y: Int) -> [UInt8] {
            let i = ((f * c.height + y) * c.width + x) * 3
            return Array(c.pixels[i..<i + 3])
        }
        for f in 0..<2 { for y in 0..<5 { for x in 0..<6 {
            let sx = min(max(x - 1, 0), 2), sy = min(max(y - 1, 0), 1)
            #expect(pixel(canvas, f, x, y) == pixel(clip, f, sx, sy))
        } } }
        #expect(try clip.placedCentred(width: 3, height: 2).0 == clip)
        #expect(throws: MediaError.self) { try clip.placedCentred(width: 2, height: 5) }
        #expect(throws: MediaError.self) { try clip.placedCentred(width: 6, height: 1) }
    }

    @Test func tensorMatchesDiffusersPreprocessing() throws {
        // x = np.float32(u) / np.float32(255); 2 * x - 1 (float32 throughout).
        let clip = try VideoFrames(width: 1, height: 1, count: 3, pixels: [0, 128, 255, 128, 255, 0, 255, 0, 128])
        let tensor = try clip.tensor()
        #expect(tensor.shape == [1, 3, 3, 1, 1] && tensor.dtype == .float32)
        let expected = { (u: UInt8) in Float(2 * (Float(u) / 255) - 1) }
        // [1, 3, F, 1, 1]: channel-major, then frame.
        #expect(tensor.floats() == [0, 128, 255, 128, 255, 0, 255, 0, 128].map(expected))
        #expect(tensor.floats() == [-1, 0.003921628, 1, 0.003921628, 1, -1, 1, -1, 0.003921628])
    }

    @Test func tensorIsPlanarFrameMajorWithinChannels() throws {
        let clip = try Self.numbered(frames: 2, width: 3, height: 2)
        let values = try clip.tensor().floats()
        #expect(try clip.tensor().shape == [1, 3, 2, 2, 3])
        for c in 0..<3 { for f in 0..<2 { for y in 0..<2 { for x in 0..<3 {
            let u = UInt8(50 * f + 8 * (3 * y + x) + c)
            #expect(values[((c * 2 + f) * 2 + y) * 3 + x] == 2 * (Float(u) / 255) - 1)
        } } } }
    }

    @Test func passthroughTensorComesBackAsTheSameBytes() throws {
        let all = try VideoFrames(width: 256, height: 1, count: 1, pixels: (0..<256).flatMap { [UInt8($0), 0, 0] })
        let values = try all.passthroughTensor().floats()
        #expect((0..<256).map { RGBFrame.byte(fromDecoded: values[$0]) } == (0...255).map { UInt8($0) })
        let clip = try Self.numbered()
        #expect(try RGBFrame.frames(decodedVideo: clip.passthroughTensor()) == clip.frames)
    }

    @Test func grayLevelsAverageTheChannels() throws {
        let clip = try VideoFrames(width: 2, height: 1, count: 2,
                                   pixels: [0, 0, 0, 255, 255, 255, 255, 0, 0, 10, 20, 30])
        #expect(clip.grayLevels() == [0, 1, Float(255) / 765, Float(60) / 765])
    }
}
