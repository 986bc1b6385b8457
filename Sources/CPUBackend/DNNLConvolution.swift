import CDNNL
import Synchronization
import Tensor

/// The exact geometry and types of one 3-D convolution, the key of a created primitive.
struct ConvolutionKey: Hashable {
    var batch, cin, cout: Int
    /// Input (T, H, W), kernel, stride and the padding before / after along each axis.
    var input, kernel, stride, padBefore, padAfter: [Int]
    /// The input's and the output's dtype (plain NCDHW tensors).
    var activation: DType
    /// The weight tensor's dtype (plain OIDHW).
    var weightType: DType
    /// The type the primitive reads its source and weights in; it accumulates in float32.
    var compute: DType
    var hasBias: Bool

    var output: [Int] {
        (0..<3).map { (input[$0] + padBefore[$0] + padAfter[$0] - kernel[$0]) / stride[$0] + 1 }
    }
}

/// 3-D convolutions through oneDNN's convolution primitive: it picks its own blocked layouts for
/// source, weights and destination, and reorders move the plain NCDHW tensors in and out. Primitives
/// are cached per exact key; weights are reordered once per (weight tensor, layout) and cached, the
/// entry holding the tensor's storage so its address cannot be reused while cached.
final class DNNLConvolutions: @unchecked Sendable {
    static let shared = DNNLConvolutions()

    private let primitives = PrimitiveCache<ConvolutionKey, ConvolutionPrimitive>(limit: 256)
    private let weights = Mutex(ReorderedWeights())
    /// The most bytes of reordered weights kept (oldest dropped first). Weights larger than an
    /// eighth of it are reordered at each call instead: caching a whole VAE's copies would add their
    /// size to the peak memory (+206 MiB for the f32 Wan decoder), while reordering them costs well
    /// under 1 % of the convolution's time.
    static let weightCacheBytes = 64 << 20

