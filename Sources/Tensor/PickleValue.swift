/// A value built by the restricted unpickler (``PickleMachine``): plain containers and scalars, the
/// few allowed callables, and the tensors they rebuild. Nothing here can run code.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes(Int)
    case tuple([PickleValue])
    /// Lists and dicts are objects: the memo shares them and later opcodes fill them in place.
    case list(PickleList)
    case dict(PickleDict)
    /// An allowed global, not yet called.
    case global(PickleGlobal)
    /// A storage reference from a persistent id (boxed, like the tensor, to keep every value small).
    indirect case storage(PickleStorage)
    indirect case tensor(PickleTensor)

    /// A short phrase for error messages: "a tuple", "the global torch.FloatStorage".
    var kindDescription: String {
        switch self {
        case .none: return "None"
        case .bool: return "a bool"
        case .int: return "an integer"
        case .float: return "a float"
        case .string: return "a string"
        case .bytes: return "bytes"
        case .tuple: return "a tuple"
        case .list: return "a list"
        case .dict: return "a dict"
        case .global(let global): return "the global \(global.qualifiedName)"
        case .storage: return "a storage"
        case .tensor: return "a tensor"
        }
    }
}

/// A mutable list shared through the memo.
final class PickleList {
    var items: [PickleValue] = []
}

/// A mutable dict shared through the memo. Only string keys are kept (a state dict's); entries under
/// other keys are counted in no name and dropped.
final class PickleDict {
    /// Keys in insertion order; a repeated key keeps its first place and its last value, as in Python.
    private(set) var keys: [String] = []
    private(set) var values: [String: PickleValue] = [:]

    func set(_ key: PickleValue, _ value: PickleValue) {
        guard case .string(let name) = key else { return }
        if values.updateValue(value, forKey: name) == nil { keys.append(name) }
    }

    func removeAll() {
        keys = []
        values = [:]
    }
}

/// A global the allow-list admits, by what it does.
enum PickleGlobal: Equatable {
    /// `collections.OrderedDict`: called with no arguments (or a list of pairs) it makes a dict.
    case orderedDict
    /// `torch._utils._rebuild_tensor_v2`, the older `_rebuild_tensor`, and `_rebuild_tensor_v3` (an
    /// untyped storage viewed as an explicit dtype: float8 and unsigned tensors).
    case rebuildTensor(version: Int)
    /// `torch._utils._rebuild_parameter` and `_rebuild_parameter_with_state`: the tensor inside.
    case rebuildParameter(withState: Bool)
    /// A typed storage class (`torch.FloatStorage`, ...; `torch.storage.UntypedStorage` holds bytes):
    /// only meaningful inside a persistent id.
    case storageType(name: String, dtype: SafeTensorsDType)
    /// A dtype (`torch.float8_e4m3fn`, ...), the last argument `_rebuild_tensor_v3` takes.
    case dtype(name: String, dtype: SafeTensorsDType)
    /// `torch.Size`: called with a tuple it is that tuple.
    case size

    /// The globals admitted, by module and name. Anything else is refused as it is read.
    static func allowed(module: String, name: String) -> PickleGlobal? {
        switch (module, name) {
        case ("collections", "OrderedDict"): return .orderedDict
        case ("torch._utils", "_rebuild_tensor"): return .rebuildTensor(version: 1)
        case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensor(version: 2)
        case ("torch._utils", "_rebuild_tensor_v3"): return .rebuildTensor(version: 3)
        case ("torch.storage", "UntypedStorage"): return .storageType(name: "storage.UntypedStorage", dtype: .uint8)
        case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter(withState: false)
        case ("torch._utils", "_rebuild_parameter_with_state"): return .rebuildParameter(withState: true)
        case ("torch", "Size"): return .size
        case ("torch", _):
            if let dtype = storageTypes[name] { return .storageType(name: name, dtype: dtype) }
            return dtypes[name].map { .dtype(name: name, dtype: $0) }
        default: return nil
        }
    }

    /// The typed storage classes `torch.save` names in persistent ids, and their element types.
    static let storageTypes: [String: SafeTensorsDType] = [
        "FloatStorage": .float32, "DoubleStorage": .float64, "HalfStorage": .float16,
        "BFloat16Storage": .bfloat16, "LongStorage": .int64, "IntStorage": .int32,
        "ShortStorage": .int16, "CharStorage": .int8, "ByteStorage": .uint8, "BoolStorage": .bool,
    ]

    /// The torch dtypes a tensor can be rebuilt as, and their element types.
    static let dtypes: [String: SafeTensorsDType] = [
        "float32": .float32, "float": .float32, "float64": .float64, "double": .float64,
        "float16": .float16, "half": .float16, "bfloat16": .bfloat16,
        "int64": .int64, "long": .int64, "int32": .int32, "int": .int32, "int16": .int16, "short": .int16,
        "int8": .int8, "uint8": .uint8, "bool": .bool, "uint16": .uint16, "uint32": .uint32, "uint64": .uint64,
        "float8_e4m3fn": .float8E4M3, "float8_e5m2": .float8E5M2, "float8_e8m0fnu": .float8E8M0,
    ]

    var qualifiedName: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensor(let version): return "torch._utils._rebuild_tensor" + (version > 1 ? "_v\(version)" : "")
        case .rebuildParameter(let state): return "torch._utils._rebuild_parameter" + (state ? "_with_state" : "")
        case .storageType(let name, _), .dtype(let name, _): return "torch." + name
        case .size: return "torch.Size"
        }
    }
}

/// `('storage', storage_type, key, location, numel)`: the storage saved as `data/<key>` in the archive.
struct PickleStorage {
    let dtype: SafeTensorsDType
    let key: String
    let elementCount: Int
}

/// A tensor as `_rebuild_tensor_v2` describes it: a view of a storage.
struct PickleTensor {
    let storage: PickleStorage
    /// The element type: the storage's, or the one `_rebuild_tensor_v3` names for an untyped storage.
    let dtype: SafeTensorsDType
    /// In elements of ``dtype``, from the start of the storage.
    let storageOffset: Int
    let shape: [Int]
    /// In elements, per axis.
    let stride: [Int]
}
