import Media

/// What a generation starts from or must keep, beyond the prompt: decoded frames, never file paths.
/// The clips must already have the request's size (readers resize and crop them), except the video
/// of an outpaint, which is smaller and sits centred on the canvas.
public struct Conditioning: Sendable, Equatable {
    /// Animate an image: its first frame becomes the video's first frame.
    public var image: VideoFrames?
    /// The video's last frame, with ``image`` as its first (a first-last-frame (FLF2V) or VACE model).
    public var lastImage: VideoFrames?
    /// Images the video's content should follow (a VACE model): each at its own size, fitted inside the
    /// canvas on white and given to the model as latent frames before the video's.
    public var references: [VideoFrames]
    /// Images at chosen frames of the video (a VACE model), the rest generated around them.
    public var keyframes: [Keyframe]
    /// How strongly a VACE model's control steers: empty for 1 on every VACE layer, one value for all,
    /// or one per VACE layer (diffusers' `conditioning_scale`).
    public var controlScales: [Double] = []
    /// Remix (with ``strength``), edit (with ``mask``) or outpaint (smaller than the canvas) this video.
    public var video: VideoFrames?
    /// How far a remix may move from ``video``, or a connecting transition from a cross-fade of the two
    /// clips: 0 < strength ≤ 1 (1 starts from pure noise; connect's default is ``defaultConnectStrength``).
    public var strength: Double?
    /// Where an edit regenerates: white = regenerate, black = keep, grey = partly. One frame (for every
    /// frame) or one per frame of ``video``, at the video's size.
    public var mask: VideoFrames?
    /// Extend this clip forward, or connect it (with ``next``): the new frames follow it.
    public var previous: VideoFrames?
    /// Extend this clip backward, or connect to it (with ``previous``): the new frames lead into it.
    public var next: VideoFrames?
    /// Make a seamless loop: the last frame flows into the first.
    public var loop: Bool
    /// Frames of ``previous`` (or ``next``) re-encoded and kept as the new window's context, of the
    /// form 1 + 4k; nil takes ``defaultContextFrames``, fewer when the clip is shorter.
    public var contextFrames: Int?

    public init(image: VideoFrames? = nil, video: VideoFrames? = nil, strength: Double? = nil, mask: VideoFrames? = nil,
                previous: VideoFrames? = nil, next: VideoFrames? = nil, loop: Bool = false, contextFrames: Int? = nil,
                lastImage: VideoFrames? = nil, references: [VideoFrames] = [], keyframes: [Keyframe] = []) {
        self.image = image; self.video = video; self.strength = strength; self.mask = mask
        self.previous = previous; self.next = next; self.loop = loop; self.contextFrames = contextFrames
        self.lastImage = lastImage; self.references = references; self.keyframes = keyframes
    }

    /// An image placed at one frame of the video.
    public struct Keyframe: Sendable, Equatable {
        /// The frame's index, from 0.
        public var frame: Int
        /// One frame at the video's size.
        public var image: VideoFrames

        public init(frame: Int, image: VideoFrames) { self.frame = frame; self.image = image }
    }

    /// The most reference images a request may give.
    public static let maximumReferences = 8

    /// How far a connecting transition moves from the cross-fade of its two clips it starts from, by default.
    public static let defaultConnectStrength = 0.8

    /// Latent frames of context kept by default when extending: 1 + 4·2 = 9 pixel frames with Wan's
    /// geometry, enough to carry motion across the seam while leaving the window short.
    public static let defaultContextLatents = 3

    /// The mode these inputs ask for on a `width`x`height` canvas, or a one-sentence error for a
    /// combination that makes no sense.
    public func mode(width: Int, height: Int) throws -> GenerationMode {
        if lastImage != nil, image == nil {
            throw GenerationError.invalidRequest("a last image needs the first image too")
        }
        guard references.count <= Self.maximumReferences else {
            throw GenerationError.invalidRequest("\(references.count) reference images; at most \(Self.maximumReferences)")
        }
        if !keyframes.isEmpty {
            guard image == nil, video == nil, mask == nil, strength == nil, previous == nil, next == nil, !loop else {
                throw GenerationError.invalidRequest("keyframes take no image, video, mask, strength, clips or loop (give frame 0 as a keyframe)")
            }
            return .keyframes
        }
        let clips = previous != nil || next != nil
        if clips {
            guard image == nil, video == nil, mask == nil, !loop else {
                throw GenerationError.invalidRequest("extending or connecting clips takes no image, video, mask or loop")
            }
            if previous != nil, next != nil { return .connect }
            if strength != nil { throw GenerationError.invalidRequest("a strength applies to a remix or a connection, not an extension") }
            return previous != nil ? .extend : .extendBackward
        }
        if contextFrames != nil {
            throw GenerationError.invalidRequest("context frames apply only when extending or connecting clips")
        }
        if loop {
            guard image == nil, video == nil, mask == nil, strength == nil else {
                throw GenerationError.invalidRequest("a loop takes no image, video, mask or strength")
            }
            return .loop
        }
        if image != nil {
            guard video == nil, mask == nil, strength == nil else {
                throw GenerationError.invalidRequest("give an image or a video, not both (a strength or mask goes with a video)")
            }
            return .image
        }
        guard let video else {
            if mask != nil { throw GenerationError.invalidRequest("a mask needs the video it applies to") }
            if strength != nil { throw GenerationError.invalidRequest("a strength needs a video to remix") }
            return .text
        }
        if video.width == width, video.height == height {
            if mask != nil { return .edit }
            if strength != nil { return .remix }
            throw GenerationError.invalidRequest(
                "a video needs a strength (remix) or a mask (edit), or a size smaller than the \(width)x\(height) canvas (outpaint)")
        }
        guard video.width <= width, video.height <= height else {
            throw GenerationError.invalidRequest(
                "the video is \(video.width)x\(video.height), larger than the \(width)x\(height) canvas; resize it to the canvas first")
        }
        guard mask == nil, strength == nil else {
            throw GenerationError.invalidRequest("an outpaint (a video smaller than the canvas) takes no mask or strength")
        }
        return .outpaint
    }
}

/// What a request makes; each is a canvas plus strategies over the one denoise loop.
public enum GenerationMode: String, Sendable, Equatable, CaseIterable {
    case text = "text to video"
    case image = "image to video"
    case remix
    case edit
    case outpaint
    case extend
    case extendBackward = "extend backward"
    case connect
    case loop
    /// Images at chosen frames, the rest generated (a VACE model).
    case keyframes

    /// Whether `frames` counts only the new frames (extend, connect).
    public var countsNewFrames: Bool { self == .extend || self == .extendBackward || self == .connect }
}
