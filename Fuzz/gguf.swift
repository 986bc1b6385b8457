// A GGUF file: GGUFFile(path:) maps it and validates the header (magic, version, counts, every
// metadata value, every tensor's dimensions, type and offset, the alignment, overlaps); then every
// tensor is loaded as float32 and as bfloat16, and every quantised matrix is decoded by the C
// kernels and by the Swift reference, which must agree where the values are numbers.
import Tensor

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let path = writeScratch("input.gguf", fuzzBytes(data, size))
    ignoringErrors {
        let file = try GGUFFile(path: path)
        _ = file.description
        _ = file.architecture
        for info in file.tensors {
            let entry = file.entry(named: info.name)
            precondition(entry?.shape == info.shape && entry?.byteCount == info.byteRange.count)
            ignoringErrors {
                let tensor = try file.tensor(named: info.name)
                precondition(tensor.shape == info.shape)
            }
            ignoringErrors { _ = try file.tensor(named: info.name, as: .bfloat16) }
            ignoringErrors {
                guard let matrix = try file.quantizedMatrix(named: info.name) else { return }
                let fast = try matrix.dequantized().floats(), reference = matrix.referenceDequantized()
                precondition(fast.count == reference.count)
                for (a, b) in zip(fast, reference) { precondition(a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)) }
            }
        }
    }
    return 0
}
