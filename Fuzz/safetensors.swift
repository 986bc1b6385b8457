// A safetensors file: SafeTensorsFile(path:) maps it and validates the header (length, JSON, every
// entry's dtype, shape and offsets, overlaps); then every tensor is loaded as its own dtype and
// converted to bfloat16, and its raw bytes are read in place, as the model loaders do.
import Tensor

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let path = writeScratch("input.safetensors", fuzzBytes(data, size))
    ignoringErrors {
        let file = try SafeTensorsFile(path: path)
        _ = file.description
        for entry in file.entries {
            precondition(file.entry(named: entry.name) == entry)
            precondition(entry.byteCount == entry.byteRange.count)
            _ = try file.withUnsafeBytes(named: entry.name) { touch($0) }
            ignoringErrors {
                let tensor = try file.tensor(named: entry.name)
                precondition(tensor.shape == entry.shape)
            }
            ignoringErrors { _ = try file.tensor(named: entry.name, as: .bfloat16) }
        }
    }
    return 0
}
