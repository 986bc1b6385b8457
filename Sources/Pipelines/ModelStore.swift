import Synchronization
import Tensor

/// Where a model's files are: a diffusers folder, optionally with single weight files replacing one
/// component. Only the process that runs generations sees these paths; requests name models by id.
public struct ModelSource: Sendable, Equatable {
    public var folder: String
    public var transformer: String?
    public var vae: String?
    public var textEncoder: String?
    /// A TAEHV tiny decoder's weights (`taew2_1.safetensors` or `.pth`), decoding in place of the VAE.
    public var decoder: String?
    /// LoRA and delta files merged into the transformer as it loads (docs/lora.md).
    public var loras: [LoRA]
    /// Whether LoRA keys that match nothing in the transformer are skipped instead of an error.
    public var ignoresUnmatchedLoRAKeys: Bool
    /// A CLIP image encoder's weights in place of the folder's (an image-to-video model's).
    public var imageEncoder: String?

    public init(folder: String, transformer: String? = nil, vae: String? = nil, textEncoder: String? = nil,
                decoder: String? = nil, loras: [LoRA] = [], ignoresUnmatchedLoRAKeys: Bool = false,
                imageEncoder: String? = nil) {
        self.folder = folder; self.transformer = transformer; self.vae = vae; self.textEncoder = textEncoder
        self.decoder = decoder; self.imageEncoder = imageEncoder
        self.loras = loras; self.ignoresUnmatchedLoRAKeys = ignoresUnmatchedLoRAKeys
    }
}

/// The models a process offers, by id. A request's `model` is looked up here, so no client ever
/// names a path; the CLI registers the folder it was given, a server the folders it was configured
/// with. Each model's folder is read (JSON only, no weights) once, when it is first asked for.
public final class ModelStore: Sendable {
    private let sources: [String: ModelSource]
    /// The id a request without `model` gets.
    public let defaultID: String
    private let opened = Mutex<[String: WanModelFiles]>([:])
    private let defaultsRead = Mutex<[String: GenerationDefaults]>([:])

    /// A store of `sources`; `defaultID` must be one of them.
    public init(sources: [String: ModelSource], defaultID: String) throws {
        guard sources[defaultID] != nil else {
            throw GenerationError.invalidRequest("the default model \"\(defaultID)\" is not among the store's models")
        }
        self.sources = sources
        self.defaultID = defaultID
    }

    /// A store holding one model, the default, under `id` (by default the folder's last path component).
    public convenience init(single source: ModelSource, id: String? = nil) throws {
        let name = id ?? ModelStore.name(ofFolder: source.folder)
        try self.init(sources: [name: source], defaultID: name)
    }

    /// The ids the store offers, sorted.
    public var ids: [String] { sources.keys.sorted() }

    /// The model `id` names (the default for nil): its id and files. Throws
    /// ``GenerationError/invalidRequest(_:)`` for an unknown id, and the folder's own error for a
    /// folder that cannot be read.
    public func files(for id: String?) throws -> (id: String, files: WanModelFiles) {
        let id = id ?? defaultID
        guard let source = sources[id] else {
            throw GenerationError.invalidRequest("unknown model \"\(id)\"; available: \(ids.joined(separator: ", "))")
        }
        if let files = opened.withLock({ $0[id] }) { return (id, files) }
        var files = try WanModelFiles(folder: source.folder, transformer: source.transformer, vae: source.vae,
                                      textEncoder: source.textEncoder, decoder: source.decoder)
        files.loras = source.loras
        files.ignoresUnmatchedLoRAKeys = source.ignoresUnmatchedLoRAKeys
        files.imageEncoderOverride = source.imageEncoder
        opened.withLock { $0[id] = files }
        return (id, files)
    }

    /// What requests for model `id` get when they leave a setting out, with its latent geometry.
    public func defaults(for id: String?) throws -> GenerationDefaults {
        let (id, files) = try files(for: id)
        if let defaults = defaultsRead.withLock({ $0[id] }) { return defaults }
        // Read once: the CLI asks before reading its inputs and again when it validates the request.
        // With a transformer file in place of the folder's, its own kind (I2V, VACE) decides the family.
        let override = files.transformerOverride == nil ? nil : try files.transformerConfig()
        let defaults = try GenerationDefaults(folder: files.folder, transformer: override)
        defaultsRead.withLock { $0[id] = defaults }
        return defaults
    }

    /// `request` checked against its model's defaults and geometry.
    public func validate(_ request: GenerationRequest) throws -> ValidatedRequest {
        try request.validated(defaults: try defaults(for: request.model))
    }

    /// The last path component of `folder`, without trailing slashes.
    public static func name(ofFolder folder: String) -> String {
        var path = Substring(folder)
        while path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
        return path.split(separator: "/").last.map(String.init) ?? String(path)
    }
}
