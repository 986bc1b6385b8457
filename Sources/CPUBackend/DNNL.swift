import CDNNL
import Tensor

/// One operand of a oneDNN matmul: logical dims (batch..., rows, cols) and strides in elements.
struct MatrixLayout: Hashable {
    var dims: [Int]
    var strides: [Int]
    var dtype: DType

    /// A contiguous row-major layout.
    static func contiguous(_ dims: [Int], _ dtype: DType) -> MatrixLayout {
        MatrixLayout(dims: dims, strides: Tensor.strides(of: dims), dtype: dtype)
    }
}

/// The oneDNN engine and a cache of matmul primitives keyed by their exact layouts, so a
/// GEMM through Zoetrope costs what the library costs: creation happens once per shape.
final class DNNL: @unchecked Sendable {
    static let shared = DNNL()

    private let engine: dnnl_engine_t?
    /// The CPU engine, for primitives other than matmul (convolution); nil when it could not be created.
    var cpuEngine: dnnl_engine_t? { engine }
    private let primitives = PrimitiveCache<MatmulKey, MatmulPrimitive>(limit: 1024)

    private init() {
        var engine: dnnl_engine_t? = nil
        if dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success { engine = nil }
        self.engine = engine
    }

    /// `dst = src · weights (+ bias)`, or `dst += …` when `accumulate`, over the given layouts and host pointers. The bias is float32
    /// with dims broadcastable to `dst`. Throws `unimplemented` when oneDNN has no kernel for this
    /// combination on this CPU (callers fall back to float32). With `packedWeights`, the weights
    /// (`weights.dims`, strides ignored) are in that blocked layout; `layoutMismatch` when the
    /// primitive for these shapes reads another.
    func matmul(src: MatrixLayout, _ srcData: UnsafeRawPointer,
                weights: MatrixLayout, _ weightsData: UnsafeRawPointer,
                bias: MatrixLayout?, _ biasData: UnsafeRawPointer?,
                dst: MatrixLayout, _ dstData: UnsafeMutableRawPointer, accumulate: Bool = false,
                activation: MatmulActivation? = nil, packedWeights: dnnl_memory_desc_t? = nil) throws(DNNLError) {
        guard let engine else { throw .failed("oneDNN CPU engine could not be created") }
        let key = MatmulKey(src: src, weights: weights, bias: bias, dst: dst, accumulate: accumulate,
                            activation: activation, packedWeights: packedWeights != nil)
        ThreadTeam.applyToCallingThread()
        let primitive = try primitives.primitive(for: key) { key throws(DNNLError) in try MatmulPrimitive(key: key, engine: engine) }
        if var packed = packedWeights {
            guard primitive.readsWeights(&packed) else { throw .layoutMismatch }
        }
        let stream = try callStream(engine)
        defer { dnnl_stream_destroy(stream) }
        try primitive.execute(engine: engine, stream: stream, src: srcData, weights: weightsData,
                              bias: biasData, dst: dstData)
    }
}

