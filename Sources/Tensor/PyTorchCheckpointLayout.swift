// How a checkpoint's archive and pickle become named tensor entries: finding `data.pkl`, flattening
// nested dicts, removing wrapper keys, and validating each tensor's view of its storage.
extension PyTorchCheckpoint {
    /// The error for a file that is not a zip archive: an old (torch < 1.6) checkpoint starts with a
    /// pickle's PROTO opcode.
    static func notZip(_ bytes: UnsafeRawBufferPointer, path: String) -> WeightFileError {
        if bytes.first == 0x80 {
            return WeightFileError(path: path, .checkpoint(
                "is an old non-zip torch.save file; re-save it with torch >= 1.6 (torch.save(torch.load(f), f))"))
        }
        let start = bytes.prefix(4).map { byte in
            let text = String(byte, radix: 16, uppercase: true)
            return byte < 16 ? "0" + text : text
        }.joined(separator: " ")
        return WeightFileError(path: path, .checkpoint(
            "is not a PyTorch checkpoint (a zip archive starting \"PK\"); it starts with bytes \(start)"))
    }

    /// The archive's record folder (`archive`, or the name the file was saved as) and its `data.pkl`.
    static func findPickle(_ archive: ZipArchive, path: String) throws -> (String, ZipEntry) {
        let pickles = archive.entries.filter { entry in
            entry.name.hasSuffix("/data.pkl") && entry.name.split(separator: "/", omittingEmptySubsequences: false).count == 2
        }
        guard pickles.count == 1 else {
            throw WeightFileError(path: path, .checkpoint(pickles.isEmpty
                ? "is a zip archive without a NAME/data.pkl entry, so not a torch.save checkpoint"
                : "holds \(pickles.count) data.pkl records (\(pickles.map(\.name).joined(separator: ", "))); expected one"))
        }
        return (String(pickles[0].name.dropLast("/data.pkl".count)), pickles[0])
    }

    /// Appends the tensors of `dict` (and of the dicts in it) with dotted names, in order.
    static func flatten(_ dict: PickleDict, prefix: String, depth: Int, visits: inout Int,
                        into flat: inout [(name: String, tensor: PickleTensor)], path: String) throws {
        guard depth < maximumDepth else {
            throw WeightFileError(path: path, .checkpoint("nests dicts more than \(maximumDepth) deep (at \(quoted(prefix)))"))
        }
        for key in dict.keys {
            visits += 1
            guard visits <= maximumVisits else {
                throw WeightFileError(path: path, .checkpoint("has more than \(maximumVisits) dict entries once shared dicts are followed"))
            }
            let name = prefix.isEmpty ? key : prefix + "." + key
            switch dict.values[key] {
            case .tensor(let tensor)?: flat.append((name, tensor))
            case .dict(let inner)?: try flatten(inner, prefix: name, depth: depth + 1, visits: &visits, into: &flat, path: path)
            default: continue  // numbers, strings, lists: training state, not weights
            }
        }
    }

    /// The names a checkpoint whose flattened names are `names` is read with, and the prefix removed:
    /// the wrapper rule of the type's documentation.
    public static func unwrapping(_ names: [String]) -> (names: [String], prefix: String) {
        let (kept, prefix) = unwrap(names.map { ($0, ()) })
        return (kept.map(\.name), prefix)
    }

    /// Removes wrapper keys by the rule of the type's documentation; returns what is kept and the
    /// prefix removed.
    static func unwrap<T>(_ flat: [(name: String, tensor: T)]) -> ([(name: String, tensor: T)], String) {
        var kept = flat, stripped = ""
        while true {
            let firsts = Set(kept.compactMap { item in item.name.firstIndex(of: ".").map { String(item.name[..<$0]) } })
            guard let wrapper = wrapperKeys.first(where: firsts.contains) else { return (kept, stripped) }
            let dotted = wrapper + "."
            kept = kept.compactMap { $0.name.hasPrefix(dotted) ? (String($0.name.dropFirst(dotted.count)), $0.tensor) : nil }
            stripped += dotted
        }
    }