    /// `out = conv(x, weight) + bias` in `key.compute` with float32 accumulation, into a new
    /// `[B, Cout, T', H', W']` tensor of `x`'s dtype. Throws `unimplemented` when oneDNN has no
    /// kernel for these types on this CPU.
    func convolve(_ x: Tensor, weight: Tensor, bias: Tensor?, key: ConvolutionKey) throws(DNNLError) -> Tensor {
        guard let engine = DNNL.shared.cpuEngine else { throw .failed("oneDNN CPU engine could not be created") }
        ThreadTeam.applyToCallingThread()
        let primitive = try primitives.primitive(for: key) { key throws(DNNLError) in try ConvolutionPrimitive(key: key, engine: engine) }
        let stream = try callStream(engine)
        defer { dnnl_stream_destroy(stream) }

        let filter = try reorderedWeights(weight, for: primitive, engine: engine, stream: stream)
        let out: Tensor
        do {
            out = try Tensor(allocating: [key.batch, key.cout] + key.output, dtype: key.activation, zeroed: false)
        } catch { throw .failed("could not allocate the convolution output: \(error)") }
        let outData = out.storage.hostPointer!

        // Source in the primitive's layout (a reorder, unless the plain tensor already is it).
        var srcData = UnsafeMutableRawPointer(x.storage.hostPointer!)
        var srcBuffer: Storage? = nil
        if let reorder = primitive.srcReorder {
            let buffer = try hostBuffer(primitive.srcBytes)
            try reorder.run(engine: engine, stream: stream,
                            [(Int32(DNNL_ARG_FROM), primitive.plainSrc, srcData), (Int32(DNNL_ARG_TO), primitive.src, buffer.hostPointer!)])
            srcData = buffer.hostPointer!
            srcBuffer = buffer
        }
        let dstBuffer = primitive.dstReorder == nil ? nil : try hostBuffer(primitive.dstBytes)
        let dstData = dstBuffer?.hostPointer ?? outData
        var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
            (Int32(DNNL_ARG_SRC), primitive.src, srcData),
            (Int32(DNNL_ARG_WEIGHTS), primitive.weights, filter.hostPointer!),
            (Int32(DNNL_ARG_DST), primitive.dst, dstData),
        ]
        var biasF32: Tensor? = nil
        if let bias {
            do { biasF32 = try CPUBackend().cast(bias, to: .float32) } catch { throw .failed("bias: \(error)") }
            args.append((Int32(DNNL_ARG_BIAS), primitive.bias, biasF32!.storage.hostPointer!))
        }
        try primitive.convolution.run(engine: engine, stream: stream, args)
        withExtendedLifetime(srcBuffer) {}
        if let reorder = primitive.dstReorder {
            try reorder.run(engine: engine, stream: stream,
                            [(Int32(DNNL_ARG_FROM), primitive.dst, dstData), (Int32(DNNL_ARG_TO), primitive.plainDst, outData)])
        }
        withExtendedLifetime((dstBuffer, biasF32, x, weight)) {}
        return out
    }

    /// The weights in the primitive's layout and compute type, from the cache or reordered now.
    private func reorderedWeights(_ weight: Tensor, for primitive: ConvolutionPrimitive, engine: dnnl_engine_t,
                                  stream: dnnl_stream_t) throws(DNNLError) -> Storage {
        if let cached = weights.withLock({ $0.find(weight.storage, primitive.weights) }) { return cached }
        let buffer = try hostBuffer(primitive.weightsBytes)
        if let reorder = primitive.weightsReorder {
            try reorder.run(engine: engine, stream: stream,
                            [(Int32(DNNL_ARG_FROM), primitive.plainWeights, weight.storage.hostPointer!),
                             (Int32(DNNL_ARG_TO), primitive.weights, buffer.hostPointer!)])
        } else {
            buffer.hostPointer!.copyMemory(from: weight.storage.hostPointer!, byteCount: primitive.weightsBytes)
        }
        weights.withLock { $0.insert(source: weight.storage, layout: primitive.weights, reordered: buffer,
                                     limit: Self.weightCacheBytes) }
        return buffer
    }

    /// Drops the cached reordered weights (and the references they hold on weight storage).
    func clearWeightCache() { weights.withLock { $0 = ReorderedWeights() } }

    /// Bytes of reordered weights now cached.
    var cachedWeightBytes: Int { weights.withLock { $0.bytes } }
}

private func hostBuffer(_ bytes: Int) throws(DNNLError) -> Storage {
    do { return try Storage(allocatingHostBytes: bytes, zeroed: false) } catch {
        throw .failed("could not allocate \(bytes) bytes for a convolution buffer")
    }
}

/// Reordered weight copies, oldest first, each holding the storage it was made from.
private struct ReorderedWeights {
    struct Entry {
        let source: Storage
        var layout: dnnl_memory_desc_t
        let reordered: Storage
    }
    var entries: [Entry] = []
    var bytes = 0

    mutating func find(_ source: Storage, _ layout: dnnl_memory_desc_t) -> Storage? {
        var layout = layout
        for index in entries.indices where entries[index].source === source
            && dnnl_memory_desc_equal(&entries[index].layout, &layout) != 0 {
            return entries[index].reordered
        }
        return nil
    }

    mutating func insert(source: Storage, layout: dnnl_memory_desc_t, reordered: Storage, limit: Int) {
        guard reordered.byteCount <= limit / 8, find(source, layout) == nil else { return }
        while bytes + reordered.byteCount > limit, !entries.isEmpty {
            bytes -= entries.removeFirst().reordered.byteCount
        }
        entries.append(Entry(source: source, layout: layout, reordered: reordered))
        bytes += reordered.byteCount
    }
}

/// A created convolution primitive, the layouts it chose, and the reorders to and from plain tensors.
private final class ConvolutionPrimitive: @unchecked Sendable {
    let convolution: DNNLExecutable
    let src, weights, dst, bias: dnnl_memory_desc_t
    let plainSrc, plainWeights, plainDst: dnnl_memory_desc_t
    let srcReorder, weightsReorder, dstReorder: DNNLExecutable?
    let srcBytes, weightsBytes, dstBytes: Int