extension DNNL {
    /// The layout oneDNN's matmul wants for `[inFeatures, outFeatures]` weights of `dtype` when the
    /// source has `rows` rows (row-major source and destination of `dtype`, a float32 bias).
    func preferredWeightsDescriptor(rows: Int, inFeatures: Int, outFeatures: Int, dtype: DType) throws(DNNLError) -> dnnl_memory_desc_t {
        guard let engine else { throw .failed("oneDNN CPU engine could not be created") }
        var srcMD = try memoryDescriptor(.contiguous([rows, inFeatures], dtype))
        var dstMD = try memoryDescriptor(.contiguous([rows, outFeatures], dtype))
        var biasMD = try memoryDescriptor(.contiguous([1, outFeatures], .float32))
        var weightsMD = try anyLayoutDescriptor(dims: [inFeatures, outFeatures], dtype: dtype)
        var desc = dnnl_matmul_desc_t()
        guard dnnl_matmul_desc_init(&desc, &srcMD, &weightsMD, &biasMD, &dstMD) == dnnl_success else {
            throw .failed("dnnl_matmul_desc_init rejected weights [\(inFeatures), \(outFeatures)]")
        }
        let attr = try userScratchpadAttributes()
        defer { dnnl_primitive_attr_destroy(attr) }
        let pd = try withUnsafePointer(to: &desc) { pointer throws(DNNLError) in try primitiveDescriptor(pointer, attr, engine) }
        defer { dnnl_primitive_desc_destroy(pd) }
        guard let chosen = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0) else {
            throw .failed("oneDNN did not say which weights layout it wants")
        }
        return chosen.pointee
    }

    /// Copies `from` (a strided layout) into `to` (a oneDNN layout), or back, with oneDNN's reorder.
    func reorder(from layout: MatrixLayout, _ source: UnsafeRawPointer, to target: dnnl_memory_desc_t,
                 _ destination: UnsafeMutableRawPointer) throws(DNNLError) {
        try reorder(from: try memoryDescriptor(layout), source, to: target, destination)
    }

    func reorder(from source: dnnl_memory_desc_t, _ sourceData: UnsafeRawPointer, to layout: MatrixLayout,
                 _ destination: UnsafeMutableRawPointer) throws(DNNLError) {
        try reorder(from: source, sourceData, to: try memoryDescriptor(layout), destination)
    }

    private func reorder(from source: dnnl_memory_desc_t, _ sourceData: UnsafeRawPointer,
                         to target: dnnl_memory_desc_t, _ destination: UnsafeMutableRawPointer) throws(DNNLError) {
        guard let engine else { throw .failed("oneDNN CPU engine could not be created") }
        guard let executable = try reorderExecutable(source, target, engine) else {
            // The same layout: a plain copy.
            var md = source
            destination.copyMemory(from: sourceData, byteCount: dnnl_memory_desc_get_size(&md))
            return
        }
        ThreadTeam.applyToCallingThread()
        let stream = try callStream(engine)
        defer { dnnl_stream_destroy(stream) }
        try executable.run(engine: engine, stream: stream, [
            (Int32(DNNL_ARG_FROM), source, UnsafeMutableRawPointer(mutating: sourceData)),
            (Int32(DNNL_ARG_TO), target, destination),
        ])
    }
}

/// Why a oneDNN call failed.
enum DNNLError: Error {
    /// No implementation for these types/layouts on this CPU.
    case unimplemented
    /// Packed weights whose layout is not the one the primitive for this call reads.
    case layoutMismatch
    case failed(String)
}

/// An activation oneDNN applies to a matmul's float32 result (after the bias) before rounding it to
/// the destination type: the product and its activation in one pass over memory.
enum MatmulActivation: Hashable {
    /// 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))).
    case geluTanh
    /// 0.5·x·(1 + erf(x/√2)).
    case geluErf
    /// x·sigmoid(x).
    case silu

    fileprivate var algorithm: dnnl_alg_kind_t {
        switch self {
        case .geluTanh: dnnl_eltwise_gelu_tanh
        case .geluErf: dnnl_eltwise_gelu_erf
        case .silu: dnnl_eltwise_swish
        }
    }
}

private struct MatmulKey: Hashable {
    var src: MatrixLayout
    var weights: MatrixLayout
    var bias: MatrixLayout?
    var dst: MatrixLayout
    var accumulate: Bool
    var activation: MatmulActivation?
    /// Weights in the layout oneDNN picks (``PackedMatmulWeights``) rather than `weights`' strides.
    var packedWeights: Bool
}

/// A created matmul primitive with its memory descriptors.
private final class MatmulPrimitive: @unchecked Sendable {
    private let executable: DNNLExecutable
    private let descriptors: [dnnl_memory_desc_t]  // src, weights, dst, bias?

