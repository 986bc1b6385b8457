/// Writes safetensors files: the header padded with spaces to a multiple of 8 bytes, then each
/// tensor's bytes in the order given. The data goes to a temporary file in the destination's folder
/// that is renamed into place once complete, so a failed write never leaves a half-written file.
public enum SafeTensorsWriter {
    /// Throws ``WeightFileError`` unless ``write(_:metadata:to:)`` could write `path`: its folder
    /// exists and is writable, and the path is free or a regular file. For checking a destination
    /// before the work that produces the file starts.
    public static func checkDestination(_ path: String) throws { try checkOutputPath(path) }

    /// Writes `tensors` (host tensors with distinct names) and `metadata` to `path`, replacing any
    /// file there. Throws ``WeightFileError`` naming the path.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:],
                             to path: String) throws {
        var seen = Set<String>()
        for (name, tensor) in tensors {
            guard name != "__metadata__" else {
                throw WeightFileError(path: path, tensor: name, .writeFailed("the name is reserved for metadata"))
            }
            guard seen.insert(name).inserted else {
                throw WeightFileError(path: path, tensor: name, .writeFailed("the name appears twice"))
            }
            guard tensor.isOnHost else {
                throw WeightFileError(path: path, tensor: name, .writeFailed("the tensor is not in host memory"))
            }
        }
        let header = headerBytes(tensors, metadata: metadata)
        let length = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
        let file = try AtomicFileWriter(path: path)
        try file.write(length + header)
        for (_, tensor) in tensors where tensor.byteCount > 0 {
            guard let base = tensor.storage.hostPointer else { continue }
            try file.write(base, count: tensor.byteCount)
        }
        try file.commit()
    }

    /// The JSON header, padded with spaces so that the data section starts 8-byte aligned.
    static func headerBytes(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) -> [UInt8] {
        var members: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { jsonQuoted($0) + ":" + jsonQuoted(metadata[$0] ?? "") }
            members.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for (name, tensor) in tensors {
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            members.append(jsonQuoted(name) + ":{\"dtype\":\"\(SafeTensorsDType(tensor.dtype).rawValue)\","
                + "\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + tensor.byteCount)]}")
            offset += tensor.byteCount
        }
        var bytes = Array(("{" + members.joined(separator: ",") + "}").utf8)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8))
        return bytes
    }
}
