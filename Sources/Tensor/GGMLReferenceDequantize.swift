/// The plain Swift decoding of GGML blocks, beside the C kernels (`zt_ggml_dequantize`) that the
/// loaders use; tests hold the two equal bit for bit. Each value is formed as the gguf Python
/// package forms it: the same float32 products and sums, in the same order (Swift never fuses them).
public enum GGMLReferenceDequantize {
    /// Decodes `blocks` blocks of `type` from `source` (little-endian, any alignment) into
    /// `blocks · type.blockSize` floats.
    public static func decode(_ type: GGMLType, _ source: UnsafeRawPointer, blocks: Int) -> [Float] {
        var out = [Float](repeating: 0, count: blocks * type.blockSize)
        for block in 0..<blocks {
            let b = Bytes(base: source + block * type.blockBytes)
            let y = decodeBlock(type, b)
            for (i, value) in y.enumerated() { out[block * type.blockSize + i] = value }
        }
        return out
    }

    /// The bytes of one block.
    struct Bytes {
        let base: UnsafeRawPointer
        subscript(_ i: Int) -> Int { Int(base.load(fromByteOffset: i, as: UInt8.self)) }
        func half(_ i: Int) -> Float { floatFromFloat16(UInt16(self[i] | self[i + 1] << 8)) }
        func u32(_ i: Int) -> Int { self[i] | self[i + 1] << 8 | self[i + 2] << 16 | self[i + 3] << 24 }
        func int8(_ i: Int) -> Int { Int(Int8(truncatingIfNeeded: self[i])) }
    }

    static func decodeBlock(_ type: GGMLType, _ b: Bytes) -> [Float] {
        switch type {
        case .f32: return [Float(bitPattern: UInt32(b.u32(0)))]
        case .f16: return [b.half(0)]
        case .bf16: return [floatFromBFloat16(UInt16(b[0] | b[1] << 8))]
        case .q8_0: return (0..<32).map { Float(b.int8(2 + $0)) * b.half(0) }
        case .q4_0, .q4_1, .q5_0, .q5_1: return legacy(type, b)
        case .q2_K: return q2K(b)
        case .q3_K: return q3K(b)
        case .q4_K, .q5_K: return q45K(type, b)
        case .q6_K: return q6K(b)
        }
    }

    /// Q4_0, Q4_1, Q5_0, Q5_1: value i (0..<16) in the low nibble of byte i, value 16+i in its high
    /// nibble; Q5 types take bit i of the 32-bit `qh` as the fifth bit of value i.
    static func legacy(_ type: GGMLType, _ b: Bytes) -> [Float] {
        let hasMin = type == .q4_1 || type == .q5_1, five = type == .q5_0 || type == .q5_1
        let d = b.half(0), m = hasMin ? b.half(2) : 0
        let qh = five ? b.u32(hasMin ? 4 : 2) : 0
        let qs = (hasMin ? 4 : 2) + (five ? 4 : 0)
        let offset = hasMin ? 0 : (five ? 16 : 8)
        return (0..<32).map { i in
            let byte = b[qs + i % 16]
            var q = i < 16 ? byte & 15 : byte >> 4
            if five { q |= ((qh >> i) & 1) << 4 }
            let scaled = d * Float(q - offset)
            return hasMin ? scaled + m : scaled
        }
    }

    static func q2K(_ b: Bytes) -> [Float] {
        let d = b.half(80), dmin = b.half(82)
        return (0..<256).map { e in
            let q = (b[16 + (e / 128) * 32 + e % 32] >> (2 * ((e % 128) / 32))) & 3
            let sc = b[e / 16]
            let dl = d * Float(sc & 15), ml = dmin * Float(sc >> 4)
            return dl * Float(q) - ml
        }
    }

    static func q3K(_ b: Bytes) -> [Float] {
        let d = b.half(108)
        let dl: [Float] = (0..<16).map { j in
            let low = j < 8 ? b[96 + j] & 15 : b[96 + j - 8] >> 4
            let high = (b[104 + j % 4] >> (2 * (j / 4))) & 3
            return d * Float((low | high << 4) - 32)
        }
        return (0..<256).map { e in
            let low = (b[32 + (e / 128) * 32 + e % 32] >> (2 * ((e % 128) / 32))) & 3
            let high = (b[e % 32] >> (e / 32)) & 1
            return dl[e / 16] * Float(low - (high == 1 ? 0 : 4))
        }
    }

    /// The 6-bit scale and min of sub-block `j` of a Q4_K / Q5_K block, from its 12 scale bytes at 4.
    static func scaleMin(_ b: Bytes, _ j: Int) -> (Int, Int) {
        if j < 4 { return (b[4 + j] & 63, b[4 + j + 4] & 63) }
        return ((b[4 + j + 4] & 15) | (b[4 + j - 4] >> 6) << 4, (b[4 + j + 4] >> 4) | (b[4 + j] >> 6) << 4)
    }

    static func q45K(_ type: GGMLType, _ b: Bytes) -> [Float] {
        let d = b.half(0), dmin = b.half(2), five = type == .q5_K
        let qs = five ? 48 : 16
        return (0..<256).map { e in
            let j = e / 32, l = e % 32
            let (sc, m) = scaleMin(b, j)
            var q = (b[qs + (j / 2) * 32 + l] >> (4 * (j % 2))) & 15
            if five { q |= ((b[16 + l] >> j) & 1) << 4 }
            let dd = d * Float(sc), dm = dmin * Float(m)
            return dd * Float(q) - dm
        }
    }

    static func q6K(_ b: Bytes) -> [Float] {
        let d = b.half(208)
        return (0..<256).map { e in
            let half = e / 128, r = e % 128
            let low = (b[half * 64 + r % 64] >> (4 * (r / 64))) & 15
            let high = (b[128 + half * 32 + r % 32] >> (2 * (r / 32))) & 3
            let scale = d * Float(b.int8(192 + e / 16))
            return scale * Float((low | high << 4) - 32)
        }
    }
}