    init(key: ConvolutionKey, engine: dnnl_engine_t) throws(DNNLError) {
        let compute = try dnnlType(key.compute), activation = try dnnlType(key.activation)
        let srcDims = [key.batch, key.cin] + key.input, outDims = [key.batch, key.cout] + key.output
        let weightDims = [key.cout, key.cin] + key.kernel
        // The primitive writes float32 (its accumulator type) unless the activations are lower precision.
        let dstType = key.activation == .float32 ? dnnl_f32 : activation
        var srcAny = try descriptor(srcDims, compute, dnnl_format_tag_any)
        var weightsAny = try descriptor(weightDims, compute, dnnl_format_tag_any)
        var dstAny = try descriptor(outDims, dstType, dnnl_format_tag_any)
        var biasMD = try descriptor([key.cout], dnnl_f32, dnnl_x)
        var desc = dnnl_convolution_desc_t()
        let strides = key.stride.map(Int64.init), before = key.padBefore.map(Int64.init), after = key.padAfter.map(Int64.init)
        let status = withUnsafePointer(to: &biasMD) { biasPointer in
            dnnl_convolution_forward_desc_init(&desc, dnnl_forward_inference, dnnl_convolution_direct, &srcAny, &weightsAny,
                                               key.hasBias ? biasPointer : nil, &dstAny, strides, before, after)
        }
        guard status == dnnl_success else { throw .failed("dnnl_convolution_forward_desc_init returned \(status.rawValue)") }
        let attr = try userScratchpadAttributes()
        defer { dnnl_primitive_attr_destroy(attr) }
        let pd = try withUnsafePointer(to: &desc) { pointer throws(DNNLError) in try primitiveDescriptor(pointer, attr, engine) }
        defer { dnnl_primitive_desc_destroy(pd) }
        convolution = try DNNLExecutable(pd)
        src = try queried(pd, dnnl_query_src_md)
        weights = try queried(pd, dnnl_query_weights_md)
        dst = try queried(pd, dnnl_query_dst_md)
        bias = biasMD
        plainSrc = try descriptor(srcDims, activation, dnnl_ncdhw)
        plainWeights = try descriptor(weightDims, try dnnlType(key.weightType), dnnl_oidhw)
        plainDst = try descriptor(outDims, activation, dnnl_ncdhw)
        srcReorder = try reorderExecutable(plainSrc, src, engine)
        weightsReorder = try reorderExecutable(plainWeights, weights, engine)
        dstReorder = try reorderExecutable(dst, plainDst, engine)
        var (s, w, d) = (src, weights, dst)
        srcBytes = dnnl_memory_desc_get_size(&s)
        weightsBytes = dnnl_memory_desc_get_size(&w)
        dstBytes = dnnl_memory_desc_get_size(&d)
    }
}

private func queried(_ pd: dnnl_primitive_desc_t, _ what: dnnl_query_t) throws(DNNLError) -> dnnl_memory_desc_t {
    guard let md = dnnl_primitive_desc_query_md(pd, what, 0) else { throw .failed("oneDNN did not report a memory layout") }
    return md.pointee
}

private func descriptor(_ dims: [Int], _ type: dnnl_data_type_t, _ tag: dnnl_format_tag_t) throws(DNNLError) -> dnnl_memory_desc_t {
    var md = dnnl_memory_desc_t()
    let dims = dims.map(Int64.init)
    guard dnnl_memory_desc_init_by_tag(&md, Int32(dims.count), dims, type, tag) == dnnl_success else {
        throw .failed("dnnl_memory_desc_init_by_tag rejected dims \(dims)")
    }
    return md
}

private func dnnlType(_ dtype: DType) throws(DNNLError) -> dnnl_data_type_t {
    switch dtype {
    case .float32: return dnnl_f32
    case .bfloat16: return dnnl_bf16
    case .float16: return dnnl_f16
    }
}
