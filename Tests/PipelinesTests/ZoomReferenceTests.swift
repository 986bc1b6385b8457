#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Media
import Pipelines
import Testing

/// The rendered reference zoom: features grow by the path's rate within a pixel, the picture passes
/// through each keyframe without a jump, frames stream in any window, and keyframes that do not fit
/// are refused in one sentence.
@Suite struct ZoomReferenceTests {
    static let width = 144, height = 96
    /// Steps of 16, 8 and 24 frames at 16 fps; every factor shrinks 144x96 to whole, centred pixels.
    static let steps = [ZoomStep(duration: 1, factor: 2), ZoomStep(duration: 0.5, factor: 3), ZoomStep(duration: 1.5, factor: 4)]

    /// Keyframes in playback order for `direction`, built nested as a chain.
    static func keyframes(_ direction: ZoomDirection, pattern: @escaping (Int, Int, Int) -> (UInt8, UInt8, UInt8))
        throws -> (ZoomPath, [VideoFrames]) {
        let path = try ZoomPath(steps: direction == .in ? steps : steps.reversed(), direction: direction, fps: 16)
        let chain = try ZoomTestKeyframes.chain(width: width, height: height, factors: path.chainFactors, pattern: pattern)
        return (path, direction == .in ? chain : chain.reversed())
    }

    /// Half the distance between each symmetric pair of dark bars on the middle row, outermost first,
    /// from the darkness-weighted centre of each bar; bars cut by the frame's edge are left out.
    static func barHalfSpans(_ frame: VideoFrames) -> [(half: Double, centre: Double)] {
        let row = frame.height / 2
        var left: [Double] = [], right: [Double] = []
        var x = 0
        while x < frame.width {
            func darkness(_ x: Int) -> Double {
                let i = (row * frame.width + x) * 3
                return 255 - (Double(frame.pixels[i]) + Double(frame.pixels[i + 1]) + Double(frame.pixels[i + 2])) / 3
            }
            guard darkness(x) > 25 else { x += 1; continue }
            let start = x
            var weight = 0.0, moment = 0.0
            while x < frame.width, darkness(x) > 25 {
                weight += darkness(x)
                moment += darkness(x) * (Double(x) + 0.5)
                x += 1
            }
            if start == 0 || x == frame.width { continue }
            let centroid = moment / weight
            if centroid < Double(frame.width) / 2 { left.append(centroid) } else { right.append(centroid) }
        }
        return zip(left, right.reversed()).map { ((($1 - $0) / 2), ($0 + $1) / 2) }
    }

    @Test(arguments: ZoomDirection.allCases)
    func featuresGrowByThePathsRate(direction: ZoomDirection) throws {
        let (path, keyframes) = try Self.keyframes(direction, pattern: ZoomTestKeyframes.outlined(width: Self.width, height: Self.height))
        let reference = try ZoomReference(keyframes: keyframes, path: path)
        let frames = try reference.frames(0..<path.frameCount).frames
        var worst = 0.0, matchedPairs = 0
        for f in 0..<path.frameCount - 1 {
            var matched = false
            let rate = path.view(atFrame: f + 1).magnification / path.view(atFrame: f).magnification
            let now = Self.barHalfSpans(try VideoFrames(frames: [frames[f]]))
            let next = Self.barHalfSpans(try VideoFrames(frames: [frames[f + 1]])).map(\.half)
            for bar in now where bar.half >= 20 {
                #expect(abs(bar.centre - Double(Self.width) / 2) < 0.25, "frame \(f): a bar pair centred at \(bar.centre)")
                let predicted = bar.half * rate
                guard predicted >= 20, predicted < Double(Self.width) / 2 - 6,
                      let found = next.min(by: { abs($0 - predicted) < abs($1 - predicted) }) else { continue }
                worst = max(worst, abs(found - predicted))
                matched = true
            }
            if matched { matchedPairs += 1 }
        }
        // Nearly every frame pair compared an outline (in the 4x step the next outline in is 4x smaller,
        // so a few frames have none between 20 px and the frame's edge), and each moved where the
        // formula says.
        #expect(matchedPairs >= (path.frameCount - 1) * 9 / 10)
        #expect(worst < 0.35, "the worst outline was \(worst) px from where the zoom rate puts it")
    }

    @Test func thePictureDoesNotJumpAtAKeyframe() throws {
        // 256 frames a step, so that one frame of zoom moves the plaid at most a fifth of a pixel and
        // a jump would stand out.
        let path = try ZoomPath(steps: Self.steps.map { ZoomStep(duration: 16, factor: $0.factor) }, direction: .in, fps: 16)
        let keyframes = try ZoomTestKeyframes.chain(width: Self.width, height: Self.height, factors: path.chainFactors,
                                                    pattern: ZoomTestKeyframes.textured)
        let reference = try ZoomReference(keyframes: keyframes, path: path)
        let frames = try reference.frames(0..<path.frameCount).frames.map { try VideoFrames(frames: [$0]) }
        let change = (0..<path.frameCount - 1).map { ZoomTestKeyframes.meanAbsoluteDifference(frames[$0], frames[$0 + 1]) }
        for (index, keyframe) in [256, 512].enumerated() {
            // The largest change between frames within the two steps around the keyframe, and the
            // changes into and out of it.
            let within = (keyframe - 256..<keyframe + 255).filter { abs($0 - keyframe) > 1 }.map { change[$0] }.max() ?? 0
            let across = max(change[keyframe - 1], change[keyframe])
            #expect(across <= 1.25 * within, "frame \(keyframe): a change of \(across) against \(within) within the steps")
            // Just before a whole depth the picture equals the one at it, to resampling error...
            let depth = Double(index + 1)
            let before = try reference.chain.frame(atDepth: depth - 1e-7), at = try reference.chain.frame(atDepth: depth)
            #expect(ZoomTestKeyframes.meanAbsoluteDifference(before, at) < 0.1)
            // ...while a camera that only enlarged the outer keyframe (no deeper one pasted) would jump
            // by far more than a frame's change.
            let factor = path.chainFactors[index]
            let enlarged = try keyframes[index].resampled(
                from: PixelRect(centredIn: Self.width, Self.height, width: Double(Self.width) / factor, height: Double(Self.height) / factor),
                width: Self.width, height: Self.height)
            #expect(ZoomTestKeyframes.meanAbsoluteDifference(enlarged, at) > 2 * within)
        }
    }

