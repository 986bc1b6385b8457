// A PyTorch checkpoint: PyTorchCheckpoint(path:) reads the zip directory (end record, ZIP64 records,
// central and local headers), runs data.pkl through the restricted unpickler (allow-listed globals,
// bounded stack, memo and lengths), flattens and unwraps the names and validates every tensor's
// view of its storage; then every tensor is loaded as its own dtype and as bfloat16.
import Tensor

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPyTorch(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let path = writeScratch("input.pt", fuzzBytes(data, size))
    ignoringErrors {
        let checkpoint = try PyTorchCheckpoint(path: path)
        _ = checkpoint.description
        for entry in checkpoint.entries {
            precondition(checkpoint.entry(named: entry.name) == entry)
            precondition(entry.byteCount == entry.elementCount * entry.dtype.bitSize / 8)
            ignoringErrors {
                let tensor = try checkpoint.tensor(named: entry.name)
                precondition(tensor.shape == entry.shape)
            }
            ignoringErrors { _ = try checkpoint.tensor(named: entry.name, as: .bfloat16) }
        }
    }
    return 0
}
