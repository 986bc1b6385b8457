import Media
import Tensor

/// The latent video being made, and what is known about it: the known latents (encoded from images
/// and videos), a soft keep-mask in latent space (1 = keep the known latent, 0 = generate, between =
/// partly), and whether denoising starts part-way from the known latents (a remix). Every mode is a
/// canvas plus strategies over the one denoise loop.
public struct Canvas: Sendable {
    /// The latent window `[1, C, T, h, w]`.
    public var shape: [Int]
    /// y `[1, C, T, h, w]` float32: normalised latents of the known content (zeros where nothing is known).
    public var known: Tensor?
    /// k `[1, 1, T, h, w]` float32 in [0, 1]; nil keeps nothing.
    public var keep: Tensor?
    /// The schedule step denoising starts at (0 but for a remix).
    public var startStep: Int
    /// Whether the initial sample is `known` noised to the start step's level (a remix) rather than pure noise.
    public var startsFromKnown: Bool
    /// An image-to-video model's condition `[1, 4 + C, T, h, w]` float32 (the frame mask, then the
    /// latents of the image and grey frames), concatenated to the sample's channels every step.
    public var condition: Tensor?
    /// An image-to-video model's CLIP image tokens `[1, M, image_dim]` float32 (both images' for FLF2V).
    public var imageTokens: Tensor?
    /// A VACE model's control context `[1, 96, R + T, h, w]` float32.
    public var control: Tensor?
    /// Latent frames of reference images at the head of the window (VACE), dropped before decoding.
    public var referenceLatents = 0

    public init(shape: [Int], known: Tensor? = nil, keep: Tensor? = nil, startStep: Int = 0, startsFromKnown: Bool = false) {
        self.shape = shape; self.known = known; self.keep = keep
        self.startStep = startStep; self.startsFromKnown = startsFromKnown
    }
}

/// How the decoded window becomes the output video: frames passed through unchanged before and
/// after it, decoded frames dropped at its head (re-encoded context), the order, and the loop decode.
struct OutputPlan: Sendable {
    /// Frames emitted before the decoded ones, unchanged (the clip being extended, connect's first clip).
    var before: VideoFrames?
    /// Decoded frames dropped at the window's head (the re-encoded context of an extension).
    var dropHead = 0
    /// How many decoded frames (after the dropped head) are emitted; nil for all.
    var keepDecoded: Int?
    /// Whether the emitted decoded frames play in reverse (a backward extension is generated forward in reversed time).
    var reverseDecoded = false
    /// Frames emitted after the decoded ones, unchanged.
    var after: VideoFrames?
    /// A loop: decode with every frame seeing the causal context of its predecessors in the cycle.
    var loop = false
}
