/// A PyTorch checkpoint (`.pt`, `.pth`, `.ckpt`, `.bin`) as `torch.save` writes it since torch 1.6:
/// a zip archive of stored entries holding `NAME/data.pkl` (the pickled object) and one
/// `NAME/data/KEY` file per storage. It is read without running any of the pickle's code
/// (``PickleMachine`` admits only tensor rebuilds and plain containers) and memory-mapped; tensors
/// are loaded one at a time, on request, like a safetensors file's.
///
/// Names: nested dicts are flattened with dots, leaves that are not tensors (step counts, config
/// strings, lists) are skipped, and wrappers are then removed by one rule, repeated while it applies:
/// when some names start with one of ``wrapperKeys`` and a dot, the first such key in that order is
/// chosen, only the tensors under it are kept, and the key and its dot are stripped. So a Self-Forcing
/// checkpoint's `generator_ema.model.blocks.0.self_attn.q.weight` becomes `blocks.0.self_attn.q.weight`
/// (its `generator` copy and any critic are not read), an rCM `net.blocks.0...` becomes `blocks.0...`,
/// and a plain state dict is read as it is. ``strippedPrefix`` says what was removed.
///
/// An entry's `byteRange` is in bytes from the start of the file. A view that is not contiguous (a
/// transposed or strided tensor) is gathered into a contiguous tensor as it loads; its range starts
/// at its first element and has the tensor's size. Views that repeat elements (a zero stride) and
/// big-endian checkpoints are refused.
public final class PyTorchCheckpoint: Sendable {
    /// The path the file was opened with.
    public let path: String
    /// The wrapper keys removed from every name, with their dots (`"generator_ema.model."`), or "".
    public let strippedPrefix: String
    /// Every tensor kept, in the pickle's order.
    public let entries: [SafeTensorsEntry]
    /// Per entry: where its elements are, for a view that is not contiguous (nil when it is).
    private let strides: [[Int]?]
    private let indexByName: [String: Int]
    private let mapping: FileMapping

    /// The wrapper keys, most preferred first: an EMA copy is what inference uses when there is one.
    public static let wrapperKeys = ["generator_ema", "ema", "generator", "state_dict", "model", "module", "net"]
    /// How deep nested dicts may go (a state dict inside a training checkpoint is two or three deep).
    static let maximumDepth = 32
    /// The most dict entries visited while flattening: bounds the work a pickle whose dicts share
    /// each other through the memo (or hold themselves) could ask for.
    static let maximumVisits = 1 << 22

    /// Opens and validates `path`: the zip directory, the pickle, every tensor's storage, offset,
    /// shape and stride. Throws ``WeightFileError`` naming the file and the problem.
    public init(path: String) throws {
        let mapping: FileMapping
        do {
            mapping = try FileMapping(path: path, minimumSize: 1)
        } catch let error as WeightFileError {
            if case .tooSmall = error.reason { throw WeightFileError(path: path, .checkpoint("is empty")) }
            throw error
        }
        let bytes = UnsafeRawBufferPointer(start: mapping.base, count: mapping.byteCount)
        guard ZipArchive.looksLikeZip(bytes) else { throw Self.notZip(bytes, path: path) }
        let archive = try ZipArchive(bytes: bytes, path: path)
        let (record, pickle) = try Self.findPickle(archive, path: path)
        if let order = archive.entry(named: record + "/byteorder") {
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[order.dataRange]), as: UTF8.self)
            guard text == "little" else {
                throw WeightFileError(path: path, .checkpoint("is a \(quoted(text))-endian checkpoint; only little-endian ones are read"))
            }
        }
        let flat = try PickleMachine.load(UnsafeRawBufferPointer(rebasing: bytes[pickle.dataRange]), path: path) { root in
            guard case .dict(let dict) = root else {
                throw WeightFileError(path: path, .checkpoint("holds \(root.kindDescription), not a dict of tensors (a state dict)"))
            }
            var flat: [(name: String, tensor: PickleTensor)] = [], visits = 0
            try Self.flatten(dict, prefix: "", depth: 0, visits: &visits, into: &flat, path: path)
            return flat
        }
        let (kept, stripped) = Self.unwrap(flat)
        guard !kept.isEmpty else {
            throw WeightFileError(path: path, .checkpoint("holds no tensors"))
        }

        var entries: [SafeTensorsEntry] = [], strides: [[Int]?] = [], indexByName: [String: Int] = [:]
        for (name, tensor) in kept {
            guard indexByName[name] == nil else {
                throw WeightFileError(path: path, tensor: name, .checkpoint("appears twice once nested dicts are flattened"))
            }
            let storage = archive.entry(named: record + "/data/" + tensor.storage.key)
            let (entry, stride) = try Self.entry(name: name, tensor, storage: storage, path: path)
            indexByName[name] = entries.count
            entries.append(entry)
            strides.append(stride)
        }
        self.path = path
        self.strippedPrefix = stripped
        self.entries = entries
        self.strides = strides
        self.indexByName = indexByName
        self.mapping = mapping
    }

    /// The entry for `name`, or nil.
    public func entry(named name: String) -> SafeTensorsEntry? { indexByName[name].map { entries[$0] } }

    /// Loads a tensor: F32, BF16 and F16 keep their dtype, F64 and integer tensors become float32.
    public func tensor(named name: String) throws -> Tensor {
        let index = try requireIndex(name)
        return try load(index, as: entries[index].dtype.tensorDType ?? .float32)
    }

    /// Loads a tensor converted to `dtype` (rounding to nearest even when narrowing).
    public func tensor(named name: String, as dtype: DType) throws -> Tensor {
        try load(try requireIndex(name), as: dtype)
    }

    private func requireIndex(_ name: String) throws -> Int {
        guard let index = indexByName[name] else { throw WeightFileError(path: path, tensor: name, .tensorNotFound) }
        return index
    }

    private func load(_ index: Int, as dtype: DType) throws -> Tensor {
        let entry = entries[index]
        let tensor = try Tensor(allocating: entry.shape, dtype: dtype, zeroed: false)
        guard let destination = tensor.storage.hostPointer else {
            preconditionFailure("Tensor(allocating:) allocates host memory")
        }
        let source = mapping.base + entry.byteRange.lowerBound
        if let stride = strides[index] {
            var packed = [UInt8](repeating: 0, count: entry.byteCount)
            packed.withUnsafeMutableBytes { gather(from: source, shape: entry.shape, stride: stride,
                                                   elementSize: entry.dtype.bitSize / 8, into: $0) }
            packed.withUnsafeBytes { copy(from: $0.baseAddress ?? source, entry, to: destination, as: dtype) }
        } else {
            copy(from: source, entry, to: destination, as: dtype)
            mapping.release(entry.byteRange)
        }
        return tensor
    }

    private func copy(from source: UnsafeRawPointer, _ entry: SafeTensorsEntry, to destination: UnsafeMutableRawPointer, as dtype: DType) {
        // The archive is little-endian (checked at open), as are the hosts this runs on.
        if entry.dtype.tensorDType == dtype {
            destination.copyMemory(from: source, byteCount: entry.byteCount)
        } else {
            convertElements(from: source, dtype: entry.dtype, count: entry.elementCount, to: destination, as: dtype)
        }
    }
}

extension PyTorchCheckpoint: WeightSource {
    /// Tensor names, in the pickle's order.
    public var names: [String] { entries.map(\.name) }

    public var description: String {
        let count = "\(entries.count) tensor\(entries.count == 1 ? "" : "s")"
        return "\(path) (\(count)" + (strippedPrefix.isEmpty ? ")" : ", read from \(strippedPrefix))")
    }
}
