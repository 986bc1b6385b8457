#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Media
import Pipelines
import Testing

/// The camera of an infinite zoom: a constant exponential rate within each step, whatever the
/// step's factor and length, in both directions; bad paths are refused in one sentence.
@Suite struct ZoomPathTests {
    /// Steps of 16, 8 and 24 frames at 16 fps with three different factors.
    static let steps = [ZoomStep(duration: 1, factor: 2), ZoomStep(duration: 0.5, factor: 3), ZoomStep(duration: 1.5, factor: 1.5)]

    /// The step that frame `f` (at `f / fps`) lies in.
    static func step(ofFrame f: Int, _ path: ZoomPath) -> Int {
        let t = Double(f) / Double(path.fps)
        return (0..<path.steps.count).last { path.startTimes[$0] <= t + 1e-12 } ?? 0
    }

    @Test(arguments: ZoomDirection.allCases)
    func everyFrameScalesByTheStepsRate(direction: ZoomDirection) throws {
        let path = try ZoomPath(steps: Self.steps, direction: direction, fps: 16)
        #expect(path.frameCount == 3 * 16 + 1)
        for f in 0..<path.frameCount - 1 {
            let step = path.steps[Self.step(ofFrame: f, path)]
            let perFrame = pow(step.factor, 1 / (step.duration * Double(path.fps)))
            let growth = path.view(atFrame: f + 1).magnification / path.view(atFrame: f).magnification
            let expected = direction == .in ? perFrame : 1 / perFrame
            #expect(abs(growth / expected - 1) < 1e-9, "frames \(f)→\(f + 1): \(growth) against \(expected)")
            // The window is the level's centre, shrinking in as the magnification grows.
            let view = path.view(atFrame: f)
            let window = view.visibleRect(width: 832, height: 480)
            #expect(abs(window.x + window.width / 2 - 416) < 1e-9 && abs(window.y + window.height / 2 - 240) < 1e-9)
            #expect(abs(window.width - 832 / exp(view.logMagnification - Self.logDepthOfLevel(view.level, path))) < 1e-6)
        }
    }

    /// The natural log of the magnification at which chain level `level` fills the frame.
    static func logDepthOfLevel(_ level: Int, _ path: ZoomPath) -> Double {
        path.chainFactors[..<level].reduce(0) { $0 + log($1) }
    }

    @Test func aStepBoundaryBetweenFramesMixesTheTwoRates() throws {
        // Step 0 ends at 1.03 s = frame 16.48: frame 16 → 17 spends 0.48 frame in step 0, 0.52 in step 1.
        let path = try ZoomPath(steps: [ZoomStep(duration: 1.03, factor: 2), ZoomStep(duration: 1, factor: 4)], direction: .in, fps: 16)
        let growth = path.view(atFrame: 17).magnification / path.view(atFrame: 16).magnification
        let expected = pow(2, 0.48 / (1.03 * 16)) * pow(4, 0.52 / 16)
        #expect(abs(growth / expected - 1) < 1e-9)
    }

    @Test func theEndsShowTheFirstAndLastKeyframesWhole() throws {
        let zoomIn = try ZoomPath(steps: Self.steps, direction: .in, fps: 16)
        let zoomOut = try ZoomPath(steps: Self.steps, direction: .out, fps: 16)
        #expect(zoomIn.view(atFrame: 0).depth == 0 && zoomIn.view(atFrame: 48).depth == 3)
        #expect(zoomOut.view(atFrame: 0).depth == 3 && zoomOut.view(atFrame: 48).depth == 0)
        // Zooming out the chain is K_3 … K_0: level 0 is the last keyframe, and the links run backwards.
        #expect(zoomOut.keyframe(atLevel: 0) == 3 && zoomOut.keyframe(atLevel: 3) == 0 && zoomIn.keyframe(atLevel: 1) == 1)
        #expect(zoomOut.chainFactors == [1.5, 3, 2] && zoomIn.chainFactors == [2, 3, 1.5])
        // Frame 16 is keyframe 1 exactly: zooming out it is chain level 2 whole.
        let key1 = zoomOut.view(atFrame: 16)
        #expect(key1.level == 2 && key1.fraction == 0 && key1.windowScale == 1)
        // Past the end the last keyframe holds.
        #expect(zoomIn.view(atFrame: 60).depth == 3 && zoomOut.view(atFrame: 60).depth == 0)
        #expect(zoomIn.startTimes == [0, 1, 1.5, 3])
        #expect(try ZoomPath(steps: Self.steps, direction: .in, fps: 16, frameCount: 480).frameCount == 480)
    }

    @Test(arguments: [
        ([ZoomStep](), 16, "invalid zoom path: a zoom needs at least one step"),
        ([ZoomStep(duration: 1, factor: 2), ZoomStep(duration: 1, factor: 1)], 16, "invalid zoom path: step 1's factor 1.0 must be above 1"),
        ([ZoomStep(duration: 1, factor: 0.5)], 16, "invalid zoom path: step 0's factor 0.5 must be above 1"),
        ([ZoomStep(duration: 0, factor: 2)], 16, "invalid zoom path: step 0's duration 0.0 s must be above 0"),
        ([ZoomStep(duration: -2, factor: 2)], 16, "invalid zoom path: step 0's duration -2.0 s must be above 0"),
        ([ZoomStep(duration: 1, factor: 2)], 0, "invalid zoom path: fps 0 must be between 1 and 240"),
    ])
    func badPathsAreRefused(steps: [ZoomStep], fps: Int, message: String) {
        #expect { try ZoomPath(steps: steps, direction: .in, fps: fps) } throws: { error in
            (error as? ZoomError)?.description == message
        }
    }
}
