/// The element types the safetensors format defines, spelled as in file headers.
public enum SafeTensorsDType: String, Sendable, CaseIterable, Equatable {
    case bool = "BOOL"
    case uint8 = "U8", int8 = "I8", int16 = "I16", uint16 = "U16"
    case int32 = "I32", uint32 = "U32", int64 = "I64", uint64 = "U64"
    case float16 = "F16", bfloat16 = "BF16", float32 = "F32", float64 = "F64"
    /// 8-bit float, 4 exponent and 3 mantissa bits, no infinities (PyTorch's `float8_e4m3fn`).
    case float8E4M3 = "F8_E4M3"
    /// 8-bit float, 5 exponent and 2 mantissa bits (the top byte of a float16).
    case float8E5M2 = "F8_E5M2"
    /// 8-bit power of two, exponent only (the MX block scale).
    case float8E8M0 = "F8_E8M0"
    /// 4-bit float (MX FP4, two per byte).
    case float4 = "F4"
    /// 6-bit floats (MX FP6).
    case float6E2M3 = "F6_E2M3", float6E3M2 = "F6_E3M2"
    /// Complex of two float32.
    case complex64 = "C64"

    /// Bits per element. Sub-byte types pack; a tensor of them must fill whole bytes.
    public var bitSize: Int {
        switch self {
        case .float4: return 4
        case .float6E2M3, .float6E3M2: return 6
        case .bool, .uint8, .int8, .float8E4M3, .float8E5M2, .float8E8M0: return 8
        case .int16, .uint16, .float16, .bfloat16: return 16
        case .int32, .uint32, .float32: return 32
        case .int64, .uint64, .float64, .complex64: return 64
        }
    }

    /// The ``DType`` that holds this type's values unchanged, if there is one.
    public var tensorDType: DType? {
        switch self {
        case .float32: return .float32
        case .bfloat16: return .bfloat16
        case .float16: return .float16
        default: return nil
        }
    }

    /// Whether ``SafeTensorsFile/tensor(named:)`` can load this type (as itself or as float32).
    public var isLoadable: Bool {
        switch self {
        case .float4, .float6E2M3, .float6E3M2, .complex64: return false
        default: return true
        }
    }

    /// The safetensors type of a ``DType``.
    public init(_ dtype: DType) {
        switch dtype {
        case .float32: self = .float32
        case .bfloat16: self = .bfloat16
        case .float16: self = .float16
        }
    }
}

// MARK: - Conversion

extension SafeTensorsDType {
    /// Decodes `count` elements starting at element `first` of `source` (little-endian, any
    /// alignment) into floats. 64-bit integers above 2^24 lose precision, as in PyTorch's `.float()`.
    func decode(_ source: UnsafeRawPointer, first: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        func load<T: FixedWidthInteger>(_: T.Type, _ convert: (T) -> Float) {
            let size = MemoryLayout<T>.size
            for i in 0..<count {
                out[i] = convert(T(littleEndian: source.loadUnaligned(fromByteOffset: (first + i) * size, as: T.self)))
            }
        }
        switch self {
        case .bool: load(UInt8.self) { $0 == 0 ? 0 : 1 }
        case .uint8: load(UInt8.self) { Float($0) }
        case .int8: load(Int8.self) { Float($0) }
        case .int16: load(Int16.self) { Float($0) }
        case .uint16: load(UInt16.self) { Float($0) }
        case .int32: load(Int32.self) { Float($0) }
        case .uint32: load(UInt32.self) { Float($0) }
        case .int64: load(Int64.self) { Float($0) }
        case .uint64: load(UInt64.self) { Float($0) }
        case .float16: load(UInt16.self) { floatFromFloat16($0) }
        case .bfloat16: load(UInt16.self) { floatFromBFloat16($0) }
        case .float32: load(UInt32.self) { Float(bitPattern: $0) }
        case .float64: load(UInt64.self) { Float(Double(bitPattern: $0)) }
        case .float8E4M3: load(UInt8.self) { float8E4M3Table[Int($0)] }
        case .float8E5M2: load(UInt8.self) { floatFromFloat16(UInt16($0) << 8) }
        case .float8E8M0: load(UInt8.self) { float8E8M0Table[Int($0)] }
        case .float4, .float6E2M3, .float6E3M2, .complex64:
            preconditionFailure("\(rawValue) has no float decoding; callers check isLoadable")
        }
    }
}

/// `float8_e4m3fn`: bias 7, subnormals, no infinities, S.1111.111 is NaN.
let float8E4M3Table: [Float] = (0..<256).map { (bits: Int) -> Float in
    let exponent = (bits >> 3) & 0xF, mantissa = Float(bits & 0x7)
    let magnitude: Float
    if exponent == 0xF && bits & 0x7 == 0x7 {
        magnitude = .nan
    } else if exponent == 0 {
        magnitude = mantissa / 8 * Float(sign: .plus, exponent: -6, significand: 1)
    } else {
        magnitude = (1 + mantissa / 8) * Float(sign: .plus, exponent: exponent - 7, significand: 1)
    }
    return bits & 0x80 != 0 ? -magnitude : magnitude
}

/// `float8_e8m0fnu`: 2^(bits − 127), 0xFF is NaN.
let float8E8M0Table: [Float] = (0..<256).map { (bits: Int) -> Float in
    bits == 0xFF ? .nan : Float(sign: .plus, exponent: bits - 127, significand: 1)
}

/// Converts `count` elements of `source` (a safetensors type) into the host memory of `destination`
/// (a ``DType``), rounding to nearest even, through a small float buffer.
func convertElements(from source: UnsafeRawPointer, dtype: SafeTensorsDType, count: Int,
                     to destination: UnsafeMutableRawPointer, as target: DType) {
    let chunk = 16_384
    var buffer = [Float](repeating: 0, count: min(count, chunk))
    buffer.withUnsafeMutableBufferPointer { floats in
        guard let floatBase = floats.baseAddress else { return }
        var first = 0
        while first < count {
            let n = min(chunk, count - first)
            dtype.decode(source, first: first, count: n, into: floatBase)
            switch target {
            case .float32:
                (destination + first * 4).copyMemory(from: floatBase, byteCount: n * 4)
            case .bfloat16:
                let out = (destination + first * 2).assumingMemoryBound(to: UInt16.self)
                for i in 0..<n { out[i] = bfloat16Bits(floatBase[i]) }
            case .float16:
                let out = (destination + first * 2).assumingMemoryBound(to: UInt16.self)
                for i in 0..<n { out[i] = float16Bits(floatBase[i]) }
            }
            first += n
        }
    }
}
