import Tensor

/// The path of `relative` inside `Tests/Fixtures`, from this file's location.
func ggufFixture(_ relative: String) -> String {
    var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(2)
    return "\(components.joined(separator: "/"))/Fixtures/gguf/\(relative)"
}

/// A GGUF file built field by field, for malformed headers: each piece is appended as written,
/// so a test can lie in any count, length, dimension or offset.
struct GGUFBytes {
    var bytes: [UInt8] = []

    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    mutating func string(_ text: String, length: UInt64? = nil) {
        u64(length ?? UInt64(text.utf8.count))
        bytes += Array(text.utf8)
    }

    /// Magic, version and the two counts.
    static func header(version: UInt32 = 3, tensors: UInt64, metadata: UInt64, magic: String = "GGUF") -> GGUFBytes {
        var file = GGUFBytes()
        file.bytes = Array(magic.utf8)
        file.u32(version)
        file.u64(tensors)
        file.u64(metadata)
        return file
    }

    /// A string metadata entry.
    mutating func metadata(_ key: String, string value: String) {
        string(key)
        u32(8)
        string(value)
    }

    /// A tensor entry; `dims` fastest first, as GGUF stores them.
    mutating func tensor(_ name: String, dims: [UInt64], type: UInt32 = 0, offset: UInt64 = 0) {
        string(name)
        u32(UInt32(dims.count))
        for d in dims { u64(d) }
        u32(type)
        u64(offset)
    }

    /// Zero padding up to the next multiple of `alignment`.
    mutating func pad(to alignment: Int = 32) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    /// A file of one F32 tensor `name` with `dims` and its data, and `architecture` metadata.
    static func single(_ name: String = "w", dims: [UInt64] = [4, 2], architecture: String? = "wan") -> [UInt8] {
        var file = header(tensors: 1, metadata: architecture == nil ? 0 : 1)
        if let architecture { file.metadata("general.architecture", string: architecture) }
        file.tensor(name, dims: dims)
        file.pad()
        file.bytes += [UInt8](repeating: 0, count: Int(dims.reduce(1, *)) * 4)
        return file.bytes
    }
}
