/// A checkpoint split over several safetensors files, described by an index such as
/// `diffusion_pytorch_model.safetensors.index.json`:
///
///     {"metadata": {"total_size": 1234}, "weight_map": {"blocks.0.norm.weight": "model-00001-of-00002.safetensors", ...}}
///
/// Every shard is opened (mapped, header validated) at init, and every mapped name is checked to be
/// in its shard; tensor data is still read only on request.
public final class ShardedSafeTensors: Sendable {
    /// The index file's path.
    public let path: String
    /// The index's `metadata` object (empty when absent).
    public let metadata: [String: JSONValue]
    /// The shards, sorted by file name.
    public let shards: [SafeTensorsFile]
    /// Every mapped tensor name, in shard order and then data order within each shard.
    public let names: [String]
    private let shardByName: [String: Int]

    /// Opens the index at `indexPath` and every shard it names (resolved in the index's folder).
    public init(indexPath: String) throws {
        func failure(_ message: String, tensor: String? = nil) -> WeightFileError {
            WeightFileError(path: indexPath, tensor: tensor, .index(message))
        }
        let (json, _) = try readJSONFile(indexPath)
        guard case .object = json else { throw failure("the index is \(json.kindDescription), not an object") }
        var metadata: [String: JSONValue] = [:]
        if let value = json["metadata"], !value.isNull {
            guard let object = value.objectValue else {
                throw failure("\"metadata\" is \(value.kindDescription), not an object")
            }
            metadata = object
        }
        guard let weightMap = json["weight_map"]?.objectValue else {
            throw failure("has no \"weight_map\" object")
        }
        var shardOfName: [String: String] = [:]
        for (name, value) in weightMap {
            guard let shard = value.stringValue else {
                throw failure("weight_map value is \(value.kindDescription), not a file name", tensor: name)
            }
            guard !shard.hasPrefix("/"), !shard.split(separator: "/").contains("..") else {
                throw failure("shard \(quoted(shard)) is not a file name inside the index's folder", tensor: name)
            }
            shardOfName[name] = shard
        }

        let folder = parentFolder(indexPath)
        let shardNames = Set(shardOfName.values).sorted()
        var shards: [SafeTensorsFile] = []
        for shardName in shardNames {
            let shardPath = joinPath(folder, shardName)
            if let problem = RegularFile.problem(shardPath) {
                let users = shardOfName.filter { $0.value == shardName }.keys.sorted()
                throw failure("shard \(quoted(shardName)), mapped for \(users.count) tensors such as "
                    + "\(quoted(users.first ?? "")), \(problem) (in \(folder))")
            }
            shards.append(try SafeTensorsFile(path: shardPath))
        }
        var shardByName: [String: Int] = [:]
        var names: [String] = []
        for (i, shard) in shards.enumerated() {
            for entry in shard.entries where shardOfName[entry.name] == shardNames[i] {
                shardByName[entry.name] = i
                names.append(entry.name)
            }
        }
        if let missing = shardOfName.keys.sorted().first(where: { shardByName[$0] == nil }) {
            throw failure("is mapped to shard \(quoted(shardOfName[missing] ?? "")), which has no such tensor",
                          tensor: missing)
        }
        self.path = indexPath
        self.metadata = metadata
        self.shards = shards
        self.names = names
        self.shardByName = shardByName
    }

    /// The shard that holds `name`, or nil.
    public func shard(for name: String) -> SafeTensorsFile? {
        shardByName[name].map { shards[$0] }
    }

    private func requireShard(_ name: String) throws -> SafeTensorsFile {
        guard let shard = shard(for: name) else {
            throw WeightFileError(path: path, tensor: name, .tensorNotFound)
        }
        return shard
    }
}

extension ShardedSafeTensors: WeightSource {
    public func entry(named name: String) -> SafeTensorsEntry? {
        shard(for: name)?.entry(named: name)
    }

    public func tensor(named name: String) throws -> Tensor {
        try requireShard(name).tensor(named: name)
    }

    public func tensor(named name: String, as dtype: DType) throws -> Tensor {
        try requireShard(name).tensor(named: name, as: dtype)
    }

    public var description: String { "\(path) (\(names.count) tensor\(names.count == 1 ? "" : "s") in \(shards.count) shard\(shards.count == 1 ? "" : "s"))" }
}
