import Tensor
import WanDiT
import WanVAE

/// What a request that leaves a setting out gets: Wan 2.1's pipeline defaults, or those a model folder
/// declares in its `zoetrope.json` (the bundled model, trained for 256x256, 17 frames at 8 fps):
///
///     {"width": 256, "height": 256, "frames": 17, "fps": 8, "steps": 20, "guidance": 5.0, "negative_prompt": ""}
///
/// Every key is optional; a missing one keeps the Wan 2.1 value.
public struct GenerationDefaults: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var frames: Int
    public var fps: Int
    public var steps: Int
    public var guidance: Double
    public var negativePrompt: String
    /// Not a default but the model's latent geometry (channels, compression, patch).
    public var geometry: LatentGeometry
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
        self = .wan21
        guard json.objectValue != nil else {
            throw GenerationError.invalidRequest("\(source) must hold a JSON object, not \(json.kindDescription)")
        }
        func int(_ key: String) throws -> Int? {
            guard let value = json[key] else { return nil }
            guard let number = value.intValue, number > 0 else {
                throw GenerationError.invalidRequest("\(source): \"\(key)\" must be a positive whole number")
            }
            return number
        }
        width = try int("width") ?? width
        height = try int("height") ?? height
        frames = try int("frames") ?? frames
        fps = try int("fps") ?? fps
        steps = try int("steps") ?? steps
        if let value = json["guidance"] {
            guard let number = value.doubleValue, number.isFinite, number >= 0 else {
                throw GenerationError.invalidRequest("\(source): \"guidance\" must be a number, 0 or more")
            }
            guidance = number
        }
        if let value = json["negative_prompt"] {
            guard let text = value.stringValue else {
                throw GenerationError.invalidRequest("\(source): \"negative_prompt\" must be a string")
            }
            negativePrompt = text
        }
    }

    /// The defaults `folder` declares in its `zoetrope.json` (Wan 2.1's when it has none), with the
    /// latent geometry of its VAE and transformer configs (Wan 2.1's for a component without one).
    public init(folder: ModelFolder) throws {
        if let json = try folder.optionalJSONFile(Self.fileName) {
            try self.init(json: json, source: "\(folder.path)/\(Self.fileName)")
        } else {
            self = .wan21
        }
        let vae = try folder.component(named: "vae")?.config.map { try WanAutoencoder.Config(json: $0) } ?? WanAutoencoder.Config()
        let transformer = try folder.component(named: "transformer")?.config.map { try WanTransformer.Config(json: $0) }
            ?? WanTransformer.Config.wan21T2V1_3B
        geometry = try LatentGeometry(vae: vae, transformer: transformer)
    }
}

