/// exp for the attention softmax, written as straight-line scalar code that the compiler
/// vectorises in a loop: range reduction x = n·ln2 + r with n found by the 1.5·2²³ rounding trick
/// (no floor call, which baseline x86-64 lacks as an instruction), a degree-6 polynomial for e^r on
/// |r| ≤ ln2/2, and 2^n built in the exponent bits. Relative error ≲ 2e-7; 0 below −87.3.
@inline(__always)
func fastExp(_ x: Float) -> Float {
    let lower: Float = -87.33654, upper: Float = 88.0
    let xc = x < lower ? lower : (x > upper ? upper : x)
    let shifted = xc * 1.44269504088896341 + 12582912.0
    let n = shifted - 12582912.0
    var r = xc - n * 0.693359375
    r = r - n * -2.12194440e-4
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * (r * r) + r + 1
    let exponent = (Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000 &+ 127) &<< 23
    let result = p * Float(bitPattern: UInt32(bitPattern: exponent))
    return x < lower ? 0 : result
}

/// The largest element of `count` floats (−∞ for none), 16 lanes at a time.
@inline(__always)
func maximumElement(_ values: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD16<Float>(repeating: -.infinity)
    var j = 0
    let raw = UnsafeRawPointer(values)
    while j + 16 <= count {
        lanes = pointwiseMax(lanes, raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self))
        j += 16
    }
    var result = lanes.max()
    while j < count { result = Swift.max(result, values[j]); j += 1 }
    return result
}

/// The sum of `count` floats, 16 lanes at a time.
@inline(__always)
func sumElements(_ values: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD16<Float>()
    var j = 0
    let raw = UnsafeRawPointer(values)
    while j + 16 <= count {
        lanes += raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
        j += 16
    }
    var result = lanes.sum()
    while j < count { result += values[j]; j += 1 }
    return result
}
