import Media

/// The drift-free reference video of an infinite zoom: the exact camera of a ``ZoomPath`` through
/// its keyframes, rendered frame by frame on demand (nothing is rendered ahead, so a long video can
/// be streamed a window at a time).
///
/// ```swift
/// let path = try ZoomPath(steps: [ZoomStep(duration: 4, factor: 2), ZoomStep(duration: 4, factor: 2)],
///                         direction: .in, fps: 16)
/// let reference = try ZoomReference(keyframes: [k0, k1, k2], path: path)  // playback order
/// let window = try reference.frames(64..<145)  // 81 frames
/// ```
public struct ZoomReference: Sendable {
    /// The camera in time.
    public let path: ZoomPath
    /// The keyframes nested in chain order (outermost first).
    public let chain: ZoomChain

    /// The reference of `path` through `keyframes` in playback order (`K_0` first: zooming in the
    /// outermost, zooming out the innermost), one still frame each, all one size, one more than the
    /// path has steps. `feather` is the fade, in pixels, at the edge of each pasted deeper keyframe.
    public init(keyframes: [VideoFrames], path: ZoomPath, feather: Double = 4) throws(ZoomError) {
        guard keyframes.count == path.steps.count + 1 else {
            throw .invalidKeyframes("a zoom of \(path.steps.count) steps needs \(path.steps.count + 1) keyframes, "
                                    + "not \(keyframes.count)")
        }
        try ZoomChain.checkStills(keyframes, named: "keyframe")
        let levels = path.direction == .in ? keyframes : keyframes.reversed()
        self.path = path
        chain = try ZoomChain(levels: levels, factors: path.chainFactors, feather: feather)
    }

    /// Frame width in pixels (the keyframes').
    public var width: Int { chain.width }
    /// Frame height in pixels (the keyframes').
    public var height: Int { chain.height }

    /// The camera at frame `f`.
    public func view(atFrame f: Int) -> ZoomView { path.view(atFrame: f) }

    /// Frame `f` (within `0..<path.frameCount`) as a one-frame clip.
    public func frame(_ f: Int) throws(ZoomError) -> VideoFrames {
        try frames(f..<f + 1)
    }

    /// Frames `range` (non-empty, within `0..<path.frameCount`) as one clip.
    public func frames(_ range: Range<Int>) throws(ZoomError) -> VideoFrames {
        guard !range.isEmpty, range.lowerBound >= 0, range.upperBound <= path.frameCount else {
            throw .frameOutOfRange("frames \(range.lowerBound)..<\(range.upperBound) are not a non-empty part of "
                                   + "the \(path.frameCount) frames of the zoom")
        }
        var pixels: [UInt8] = []
        pixels.reserveCapacity(range.count * width * height * 3)
        for f in range { pixels.append(contentsOf: try chain.frame(atDepth: path.view(atFrame: f).depth).pixels) }
        do throws(MediaError) {
            return try VideoFrames(width: width, height: height, count: range.count, pixels: pixels)
        } catch {
            throw .invalidKeyframes("joining the rendered frames failed: \(error)")
        }
    }
}