    init(key: MatmulKey, engine: dnnl_engine_t) throws(DNNLError) {
        var srcMD = try memoryDescriptor(key.src)
        var weightsMD = key.packedWeights
            ? try anyLayoutDescriptor(dims: key.weights.dims, dtype: key.weights.dtype) : try memoryDescriptor(key.weights)
        var dstMD = try memoryDescriptor(key.dst)
        var biasMD = try key.bias.map { layout throws(DNNLError) in try memoryDescriptor(layout) }
        var desc = dnnl_matmul_desc_t()
        let status: dnnl_status_t
        if biasMD != nil {
            status = dnnl_matmul_desc_init(&desc, &srcMD, &weightsMD, &biasMD!, &dstMD)
        } else {
            status = dnnl_matmul_desc_init(&desc, &srcMD, &weightsMD, nil, &dstMD)
        }
        guard status == dnnl_success else { throw .failed("dnnl_matmul_desc_init returned \(status.rawValue)") }
        let attr = try userScratchpadAttributes()
        defer { dnnl_primitive_attr_destroy(attr) }
        if key.accumulate || key.activation != nil {
            var postOps: dnnl_post_ops_t? = nil
            guard dnnl_post_ops_create(&postOps) == dnnl_success else { throw .failed("oneDNN post-ops could not be created") }
            defer { dnnl_post_ops_destroy(postOps) }
            if key.accumulate, dnnl_post_ops_append_sum(postOps, 1.0) != dnnl_success {
                throw .failed("oneDNN sum post-op could not be set up")
            }
            // swish's alpha is the sigmoid's slope (1 for SiLU); the GELUs take none.
            if let activation = key.activation,
               dnnl_post_ops_append_eltwise(postOps, 1.0, activation.algorithm, 1.0, 0) != dnnl_success {
                throw .failed("oneDNN activation post-op could not be set up")
            }
            guard dnnl_primitive_attr_set_post_ops(attr, postOps) == dnnl_success else {
                throw .failed("oneDNN post-ops could not be attached")
            }
        }
        let pd = try withUnsafePointer(to: &desc) { pointer throws(DNNLError) in try primitiveDescriptor(pointer, attr, engine) }
        defer { dnnl_primitive_desc_destroy(pd) }
        executable = try DNNLExecutable(pd)
        if key.packedWeights {
            guard let chosen = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0) else {
                throw .failed("oneDNN did not say which weights layout it wants")
            }
            weightsMD = chosen.pointee
        }
        descriptors = [srcMD, weightsMD, dstMD] + (biasMD.map { [$0] } ?? [])
    }

    /// Whether the primitive reads weights laid out as `packed`.
    func readsWeights(_ packed: inout dnnl_memory_desc_t) -> Bool {
        var mine = descriptors[1]
        return dnnl_memory_desc_equal(&mine, &packed) != 0
    }

    /// Runs the primitive on `stream`, which must not be in use by another thread. Safe to call
    /// from several threads at once: descriptors are only read, and scratch memory is per call.
    func execute(engine: dnnl_engine_t, stream: dnnl_stream_t, src: UnsafeRawPointer, weights: UnsafeRawPointer,
                 bias: UnsafeRawPointer?, dst: UnsafeMutableRawPointer) throws(DNNLError) {
        var arguments: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
            (Int32(DNNL_ARG_SRC), descriptors[0], UnsafeMutableRawPointer(mutating: src)),
            (Int32(DNNL_ARG_WEIGHTS), descriptors[1], UnsafeMutableRawPointer(mutating: weights)),
            (Int32(DNNL_ARG_DST), descriptors[2], dst),
        ]
        if let bias, descriptors.count > 3 {
            arguments.append((Int32(DNNL_ARG_BIAS), descriptors[3], UnsafeMutableRawPointer(mutating: bias)))
        }
        try executable.run(engine: engine, stream: stream, arguments)
    }
}

private func dataType(_ dtype: DType) -> dnnl_data_type_t {
    switch dtype {
    case .float32: dnnl_f32
    case .bfloat16: dnnl_bf16
    case .float16: dnnl_f16
    }
}

/// A descriptor that lets the primitive choose the layout (`format_tag::any`).
private func anyLayoutDescriptor(dims: [Int], dtype: DType) throws(DNNLError) -> dnnl_memory_desc_t {
    var md = dnnl_memory_desc_t()
    let dims64 = dims.map(Int64.init)
    guard dnnl_memory_desc_init_by_tag(&md, Int32(dims.count), dims64, dataType(dtype), dnnl_format_tag_any) == dnnl_success else {
        throw .failed("dnnl_memory_desc_init_by_tag rejected dims \(dims)")
    }
    return md
}

private func memoryDescriptor(_ layout: MatrixLayout) throws(DNNLError) -> dnnl_memory_desc_t {
    var md = dnnl_memory_desc_t()
    let dims = layout.dims.map(Int64.init), strides = layout.strides.map(Int64.init)
    let type = dataType(layout.dtype)
    guard dnnl_memory_desc_init_by_strides(&md, Int32(dims.count), dims, type, strides) == dnnl_success else {
        throw .failed("dnnl_memory_desc_init_by_strides rejected dims \(layout.dims) strides \(layout.strides)")
    }
    return md
}
