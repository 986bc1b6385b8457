import WanDiT

/// What a loaded model was trained to be conditioned on beyond the prompt, read from its
/// transformer's config. The modes work on every family; the family decides how: a text-to-video
/// model animates, extends and edits training-free (a canvas of kept latents), the image-to-video
/// models take the image through their extra input channels and CLIP tokens, and a VACE model takes
/// every mode through its control video and mask (docs/modes.md).
public enum ModelFamily: String, Sendable, Equatable, CaseIterable {
    /// Wan 2.1 T2V (and the bundled model): text only; images and videos through the training-free canvas.
    case textToVideo = "text to video"
    /// Wan 2.1 I2V: 16 more input channels of condition latents, 4 of mask, and CLIP image tokens.
    case imageToVideo = "image to video (I2V)"
    /// Wan 2.1 FLF2V: I2V with a first and a last frame (a position embedding over both images' tokens).
    case firstLastFrame = "first-last-frame to video (FLF2V)"
    /// Wan 2.1 VACE: a text-to-video model with a control branch over a control video, a mask and reference images.
    case vace = "VACE (video creation and editing)"

    /// The family of a transformer with `config` whose latents have `latentChannels` channels.
    public init(transformer config: WanTransformer.Config, latentChannels: Int) {
        if config.isVACE {
            self = .vace
        } else if config.takesImage || config.inChannels > latentChannels {
            self = config.posEmbedSeqLen != nil ? .firstLastFrame : .imageToVideo
        } else {
            self = .textToVideo
        }
    }

    /// Whether the model takes the image through its trained inputs (I2V, FLF2V) rather than a canvas.
    public var takesImageChannels: Bool { self == .imageToVideo || self == .firstLastFrame }

    /// The modes a request may ask of this family, in the words `zoetrope inspect` prints.
    public var modes: [String] {
        switch self {
        case .textToVideo:
            return GenerationMode.allCases.filter { $0 != .keyframes }.map(\.rawValue)
        case .imageToVideo:
            return [GenerationMode.image.rawValue]
        case .firstLastFrame:
            return ["first and last frame to video"]
        case .vace:
            return GenerationMode.allCases.map(\.rawValue) + ["first and last frame", "reference images"]
        }
    }

    /// Throws one sentence when this family cannot take what `conditioning` asks for in `mode`.
    func check(_ conditioning: Conditioning, mode: GenerationMode) throws {
        let c = conditioning
        if self != .vace, !c.controlScales.isEmpty {
            throw GenerationError.invalidRequest("a control scale applies to a VACE model; this is \(rawValue)")
        }
        switch self {
        case .vace:
            if let bad = c.controlScales.first(where: { !$0.isFinite || abs($0) > 100 }) {
                throw GenerationError.invalidRequest("control scale \(bad) must be a number from -100 to 100")
            }
            return
        case .textToVideo:
            if c.lastImage != nil {
                throw GenerationError.invalidRequest(
                    "this text-to-video model cannot take a last image; a first-last-frame (FLF2V) or VACE model can")
            }
            if !c.references.isEmpty {
                throw GenerationError.invalidRequest("reference images need a VACE model; this is a text-to-video model")
            }
            if mode == .keyframes {
                throw GenerationError.invalidRequest("keyframes at chosen frames need a VACE model; this is a text-to-video model")
            }
        case .imageToVideo, .firstLastFrame:
            let name = self == .imageToVideo ? "image-to-video (I2V)" : "first-last-frame (FLF2V)"
            guard mode == .image else {
                throw GenerationError.invalidRequest(
                    "this \(name) model makes video from an image (--image\(self == .firstLastFrame ? " and --last-image" : "")); it cannot do \(mode.rawValue)")
            }
            if !c.references.isEmpty {
                throw GenerationError.invalidRequest("reference images need a VACE model; this is an \(name) model")
            }
            if self == .imageToVideo, c.lastImage != nil {
                throw GenerationError.invalidRequest(
                    "this image-to-video (I2V) model cannot take a last image; a first-last-frame (FLF2V) or VACE model can")
            }
            if self == .firstLastFrame, c.lastImage == nil {
                throw GenerationError.invalidRequest("this first-last-frame (FLF2V) model needs a last image as well as the first")
            }
        }
    }
}
