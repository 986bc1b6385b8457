/// The element types a ``Tensor`` can hold. Compute always accumulates in `float32`.
public enum DType: String, Sendable, CaseIterable, Codable {
    case float32 = "f32"
    case bfloat16 = "bf16"
    case float16 = "f16"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float32: return 4
        case .bfloat16, .float16: return 2
        }
    }
}

// MARK: - Scalar conversions

/// bfloat16 bits from a float, rounding to nearest even (NaN stays a quiet NaN), as PyTorch does.
@inlinable @inline(__always)
public func bfloat16Bits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    if value.isNaN { return UInt16(truncatingIfNeeded: (bits >> 16) | 0x0040) }
    let rounding: UInt32 = 0x7FFF + ((bits >> 16) & 1)
    return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
}

/// The float a bfloat16 bit pattern stands for.
@inlinable @inline(__always)
public func floatFromBFloat16(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}

/// float16 bits from a float (IEEE round to nearest even).
@inlinable @inline(__always)
public func float16Bits(_ value: Float) -> UInt16 {
    Float16(value).bitPattern
}

/// The float a float16 bit pattern stands for.
@inlinable @inline(__always)
public func floatFromFloat16(_ bits: UInt16) -> Float {
    Float(Float16(bitPattern: bits))
}

/// Rounds a float through bfloat16 and back, for references that mimic bf16 storage.
@inlinable
public func roundedToBFloat16(_ value: Float) -> Float { floatFromBFloat16(bfloat16Bits(value)) }