    @Test func keyframesWhoseCentresDisagreePassThroughAWholeDepth() throws {
        // Outpainted keyframes hold only an approximation of the next one in their centre; here the
        // centres are wholly different. Every deeper keyframe is pasted, so the frame just before a
        // whole depth still equals the one at it.
        let chain = try ZoomChain(levels: ZoomTestKeyframes.chain(width: Self.width, height: Self.height, factors: [2, 3, 4],
                                                                  nested: false, pattern: ZoomTestKeyframes.textured),
                                  factors: [2, 3, 4])
        for depth in [1.0, 2.0] {
            let before = try chain.frame(atDepth: depth - 1e-7), at = try chain.frame(atDepth: depth)
            #expect(ZoomTestKeyframes.meanAbsoluteDifference(before, at) < 0.1)
        }
    }

    @Test func deepKeyframesAreShrunkWithoutAliasing() throws {
        // A checkerboard of 3-pixel squares nested 1/8 and 1/64 deep: where it shows at 16 and 2
        // pixels it is near grey (a point sample would show black and white squares).
        let white = [UInt8](repeating: 255, count: 128 * 128 * 3)
        let board = (0..<128 * 128 * 3).map { i in (i / 3 % 128 / 3 + i / 3 / 128 / 3) % 2 == 0 ? UInt8(255) : 0 }
        let chain = try ZoomChain(levels: [try VideoFrames(width: 128, height: 128, count: 1, pixels: white),
                                           try VideoFrames(width: 128, height: 128, count: 1, pixels: board)],
                                  factors: [8])
        let frame = try chain.frame(atDepth: 0)
        for y in 60..<68 { for x in 60..<68 { #expect((95...160).contains(frame.pixels[(y * 128 + x) * 3])) } }
        let deeper = try ZoomChain(levels: [try VideoFrames(width: 128, height: 128, count: 1, pixels: white),
                                            try VideoFrames(width: 128, height: 128, count: 1, pixels: board)],
                                   factors: [64]).frame(atDepth: 0)
        #expect(deeper.pixels.allSatisfy { $0 >= 95 })
    }

    @Test func zoomingOutPlaysTheZoomInBackwards() throws {
        let (inPath, inKeys) = try Self.keyframes(.in, pattern: ZoomTestKeyframes.textured)
        let (outPath, outKeys) = try Self.keyframes(.out, pattern: ZoomTestKeyframes.textured)
        #expect(outKeys == inKeys.reversed())
        let forward = try ZoomReference(keyframes: inKeys, path: inPath).frames(0..<inPath.frameCount)
        let backward = try ZoomReference(keyframes: outKeys, path: outPath).frames(0..<outPath.frameCount)
        #expect(zip(forward.reversed().pixels, backward.pixels).allSatisfy { abs(Int($0) - Int($1)) <= 1 })
    }

    @Test func framesStreamInAnyWindow() throws {
        let (path, keyframes) = try Self.keyframes(.in, pattern: ZoomTestKeyframes.textured)
        let reference = try ZoomReference(keyframes: keyframes, path: path)
        let window = try reference.frames(14..<19)
        #expect(window.count == 5 && window.width == Self.width)
        #expect(try window.slice(2..<3) == reference.frame(16))
        // The ends are the first and last keyframes (the first up to the rounding of its nested centre).
        #expect(zip(try reference.frame(0).pixels, keyframes[0].pixels).allSatisfy { abs(Int($0) - Int($1)) <= 2 })
        #expect(try reference.frame(48) == keyframes[3])
        #expect { try reference.frames(40..<50) } throws: { error in
            (error as? ZoomError)?.description == "zoom frame out of range: frames 40..<50 are not a non-empty part of the 49 frames of the zoom"
        }
    }

    @Test func keyframesThatDoNotFitAreRefused() throws {
        let path = try ZoomPath(steps: Array(Self.steps.prefix(2)), direction: .in, fps: 16)
        func still(_ width: Int = 16, _ height: Int = 16, frames: Int = 1) throws -> VideoFrames {
            try VideoFrames(width: width, height: height, count: frames, pixels: [UInt8](repeating: 9, count: frames * width * height * 3))
        }
        let cases: [([VideoFrames], String)] = [
            ([try still(), try still()], "a zoom of 2 steps needs 3 keyframes, not 2"),
            ([try still(), try still(16, 8), try still()], "keyframe 1 is 16x8; keyframe 0 is 16x16"),
            ([try still(), try still(), try still(frames: 2)], "keyframe 2 has 2 frames; it must be one still frame"),
        ]
        for (keyframes, message) in cases {
            #expect { try ZoomReference(keyframes: keyframes, path: path) } throws: { error in
                (error as? ZoomError)?.description == "invalid zoom keyframes: " + message
            }
        }
    }
}
