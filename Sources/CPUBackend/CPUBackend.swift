#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor

/// The reference backend: plain loops and oneDNN GEMMs on the host, multithreaded over all cores,
/// float32 accumulation throughout. Every other backend is checked against this one.
public struct CPUBackend: Backend {
    public init() {}

    public var name: String { "cpu" }

    /// Number of threads the backend runs on: ZOETROPE_THREADS, else OMP_NUM_THREADS, else all cores.
    public static var threadCount: Int { ThreadTeam.size }

    /// Why the ZOETROPE_THREADS environment variable cannot be used (one line), or nil when it is
    /// unset or valid. An invalid value is ignored by the backend; the CLI refuses it.
    public static var threadSettingProblem: String? {
        threadSettingProblem(for: getenv("ZOETROPE_THREADS").map { String(cString: $0) })
    }

    /// Why `value` would not do as ZOETROPE_THREADS, or nil when it is nil or valid.
    public static func threadSettingProblem(for value: String?) -> String? { ThreadTeam.problem(environment: value) }

    /// The team size ZOETROPE_THREADS=`value` asks for; nil when it is nil or invalid.
    public static func threadCount(for value: String?) -> Int? { ThreadTeam.configuredSize(environment: value) }

    public func upload(_ x: Tensor) throws -> Tensor {
        try requireHost(x, op: "upload")
        return x
    }

    /// A packed linear weight (``prepareLinearWeight(_:)``) comes back as its plain `[out, in]` tensor.
    public func download(_ x: Tensor) throws -> Tensor {
        if let packed = x.packedWeights { return try unpacked(packed) }
        try requireHost(x, op: "download")
        return x
    }

    public func cast(_ x: Tensor, to dtype: DType) throws -> Tensor {
        try requireHost(x, op: "cast")
        if x.dtype == dtype { return x }
        let out = try Tensor(allocating: x.shape, dtype: dtype, zeroed: false)
        let source = x.storage.hostPointer!, destination = out.storage.hostPointer!
        let n = x.count
        parallelFor(n, grain: 1 << 15) { range in
            convertElements(from: source, x.dtype, to: destination, dtype, range: range)
        }
        return out
    }
}

/// Throws unless the tensor's bytes are in host memory.
@inline(__always)
func requireHost(_ x: Tensor, op: String) throws {
    guard x.isOnHost else {
        throw TensorError.wrongDevice(op: op, detail: "the CPU backend got a tensor that is not in host memory")
    }
}

/// Converts elements `range` between any two dtypes.
func convertElements(from source: UnsafeMutableRawPointer, _ sourceType: DType,
                     to destination: UnsafeMutableRawPointer, _ destinationType: DType, range: Range<Int>) {
    switch (sourceType, destinationType) {
    case (.float32, .bfloat16):
        let s = source.assumingMemoryBound(to: Float.self), d = destination.assumingMemoryBound(to: UInt16.self)
        for i in range { d[i] = bfloat16Bits(s[i]) }
    case (.float32, .float16):
        let s = source.assumingMemoryBound(to: Float.self), d = destination.assumingMemoryBound(to: UInt16.self)
        for i in range { d[i] = float16Bits(s[i]) }
    case (.bfloat16, .float32):
        let s = source.assumingMemoryBound(to: UInt16.self), d = destination.assumingMemoryBound(to: Float.self)
        for i in range { d[i] = floatFromBFloat16(s[i]) }
    case (.float16, .float32):
        let s = source.assumingMemoryBound(to: UInt16.self), d = destination.assumingMemoryBound(to: Float.self)
        for i in range { d[i] = floatFromFloat16(s[i]) }
    case (.bfloat16, .float16):
        let s = source.assumingMemoryBound(to: UInt16.self), d = destination.assumingMemoryBound(to: UInt16.self)
        for i in range { d[i] = float16Bits(floatFromBFloat16(s[i])) }
    case (.float16, .bfloat16):
        let s = source.assumingMemoryBound(to: UInt16.self), d = destination.assumingMemoryBound(to: UInt16.self)
        for i in range { d[i] = bfloat16Bits(floatFromFloat16(s[i])) }
    default:
        let size = sourceType.byteSize
        (destination + range.lowerBound * size).copyMemory(from: source + range.lowerBound * size,
                                                           byteCount: range.count * size)
    }
}
