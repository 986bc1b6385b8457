import Media

/// The end of a video made window by window: the last frames written, up to the context a window
/// keeps, and the frames held back for the next window's cross-fade (``SeamBlender``). Storyboards,
/// long clips and zooms write through it, so they all join their windows alike.
struct WindowChain {
    /// Frames of the video so far a window keeps at its head.
    let context: Int
    let temporalCompression: Int
    private var tail: VideoFrames?
    private var blender: SeamBlender
    /// Frames written so far.
    private(set) var written = 0

    init(context: Int, temporalCompression: Int) {
        self.context = context
        self.temporalCompression = temporalCompression
        blender = SeamBlender(overlap: temporalCompression)
    }

    /// What the next window keeps at its head: the last `context` frames of the video so far (the
    /// held-back frames included), fewer (of the form 1 + tc·k) at the start; nil before any frame.
    func kept() throws -> VideoFrames? {
        let parts = [tail, blender.pending].compactMap { $0 }
        guard !parts.isEmpty else { return nil }
        let soFar = try VideoFrames.concatenated(parts)
        let tc = temporalCompression
        let count = min(context, (soFar.count - 1) / tc * tc + 1)
        return try soFar.slice((soFar.count - count)..<soFar.count)
    }

    /// Writes `frames` as they are, after any held-back frames.
    mutating func write(_ frames: VideoFrames, to onFrames: (VideoFrames) throws -> Void) throws {
        try flush(to: onFrames)
        try emit(frames, onFrames)
    }

    /// Writes a window decoded with its kept head (`head` frames, 0 for none): the held-back frames
    /// cross-faded into the window's decode of them, then its new frames less the last few, held back.
    mutating func join(_ window: VideoFrames, head: Int, to onFrames: (VideoFrames) throws -> Void) throws {
        if let frames = try blender.join(window, head: head) { try emit(frames, onFrames) }
    }

    /// Writes the held-back frames, if any.
    mutating func flush(to onFrames: (VideoFrames) throws -> Void) throws {
        if let frames = blender.flush() { try emit(frames, onFrames) }
    }

    private mutating func emit(_ frames: VideoFrames, _ onFrames: (VideoFrames) throws -> Void) throws {
        try onFrames(frames)
        written += frames.count
        let joined = try tail.map { try VideoFrames.concatenated([$0, frames]) } ?? frames
        tail = try joined.slice(max(0, joined.count - context)..<joined.count)
    }
}
