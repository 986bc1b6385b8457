import Tensor
import WanDiT
import WanVAE

/// What a request that leaves a setting out gets: Wan 2.1's pipeline defaults, or those a model folder
/// declares in its `zoetrope.json` (the bundled model, trained for 256x256, 17 frames at 8 fps):
///
///     {"width": 256, "height": 256, "frames": 17, "fps": 8, "steps": 20, "guidance": 5.0, "negative_prompt": "",
///      "window": 21, "context": 9}
///
/// Every key is optional; a missing one keeps the Wan 2.1 value (`window` and `context`: the model's
/// `frames` and up to 9 frames, at most half the window).
public struct GenerationDefaults: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var frames: Int
    public var fps: Int
    public var steps: Int
    public var guidance: Double
    public var negativePrompt: String
    /// The longest window a long video is made in (1 + tc·k pixel frames); nil: ``frames``.
    public var window: Int?
    /// Frames of the video so far each window of a long video keeps at its head; nil: up to
    /// ``Conditioning/defaultContextLatents`` latent frames, at most half the window.
    public var context: Int?
    /// Not a default but the model's latent geometry (channels, compression, patch).
    public var geometry: LatentGeometry
    /// Not a default either: what the model was trained to be conditioned on (text to video, I2V,
    /// FLF2V, VACE), which decides how each mode runs and which requests it can take.
    public var family: ModelFamily = .textToVideo
    /// A VACE model's VACE layers (how many control scales a request may give); 0 for the other families.
    public var controlLayers = 0
    /// A rule of the model: width and height must be multiples of this (the VAE's 8 times the
    /// transformer's patch: 16 for Wan 2.1, 32 for the bundled model).
    public var sizeMultiple: Int { geometry.sizeMultiple }

    public init(width: Int, height: Int, frames: Int, fps: Int, steps: Int, guidance: Double, negativePrompt: String,
                geometry: LatentGeometry = .wan21) {
        self.width = width; self.height = height; self.frames = frames; self.fps = fps
        self.steps = steps; self.guidance = guidance; self.negativePrompt = negativePrompt
        self.geometry = geometry
    }

    /// Wan 2.1's pipeline defaults (diffusers' `WanPipeline.__call__`, docs/wan-reference.md §6.1), with an empty
    /// negative prompt.
    public static let wan21 = GenerationDefaults(width: 832, height: 480, frames: 81, fps: 16, steps: 50, guidance: 5.0,
                                                 negativePrompt: "")

    /// The file name a model folder declares its defaults in.
    public static let fileName = "zoetrope.json"

    /// The defaults of `json` (a `zoetrope.json`), Wan 2.1's for the keys it lacks. `source` names the
    /// file in errors.
    public init(json: JSONValue, source: String) throws {
        guard json.objectValue != nil else {
            throw GenerationError.invalidRequest("\(source) must hold a JSON object, not \(json.kindDescription)")
        }
        let file: DefaultsFile
        do {
            file = try JSONValueDecoder().decode(DefaultsFile.self, from: json)
        } catch let error as DecodingError {
            throw GenerationError.invalidRequest(ConfigFieldError(error, file: source).description)
        }
        self = .wan21
        width = file.width ?? width
        height = file.height ?? height
        frames = file.frames ?? frames
        fps = file.fps ?? fps
        steps = file.steps ?? steps
        guidance = file.guidance ?? guidance
        negativePrompt = file.negativePrompt ?? negativePrompt
        window = file.window
        context = file.context
    }

    /// The defaults `folder` declares in its `zoetrope.json` (Wan 2.1's when it has none), with the
    /// latent geometry of its VAE and transformer configs (Wan 2.1's for a component without one).
    public init(folder: ModelFolder, transformer override: WanTransformer.Config? = nil) throws {
        let source = "\(folder.path)/\(Self.fileName)"
        let json = try folder.optionalJSONFile(Self.fileName)
        if let json {
            try self.init(json: json, source: source)
        } else {
            self = .wan21
        }
        let vaeComponent = folder.component(named: "vae")
        let vae = try vaeComponent?.config.map { try WanAutoencoder.Config(json: $0, file: vaeComponent?.configPath) }
            ?? WanAutoencoder.Config()
        let component = folder.component(named: "transformer")
        let transformer = try override ?? component?.config.map { try WanTransformer.Config(json: $0, file: component?.configPath) }
            ?? WanTransformer.Config.wan21T2V1_3B
        geometry = try LatentGeometry(vae: vae, transformer: transformer)
        family = ModelFamily(transformer: transformer, latentChannels: vae.zDim)
        controlLayers = transformer.vaceLayers?.count ?? 0
        if json != nil { try checkAsDefaults(source: source) }
    }

    /// Throws unless a request that leaves everything out is valid with these defaults, naming the
    /// file they came from: a bad value in `zoetrope.json` is the file's fault, not a flag's.
    private func checkAsDefaults(source: String) throws {
        do {
            _ = try GenerationRequest(prompt: "defaults").validated(defaults: self)
        } catch GenerationError.invalidRequest(let reason) {
            throw GenerationError.invalidRequest("\(source) sets defaults no request could use: \(reason)")
        }
        if let window, !(window > 1 && window <= GenerationRequest.maximumFrames && geometry.isValid(frames: window)) {
            throw GenerationError.invalidRequest(
                "\(source): window \(window) must be of the form \(geometry.temporalCompression)k+1, more than 1 and at most \(GenerationRequest.maximumFrames)")
        }
        if let context, !(geometry.isValid(frames: context) && context < (window ?? frames)) {
            throw GenerationError.invalidRequest(
                "\(source): context \(context) must be of the form \(geometry.temporalCompression)k+1 and fewer than the window's \(window ?? frames) frames")
        }
    }
}

/// The keys of a `zoetrope.json`, each optional, decoded with the project's one config decoder.
private struct DefaultsFile: Decodable {
    var width, height, frames, fps, steps, window, context: Int?
    var guidance: Double?
    var negativePrompt: String?

    enum CodingKeys: String, CodingKey {
        case width, height, frames, fps, steps, guidance, window, context
        case negativePrompt = "negative_prompt"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func positive(_ key: CodingKeys) throws -> Int? {
            guard container.contains(key) else { return nil }
            guard let value = try? container.decode(Int.self, forKey: key), value > 0 else {
                throw container.invalidValue(forKey: key, "must be a positive whole number")
            }
            return value
        }
        (window, context) = (try positive(.window), try positive(.context))
        (width, height, frames, fps, steps) = (try positive(.width), try positive(.height), try positive(.frames),
                                               try positive(.fps), try positive(.steps))
        if container.contains(.guidance) {
            let range = GenerationRequest.guidanceRange
            guard let value = try? container.decode(Double.self, forKey: .guidance), range.contains(value) else {
                throw container.invalidValue(forKey: .guidance, "must be a number from \(range.lowerBound) to \(range.upperBound)")
            }
            guidance = value
        }
        if container.contains(.negativePrompt) {
            guard let text = try? container.decode(String.self, forKey: .negativePrompt) else {
                throw container.invalidValue(forKey: .negativePrompt, "must be a string")
            }
            negativePrompt = text
        }
    }
}