    /// The entry of one tensor, and its strides when the view is not contiguous; validates the view
    /// against the storage's zip entry with checked arithmetic.
    static func entry(name: String, _ tensor: PickleTensor, storage: ZipEntry?, path: String) throws -> (SafeTensorsEntry, [Int]?) {
        func failure(_ message: String) -> WeightFileError { WeightFileError(path: path, tensor: name, .checkpoint(message)) }
        let dtype = tensor.dtype, elementSize = dtype.bitSize / 8
        guard let storage else {
            throw failure("its storage data/\(tensor.storage.key) is not in the archive")
        }
        let storageType = tensor.storage.dtype
        let (storageBytes, overflow) = tensor.storage.elementCount.multipliedReportingOverflow(by: storageType.bitSize / 8)
        guard !overflow, storageBytes <= storage.dataRange.count else {
            throw failure("its storage data/\(tensor.storage.key) should hold \(tensor.storage.elementCount) \(storageType.rawValue) elements but has \(storage.dataRange.count) bytes")
        }
        // The storage's length in the tensor's elements (an untyped storage counts bytes).
        let storageElements = storageBytes / elementSize
        guard let count = Tensor.checkedElementCount(tensor.shape),
              count.multipliedReportingOverflow(by: elementSize).overflow == false else {
            throw failure("shape \(tensor.shape) has more elements than can be counted")
        }
        // The last element the view reads, in storage elements; nothing for an empty tensor.
        var last = tensor.storageOffset
        for (size, stride) in zip(tensor.shape, tensor.stride) where size > 1 {
            let (step, o1) = (size - 1).multipliedReportingOverflow(by: stride)
            let (sum, o2) = last.addingReportingOverflow(step)
            guard !o1, !o2 else { throw failure("shape \(tensor.shape) with stride \(tensor.stride) reaches past any storage") }
            last = sum
        }
        if count > 0 && last >= storageElements {
            throw failure("its view (offset \(tensor.storageOffset), shape \(tensor.shape), stride \(tensor.stride)) reads element \(last) of a storage of \(storageElements)")
        }
        let contiguous = isContiguous(shape: tensor.shape, stride: tensor.stride)
        if !contiguous && !isNonOverlapping(shape: tensor.shape, stride: tensor.stride) {
            throw failure("is a view that repeats elements (shape \(tensor.shape), stride \(tensor.stride)); re-save it with .contiguous()")
        }
        // Non-overlapping views span at least their size, so this range lies inside the storage.
        let start = storage.dataRange.lowerBound + (count > 0 ? tensor.storageOffset * elementSize : 0)
        let entry = SafeTensorsEntry(name: name, dtype: dtype, shape: tensor.shape, byteRange: start..<(start + count * elementSize))
        return (entry, contiguous ? nil : tensor.stride)
    }

    /// Whether the strides are the row-major ones of the shape (axes of size 1 may have any stride).
    static func isContiguous(shape: [Int], stride: [Int]) -> Bool {
        var expected = 1
        for (size, step) in zip(shape, stride).reversed() where size != 1 {
            if size == 0 { return true }
            guard step == expected else { return false }
            expected *= size
        }
        return true
    }

    /// Whether no two elements of the view share a place: with the axes sorted by stride, each stride
    /// passes the extent of the axes inside it.
    static func isNonOverlapping(shape: [Int], stride: [Int]) -> Bool {
        if shape.contains(0) { return true }
        var reach = 0  // the farthest offset the inner axes reach
        for (size, step) in zip(shape, stride).filter({ $0.0 > 1 }).sorted(by: { $0.1 < $1.1 }) {
            guard step > reach else { return false }
            reach += (size - 1) * step
        }
        return true
    }
}

/// Copies the elements of a strided view at `source` into `out`, row-major.
func gather(from source: UnsafeRawPointer, shape: [Int], stride: [Int], elementSize: Int, into out: UnsafeMutableRawBufferPointer) {
    guard let base = out.baseAddress, !shape.contains(0) else { return }
    var index = [Int](repeating: 0, count: shape.count)
    var offset = 0  // in elements, from the view's first element
    var written = 0
    while written < out.count {
        (base + written).copyMemory(from: source + offset * elementSize, byteCount: elementSize)
        written += elementSize
        var axis = shape.count - 1
        while axis >= 0 {
            index[axis] += 1
            offset += stride[axis]
            if index[axis] < shape[axis] { break }
            offset -= stride[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
        if axis < 0 { return }
    }
}

extension PyTorchCheckpoint {
    /// The file name endings opened as PyTorch checkpoints: `.pt`, `.pth`, `.ckpt`, `.bin`.
    public static let fileExtensions = [".pt", ".pth", ".ckpt", ".bin"]

    /// Whether `path` ends like a PyTorch checkpoint's name (any case).
    public static func isCheckpointName(_ path: String) -> Bool {
        let lower = path.lowercased()
        return fileExtensions.contains { lower.hasSuffix($0) }
    }
}
