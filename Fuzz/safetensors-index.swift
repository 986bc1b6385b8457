// A sharded checkpoint's index (`diffusion_pytorch_model.safetensors.index.json`):
// ShardedSafeTensors(indexPath:) reads the JSON, checks every shard name (no absolute paths, no
// `..`), opens each named shard beside it and checks every mapped tensor is in its shard. Two small
// valid shards sit beside the index (shard-1.safetensors: "a", "b"; shard-2.safetensors: "c"), so
// that inputs naming them get past the file checks; then every tensor is loaded.
import Tensor

/// A safetensors file holding `tensors` (name, F32 values), written by hand.
private func shardBytes(_ tensors: [(String, [Float])]) -> [UInt8] {
    var offset = 0
    var fields: [String] = []
    var data: [UInt8] = []
    for (name, values) in tensors {
        fields.append("\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\(values.count)],\"data_offsets\":[\(offset),\(offset + 4 * values.count)]}")
        offset += 4 * values.count
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data += $0 } }
    }
    var header = Array(("{" + fields.joined(separator: ",") + "}").utf8)
    while header.count % 8 != 0 { header.append(0x20) }
    var length: [UInt8] = []
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { length += $0 }
    return length + header + data
}

private let indexPath: String = {
    _ = writeScratch("shard-1.safetensors", shardBytes([("a", [1, 2]), ("b", [3])]))
    _ = writeScratch("shard-2.safetensors", shardBytes([("c", [4, 5, 6])]))
    return scratchFolder + "/model.safetensors.index.json"
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensorsIndex(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    _ = writeScratch("model.safetensors.index.json", fuzzBytes(data, size))
    ignoringErrors {
        let sharded = try ShardedSafeTensors(indexPath: indexPath)
        _ = sharded.description
        for name in sharded.names {
            precondition(sharded.shard(for: name) != nil && sharded.entry(named: name) != nil)
            _ = try sharded.tensor(named: name)
        }
    }
    return 0
}
