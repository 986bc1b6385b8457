import CPUBackend
import Tensor
import TestSupport
import Testing

@Suite struct RotaryTests {
    let backend = CPUBackend()

    // angles = uniform(-6, 6, (N, D/2)); cos = torch.cos(angles).repeat_interleave(2, -1)  [N, D]
    // sin likewise; x = randn(B, N, H, D); out as diffusers' WanAttnProcessor applies it:
    //   x1, x2 = x.unflatten(-1, (-1, 2)).unbind(-1)
    //   out[..., 0::2] = x1 * cos[..., 0::2] - x2 * sin[..., 1::2]
    //   out[..., 1::2] = x1 * sin[..., 1::2] + x2 * cos[..., 0::2];  out.type_as(x)
    static let cases = [
        "rope_basic",  // x [1, 6, 2, 8]
        "rope_odd",    // x [2, 5, 3, 22]: D/2 = 11 pairs
        "rope_n1",     // x [2, 1, 4, 8]
        "rope_bf16",   // x [1, 7, 2, 16] bf16, f32 cos/sin
    ]

    @Test(arguments: cases)
    func rotary(_ name: String) throws {
        let fixture = try OpFixture("rotary")
        let x = try fixture.tensor(name, "x")
        let out = try backend.rotaryEmbedding(x, cos: try fixture.tensor(name, "cos"), sin: try fixture.tensor(name, "sin"))
        expectMatch(out, try fixture.expected(name), tolerance(for: x.dtype, float32: .float32Elementwise), name)
    }

    @Test func everyFixtureCaseIsCovered() throws {
        #expect(try OpFixture("rotary").cases() == Set(Self.cases))
    }
}

@Suite struct CastTests {
    let backend = CPUBackend()

    // x = 21 hand-picked float32 bit patterns (ties to even either way, values just above and below
    // a tie, ±max (overflows to ±inf), ±inf, NaNs, subnormals incl. a subnormal tie, ±0, 65520 and
    // 2^-25 for f16) followed by randn(43) * 100.
    // cast_bf16: out = x.to(torch.bfloat16);  cast_f16: out = x.to(torch.float16)
    // NaN bit patterns differ between PyTorch's scalar and vector paths, so NaNs are compared as NaN.
    @Test(arguments: [("cast_bf16", DType.bfloat16), ("cast_f16", DType.float16)])
    func castRoundsLikePyTorch(_ name: String, _ dtype: DType) throws {
        let fixture = try OpFixture("cast")
        let x = try fixture.tensor(name, "x")
        let expected = try fixture.expected(name)
        #expect(expected.dtype == dtype)
        let narrow = try backend.cast(x, to: dtype)
        #expect(narrow.dtype == dtype && narrow.shape == x.shape)
        let ours = halfBits(narrow), theirs = halfBits(expected)
        let inputs = x.floats()
        for i in inputs.indices {
            if inputs[i].isNaN {
                #expect(narrow.floats()[i].isNaN, "\(name)[\(i)]: NaN did not stay NaN")
            } else {
                #expect(ours[i] == theirs[i], "\(name)[\(i)]: \(inputs[i]) -> \(hex(ours[i])), PyTorch \(hex(theirs[i]))")
            }
        }
        // Widening back is exact.
        let wide = try backend.cast(narrow, to: .float32)
        #expect(wide.dtype == .float32)
        let widened = wide.floats(), direct = narrow.floats()
        #expect(zip(widened, direct).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) })
    }

    @Test func everyFixtureCaseIsCovered() throws {
        #expect(try OpFixture("cast").cases() == ["cast_bf16", "cast_f16"])
    }

    private func halfBits(_ t: Tensor) -> [UInt16] {
        guard let base = t.storage.hostPointer, t.dtype.byteSize == 2 else { return [] }
        return Array(UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt16.self), count: t.count))
    }

    private func hex(_ v: UInt16) -> String { "0x" + String(v, radix: 16) }
}
