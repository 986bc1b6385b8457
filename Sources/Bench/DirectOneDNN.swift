import CDNNL
import Tensor

/// The peer for the GEMM benchmark: oneDNN's matmul called straight through its C API, with its
/// primitive and memory objects created once, on the same layouts the engine uses
/// (`x [M, K] · W[N, K]ᵀ`). Whatever the engine adds on top shows as the ratio between the two.
final class DirectOneDNNMatmul {
    private var engine: dnnl_engine_t?
    private var stream: dnnl_stream_t?
    private var primitive: dnnl_primitive_t?
    private var memories: [dnnl_memory_t?] = []

    init?(m: Int, k: Int, n: Int, dtype: DType, src: UnsafeMutableRawPointer, weights: UnsafeMutableRawPointer,
          dst: UnsafeMutableRawPointer) {
        guard dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success,
              dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue) == dnnl_success else { return nil }
        let type: dnnl_data_type_t = dtype == .bfloat16 ? dnnl_bf16 : (dtype == .float16 ? dnnl_f16 : dnnl_f32)
        var srcMD = dnnl_memory_desc_t(), weightsMD = dnnl_memory_desc_t(), dstMD = dnnl_memory_desc_t()
        let srcDims: [Int64] = [Int64(m), Int64(k)], srcStrides: [Int64] = [Int64(k), 1]
        let wDims: [Int64] = [Int64(k), Int64(n)], wStrides: [Int64] = [1, Int64(k)]
        let dDims: [Int64] = [Int64(m), Int64(n)], dStrides: [Int64] = [Int64(n), 1]
        guard dnnl_memory_desc_init_by_strides(&srcMD, 2, srcDims, type, srcStrides) == dnnl_success,
              dnnl_memory_desc_init_by_strides(&weightsMD, 2, wDims, type, wStrides) == dnnl_success,
              dnnl_memory_desc_init_by_strides(&dstMD, 2, dDims, type, dStrides) == dnnl_success else { return nil }
        var desc = dnnl_matmul_desc_t()
        guard dnnl_matmul_desc_init(&desc, &srcMD, &weightsMD, nil, &dstMD) == dnnl_success else { return nil }
        var pd: dnnl_primitive_desc_t? = nil
        guard withUnsafePointer(to: &desc, { dnnl_primitive_desc_create(&pd, $0, nil, engine, nil) }) == dnnl_success,
              let pd else { return nil }
        defer { dnnl_primitive_desc_destroy(pd) }
        guard dnnl_primitive_create(&primitive, pd) == dnnl_success else { return nil }
        for (md, pointer) in [(srcMD, src), (weightsMD, weights), (dstMD, dst)] {
            var descriptor = md
            var memory: dnnl_memory_t? = nil
            guard dnnl_memory_create(&memory, &descriptor, engine, pointer) == dnnl_success else { return nil }
            memories.append(memory)
        }
    }

    func run() {
        var args = [dnnl_exec_arg_t(arg: Int32(DNNL_ARG_SRC), memory: memories[0]),
                    dnnl_exec_arg_t(arg: Int32(DNNL_ARG_WEIGHTS), memory: memories[1]),
                    dnnl_exec_arg_t(arg: Int32(DNNL_ARG_DST), memory: memories[2])]
        _ = dnnl_primitive_execute(primitive, stream, 3, &args)
        _ = dnnl_stream_wait(stream)
    }

    deinit {
        for memory in memories { if let memory { dnnl_memory_destroy(memory) } }
        if let primitive { dnnl_primitive_destroy(primitive) }
        if let stream { dnnl_stream_destroy(stream) }
        if let engine { dnnl_engine_destroy(engine) }
    }
}
