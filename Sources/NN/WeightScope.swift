import Synchronization
import Tensor

/// The record of which tensors a model loaded, shared by every ``WeightScope`` derived from one
/// root. After building a model, ``verifyAllUsed(_:ignoring:)`` reports the weights nobody asked
/// for — a typo in a key, a layer the model forgot, or a checkpoint of another variant.
public final class WeightUsage: Sendable {
    private let loaded = Mutex(Set<String>())

    public init() {}

    /// Records that the weights' tensor `fileKey` was loaded.
    public func markUsed(_ fileKey: String) {
        _ = loaded.withLock { $0.insert(fileKey) }
    }

    /// The weights' names loaded so far, sorted.
    public var loadedKeys: [String] { loaded.withLock { $0.sorted() } }

    /// Whether the weights' tensor `fileKey` was loaded.
    public func wasUsed(_ fileKey: String) -> Bool { loaded.withLock { $0.contains(fileKey) } }

    /// The names of `source` that were never loaded and are not `ignored`, in the source's order.
    public func unusedKeys(_ source: any WeightSource, ignoring ignored: (String) -> Bool = { _ in false }) -> [String] {
        let used = loaded.withLock { $0 }
        return source.names.filter { !used.contains($0) && !ignored($0) }
    }

    /// Throws ``WeightLoadError`` listing every tensor of `source` that was never loaded, unless
    /// `ignored` says it may stay unused (keys the reference also drops on load, say).
    public func verifyAllUsed(_ source: any WeightSource, ignoring ignored: (String) -> Bool = { _ in false }) throws {
        let unused = unusedKeys(source, ignoring: ignored)
        guard unused.isEmpty else {
            throw WeightLoadError(source: source.description, .unused(unused))
        }
    }
}

/// A view of a ``WeightSource`` under a key prefix, the way modules find their parameters
/// (candle's `VarBuilder`): `scope["blocks"][3]["attn1"]` loads `blocks.3.attn1.*`. Every load checks
/// the shape and records the key in the shared ``WeightUsage``, so loading is strict both ways:
/// a missing or misshapen tensor throws at once, and unused ones are reported at the end.
///
/// Keys are canonical names (the checkpoint's own strings); `rename` maps a canonical full key to
/// the name the weights actually use, for a checkpoint in another layout.
public struct WeightScope: Sendable {
    /// The weights.
    public let source: any WeightSource
    /// The canonical prefix of this scope, without a trailing dot ("" at the root).
    public let prefix: String
    /// The record of loaded keys, shared with every scope derived from the same root.
    public let usage: WeightUsage
    /// Maps a canonical full key to the weights' name for it.
    public let rename: @Sendable (String) -> String
    /// Where loaded tensors are uploaded; nil keeps them in host memory.
    public let backend: (any Backend)?

    /// A root scope over `source`. Tensors are uploaded to `backend` as they load when one is given.
    public init(_ source: any WeightSource, usage: WeightUsage = WeightUsage(),
                rename: @escaping @Sendable (String) -> String = { $0 }, uploadingTo backend: (any Backend)? = nil) {
        self.init(source: source, prefix: "", usage: usage, rename: rename, backend: backend)
    }

    private init(source: any WeightSource, prefix: String, usage: WeightUsage,
                 rename: @escaping @Sendable (String) -> String, backend: (any Backend)?) {
        self.source = source
        self.prefix = prefix
        self.usage = usage
        self.rename = rename
        self.backend = backend
    }

    // MARK: Scopes

    /// The scope `prefix.name` (`name` may itself hold dots: `"net.0.proj"`).
    public func child(_ name: String) -> WeightScope {
        WeightScope(source: source, prefix: key(name), usage: usage, rename: rename, backend: backend)
    }

    /// The scope `prefix.index`, for the entries of a list (`blocks.3`).
    public func child(_ index: Int) -> WeightScope { child(String(index)) }

    /// The scope `prefix.name`.
    public subscript(_ name: String) -> WeightScope { child(name) }

    /// The scope `prefix.index`.
    public subscript(_ index: Int) -> WeightScope { child(index) }

    // MARK: Keys

    /// The canonical full key of `name` in this scope.
    public func key(_ name: String) -> String {
        if prefix.isEmpty { return name }
        if name.isEmpty { return prefix }
        return prefix + "." + name
    }

    /// The weights' name for `name` in this scope, after renaming.
    public func fileKey(_ name: String) -> String { rename(key(name)) }

    /// Whether the weights hold `name` (after renaming).
    public func contains(_ name: String) -> Bool { source.entry(named: fileKey(name)) != nil }

    /// The stored shape of `name`, or nil when there is no such tensor; for detecting a
    /// configuration from the weights. Does not count as a load.
    public func shape(of name: String) -> [Int]? { source.entry(named: fileKey(name))?.shape }

    // MARK: Loading

    /// Loads `name`, checking that its shape is `shape`, converted to `dtype` (nil keeps the stored
    /// dtype; F64, integer and F8 tensors become float32). Throws ``WeightLoadError`` when the tensor
    /// is missing or has another shape.
    public func tensor(_ name: String, shape: [Int], dtype: DType? = nil) throws -> Tensor {
        let canonical = key(name), file = rename(canonical)
        guard let entry = source.entry(named: file) else {
            let parent = parentPrefix(of: file)
            let nearby = source.names.filter { $0.hasPrefix(parent) }
            throw WeightLoadError(source: source.description,
                                  .missing(key: canonical, fileKey: file, nearby: nearby))
        }
        guard entry.shape == shape else {
            throw WeightLoadError(source: source.description,
                                  .shapeMismatch(key: canonical, fileKey: file, expected: shape, found: entry.shape))
        }
        let loaded = try dtype.map { try source.tensor(named: file, as: $0) } ?? source.tensor(named: file)
        usage.markUsed(file)
        return try backend.map { try $0.upload(loaded) } ?? loaded
    }

    /// Loads the weight matrix `name` like ``tensor(_:shape:dtype:)``, but keeps it in GGML blocks
    /// when the source stores it so (``WeightSource/quantizedMatrix(named:)``): it is then decoded to
    /// `dtype` (float32 when nil) for each use; the blocks stay in host memory and each decoded
    /// copy is uploaded to the backend of the call.
    public func weight(_ name: String, shape: [Int], dtype: DType? = nil) throws -> Weight {
        let file = rename(key(name))
        if let entry = source.entry(named: file), entry.shape == shape,
           let matrix = try source.quantizedMatrix(named: file) {
            usage.markUsed(file)
            return .quantized(matrix, computeType: dtype ?? .float32)
        }
        return .dense(try tensor(name, shape: shape, dtype: dtype))
    }

    /// Loads `name` like ``tensor(_:shape:dtype:)`` when the weights hold it, nil otherwise. A
    /// tensor that is present with another shape still throws.
    public func optionalTensor(_ name: String, shape: [Int], dtype: DType? = nil) throws -> Tensor? {
        contains(name) ? try tensor(name, shape: shape, dtype: dtype) : nil
    }

    /// Loads `name` when `present`, throwing when it is missing; nil without looking when not.
    /// For parameters a configuration switches on or off (a bias, an affine norm).
    public func tensor(_ name: String, shape: [Int], dtype: DType? = nil, if present: Bool) throws -> Tensor? {
        present ? try tensor(name, shape: shape, dtype: dtype) : nil
    }
}
