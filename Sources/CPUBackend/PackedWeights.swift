import CDNNL
import Tensor

/// A linear layer's weight held in the blocked layout oneDNN's GEMM kernels read (for bf16 on
/// AVX-512, pairs of K interleaved in column panels). A GEMM on plain `[out, in]` weights copies
/// them into that layout on every call (a pass over the whole matrix, and scratch memory as large);
/// packed once at load, the weight replaces its plain copy, the same size for every shape Wan uses.
/// The layout is the same whatever the number of input rows (checked when packing), so one copy
/// serves every call. Only ``CPUBackend/linear(_:weight:bias:activation:)`` reads it;
/// ``CPUBackend/download(_:)`` gives the plain `[out, in]` tensor back.
final class PackedMatmulWeights: DeviceMemory, @unchecked Sendable {
    /// Host memory from the engine's allocator, which hands the block a plain weight just freed to
    /// the next packed one of its size.
    private let buffer: Storage
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int
    /// oneDNN's descriptor of the `[in, out]` operand in its blocked layout.
    let descriptor: dnnl_memory_desc_t
    let inFeatures: Int
    let outFeatures: Int
    let dtype: DType

    var deviceName: String { "host memory in oneDNN's packed GEMM layout" }

    init(descriptor: dnnl_memory_desc_t, inFeatures: Int, outFeatures: Int, dtype: DType) throws(DNNLError) {
        var descriptor = descriptor
        byteCount = dnnl_memory_desc_get_size(&descriptor)
        guard byteCount > 0, let buffer = try? Storage(allocatingHostBytes: byteCount, zeroed: false),
              let pointer = buffer.hostPointer else {
            throw .failed("no memory for a packed weight of \(byteCount) bytes")
        }
        self.buffer = buffer
        self.pointer = pointer
        self.descriptor = descriptor
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.dtype = dtype
    }
}

extension Tensor {
    /// The packed weight behind this tensor, when it is one.
    var packedWeights: PackedMatmulWeights? {
        if case .device(let memory) = storage.location { return memory as? PackedMatmulWeights }
        return nil
    }
}

extension CPUBackend {
    /// Row counts whose GEMM must read the packed layout unchanged for a weight to be packed: one
    /// token, a prompt, Wan's 1,280 and 32,760 tokens.
    private static let checkedRows = [1, 77, 1280, 32760]

    /// A bfloat16 `[out, in]` weight packed into oneDNN's blocked GEMM layout (``PackedMatmulWeights``),
    /// or the weight itself when it is not bfloat16, not a host matrix, or oneDNN would want another
    /// layout for some row count.
    public func prepareLinearWeight(_ weight: Tensor) throws -> Tensor {
        guard weight.rank == 2, weight.dtype == .bfloat16, let data = weight.storage.hostPointer,
              weight.shape[0] > 0, weight.shape[1] > 0 else { return weight }
        let packed: PackedMatmulWeights?
        do {
            packed = try pack(data, outFeatures: weight.shape[0], inFeatures: weight.shape[1], dtype: weight.dtype)
        } catch {
            guard case .failed(let message) = error else { return weight }
            throw TensorError.backendFailure(op: "prepareLinearWeight", detail: message)
        }
        guard let packed else { return weight }
        return Tensor(shape: weight.shape, dtype: weight.dtype, storage: Storage(device: packed))
    }

    /// The packed copy of the `[out, in]` matrix at `data`, or nil when oneDNN's layout depends on the rows.
    private func pack(_ data: UnsafeMutableRawPointer, outFeatures: Int, inFeatures: Int,
                      dtype: DType) throws(DNNLError) -> PackedMatmulWeights? {
        var layout = try DNNL.shared.preferredWeightsDescriptor(rows: Self.checkedRows[0], inFeatures: inFeatures,
                                                                outFeatures: outFeatures, dtype: dtype)
        for rows in Self.checkedRows.dropFirst() {
            var other = try DNNL.shared.preferredWeightsDescriptor(rows: rows, inFeatures: inFeatures,
                                                                   outFeatures: outFeatures, dtype: dtype)
            if dnnl_memory_desc_equal(&layout, &other) == 0 { return nil }
        }
        let packed = try PackedMatmulWeights(descriptor: layout, inFeatures: inFeatures, outFeatures: outFeatures, dtype: dtype)
        // The [out, in] weight read as the [in, out] operand through strides.
        let plain = MatrixLayout(dims: [inFeatures, outFeatures], strides: [1, inFeatures], dtype: dtype)
        try DNNL.shared.reorder(from: plain, data, to: packed.descriptor, packed.pointer)
        return packed
    }

    /// The plain `[out, in]` host tensor of a packed weight.
    func unpacked(_ packed: PackedMatmulWeights) throws -> Tensor {
        let out = try Tensor(allocating: [packed.outFeatures, packed.inFeatures], dtype: packed.dtype, zeroed: false)
        let plain = MatrixLayout(dims: [packed.inFeatures, packed.outFeatures], strides: [1, packed.inFeatures], dtype: packed.dtype)
        do {
            try DNNL.shared.reorder(from: packed.descriptor, packed.pointer, to: plain, out.storage.hostPointer!)
        } catch {
            guard case .failed(let message) = error else {
                throw TensorError.backendFailure(op: "unpack", detail: "oneDNN cannot reorder its packed layout back")
            }
            throw TensorError.backendFailure(op: "unpack", detail: message)
        }
        return out
    }
}
