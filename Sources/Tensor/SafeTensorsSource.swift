/// Named tensors read from disk: one safetensors file (``SafeTensorsFile``) or a sharded set
/// (``ShardedSafeTensors``). Model loaders take this, so they need not know how weights are split.
public protocol WeightSource: Sendable, CustomStringConvertible {
    /// Every tensor name, in file order.
    var names: [String] { get }
    /// The header entry for `name`, or nil when there is no such tensor.
    func entry(named name: String) -> SafeTensorsEntry?
    /// Loads a tensor: F32, BF16 and F16 keep their dtype, other loadable types become float32.
    func tensor(named name: String) throws -> Tensor
    /// Loads a tensor converted to `dtype`.
    func tensor(named name: String, as dtype: DType) throws -> Tensor
    /// The tensor `name` kept in GGML blocks when the weights store it so (a GGUF file's quantised
    /// 2-D weights), for a layer that decodes it per call; nil for a dense tensor.
    func quantizedMatrix(named name: String) throws -> QuantizedMatrix?
}

extension WeightSource {
    /// Dense weights: no tensor is kept quantised.
    public func quantizedMatrix(named name: String) throws -> QuantizedMatrix? { nil }
    /// Every entry, in the order of ``names``.
    public var entries: [SafeTensorsEntry] { names.compactMap { entry(named: $0) } }
    /// The total number of elements.
    public var parameterCount: Int { entries.reduce(0) { $0 + $1.elementCount } }
    /// The total size of the tensor data in bytes.
    public var byteCount: Int { entries.reduce(0) { $0 + $1.byteCount } }
}

/// Opens the weights at `path`, choosing by name: a `.json` file is a sharded set's index, a `.gguf`
/// file a GGUF file (``GGUFFile``), a `.pt`, `.pth`, `.ckpt` or `.bin` file a PyTorch checkpoint
/// (``PyTorchCheckpoint``), any other file a single safetensors file, and a folder must hold exactly one `*.safetensors.index.json` or,
/// with no index, exactly one `*.safetensors` file.
public func openWeights(path: String) throws -> any WeightSource { try openWeightSource(path: path) }

func openWeightSource(path: String) throws -> any WeightSource {
    switch pathKind(path) {
    case .missing:
        throw WeightFileError(path: path, .unreadable("no such file or folder"))
    case .directory:
        guard let found = try findWeights(inFolder: path) else {
            throw WeightFileError(path: path, .noWeights("holds no .safetensors file"))
        }
        return try openWeightSource(path: found)
    case .file, .other:
        if path.hasSuffix(".gguf") { return try GGUFFile(path: path) }
        if path.hasSuffix(".json") { return try ShardedSafeTensors(indexPath: path) }
        if PyTorchCheckpoint.isCheckpointName(path) { return try PyTorchCheckpoint(path: path) }
        return try SafeTensorsFile(path: path)
    }
}

/// The weights file of a folder: the first of `preferred` present, else the one index, else with no
/// index the one safetensors file; nil when there is none. Throws `.noWeights` when there are several.
func findWeights(inFolder folder: String, preferring preferred: [String] = []) throws -> String? {
    let names = try listFolder(folder)
    for name in preferred where names.contains(name) && pathKind(joinPath(folder, name)) == .file {
        return joinPath(folder, name)
    }
    let indexes = names.filter { $0.hasSuffix(".safetensors.index.json") }
    let files = names.filter { $0.hasSuffix(".safetensors") }
    if indexes.count == 1 { return joinPath(folder, indexes[0]) }
    if indexes.count > 1 {
        throw WeightFileError(path: folder, .noWeights(
            "holds \(indexes.count) sharded-set indexes (\(indexes.joined(separator: ", "))); name one"))
    }
    if files.count == 1 { return joinPath(folder, files[0]) }
    if files.isEmpty { return nil }
    throw WeightFileError(path: folder, .noWeights(
        "holds \(files.count) .safetensors files and no .safetensors.index.json; name one"))
}
