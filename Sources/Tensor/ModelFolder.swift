/// A Hugging Face diffusers model folder: `model_index.json` naming the pipeline's components, and
/// one subfolder per component with its config and weights:
///
///     model_index.json        {"_class_name": "WanPipeline", "transformer": ["diffusers", "WanTransformer3DModel"], ...}
///     transformer/config.json
///     transformer/diffusion_pytorch_model.safetensors.index.json (+ shards)
///     tokenizer/...           (no weights: only its files are listed)
///
/// Discovery reads only JSON files and folder listings; weights are opened on request.
public struct ModelFolder: Sendable {
    /// The folder's path.
    public let path: String
    /// The pipeline class (`_class_name`), e.g. `WanPipeline`.
    public let className: String?
    /// The parsed `model_index.json`, including non-component settings such as `boundary_ratio`.
    public let index: JSONValue
    /// The components, sorted by name.
    public let components: [ModelComponent]

    /// Reads `model_index.json` and every component's folder. Throws ``WeightFileError`` for a missing
    /// index or component folder, invalid JSON (naming the file) or ambiguous weights.
    public init(path: String) throws {
        guard pathKind(path) == .directory else {
            throw WeightFileError(path: path, .modelFolder(pathKind(path) == .missing ? "no such folder" : "is not a folder"))
        }
        let indexPath = joinPath(path, "model_index.json")
        guard pathKind(indexPath) == .file else {
            throw WeightFileError(path: path, .modelFolder("has no model_index.json, so it is not a diffusers model folder"))
        }
        let (index, _) = try readJSONFile(indexPath)
        guard let members = index.objectValue else {
            throw WeightFileError(path: indexPath, .modelFolder("is \(index.kindDescription), not an object"))
        }
        var components: [ModelComponent] = []
        for key in members.keys.sorted() where !key.hasPrefix("_") {
            // A component is a [library, class] pair of strings or nulls; other keys are settings.
            guard let pair = members[key]?.arrayValue, pair.count == 2,
                  pair.allSatisfy({ $0.isNull || $0.stringValue != nil }) else { continue }
            // The key names a subfolder: it must stay inside this folder.
            guard ModelFolder.isPlainName(key) else {
                throw WeightFileError(path: indexPath, .modelFolder(
                    "component \(quoted(key)) is not a plain folder name (no '/', '..' or control characters)"))
            }
            components.append(try ModelComponent(
                folder: path, name: key, library: pair[0].stringValue, className: pair[1].stringValue))
        }
        self.path = path
        self.className = index["_class_name"]?.stringValue
        self.index = index
        self.components = components
    }

    /// The component called `name` (`"transformer"`, `"vae"`, ...), or nil.
    public func component(named name: String) -> ModelComponent? {
        components.first { $0.name == name }
    }

    /// The folder's top-level JSON file `name` (such as `zoetrope.json`), or nil when it has none.
    /// Throws ``WeightFileError`` for a file that is unreadable or not valid JSON.
    public func optionalJSONFile(_ name: String) throws -> JSONValue? {
        let filePath = joinPath(path, name)
        guard pathKind(filePath) != .missing else { return nil }
        return try readJSONFile(filePath).value
    }

    /// Whether `name` is one file or folder name inside a folder: not empty, not `.` or `..`, without
    /// `/` or control characters.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && name.utf8.count <= 255
            && !name.unicodeScalars.contains { $0 == "/" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F }
    }

    /// Whether `path` is a folder holding a `model_index.json`.
    public static func isModelFolder(_ path: String) -> Bool {
        pathKind(path) == .directory && pathKind(joinPath(path, "model_index.json")) == .file
    }
}

/// One component of a ``ModelFolder``: its declared class, config and weights.
public struct ModelComponent: Sendable {
    /// The key in `model_index.json` and the subfolder's name (`"transformer"`).
    public let name: String
    /// The library that defines the class (`"diffusers"`, `"transformers"`), nil when declared null.
    public let library: String?
    /// The class name (`"WanTransformer3DModel"`), nil when declared null.
    public let className: String?
    /// The subfolder's path; nil for a null component with no folder.
    public let path: String?
    /// The names of the files in the subfolder, sorted.
    public let files: [String]
    /// The parsed config: `config.json`, `scheduler_config.json` for a scheduler, or
    /// `preprocessor_config.json` for an image processor; nil when absent.
    public let config: JSONValue?
    /// The config file's text, unchanged, for `Codable` decoding by the model that needs it.
    public let configText: String?
    /// The config file's path.
    public let configPath: String?
    /// The weights: a `.safetensors` file or a sharded set's `.index.json`; nil when there are none.
    public let weightsPath: String?

    private static let configNames = ["config.json", "scheduler_config.json", "preprocessor_config.json"]
    private static let weightNames = [
        "diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.safetensors.index.json",
        "model.safetensors", "model.safetensors.index.json",
    ]

    init(folder: String, name: String, library: String?, className: String?) throws {
        self.name = name
        self.library = library
        self.className = className
        let componentPath = joinPath(folder, name)
        guard pathKind(componentPath) == .directory else {
            guard library == nil && className == nil else {
                throw WeightFileError(path: folder, .modelFolder(
                    "component \(quoted(name)) (\(className ?? "?")) has no folder \(quoted(name))"))
            }
            path = nil; files = []; config = nil; configText = nil; configPath = nil; weightsPath = nil
            return
        }
        let files = try listFolder(componentPath)
        path = componentPath
        self.files = files
        if let configName = Self.configNames.first(where: { files.contains($0) }) {
            let configPath = joinPath(componentPath, configName)
            let (value, text) = try readJSONFile(configPath)
            self.config = value
            self.configText = text
            self.configPath = configPath
        } else {
            config = nil; configText = nil; configPath = nil
        }
        weightsPath = try findWeights(inFolder: componentPath, preferring: Self.weightNames)
    }

    /// Opens the weights (mapping the file or every shard), or returns nil when there are none.
    public func openWeights() throws -> (any WeightSource)? {
        guard let weightsPath else { return nil }
        return try openWeightSource(path: weightsPath)
    }
}
