#if canImport(Glibc)
import Glibc
#endif
import CPUBackend
import Tensor
import Testing

/// The fused transformer-block ops against the compositions of plain ops they replace (the same
/// float32 arithmetic; the fused kernels only skip the temporaries), in float32 and bfloat16.
@Suite struct FusedOpsTests {
    let backend = CPUBackend()

    private func random(_ shape: [Int], seed: UInt64, dtype: DType = .float32, scale: Float = 1) throws -> Tensor {
        var noise = GaussianNoise(seed: seed)
        return try backend.cast(try backend.affine(noise.tensor(shape), scale: scale, offset: 0), to: dtype)
    }

    /// Largest |a − b| over the elements, relative to the largest |b|.
    private func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        let x = a.floats(), y = b.floats()
        let scale = y.map(abs).max() ?? 1
        return zip(x, y).map { abs($0 - $1) }.max()! / max(scale, 1e-30)
    }

    /// Elements that differ, as a fraction (bf16 results may differ by one rounding where the
    /// float32 sums are accumulated in another order).
    private func differing(_ a: Tensor, _ b: Tensor) -> Double {
        let x = a.floats(), y = b.floats()
        return Double(zip(x, y).filter { $0 != $1 }.count) / Double(x.count)
    }

    @Test(arguments: [DType.float32, .bfloat16])
    func modulatedLayerNormEqualsComposition(_ dtype: DType) throws {
        let x = try random([2, 37, 96], seed: 1, dtype: dtype, scale: 3)
        let shift = try random([2, 1, 96], seed: 2), scale = try random([1, 1, 96], seed: 3, scale: 0.5)
        let fused = try backend.modulatedLayerNorm(x, shift: shift, scale: scale, eps: 1e-6, dtype: dtype)
        let normed = try backend.layerNorm(try backend.cast(x, to: .float32), weight: nil, bias: nil, eps: 1e-6)
        let composed = try backend.cast(try backend.add(try backend.mul(normed, try backend.affine(scale, scale: 1, offset: 1)), shift), to: dtype)
        #expect(fused.shape == [2, 37, 96] && fused.dtype == dtype)
        #expect(relativeError(fused, composed) < (dtype == .float32 ? 2e-6 : 8e-3))
        #expect(differing(fused, composed) < (dtype == .float32 ? 1 : 0.02))
    }

    @Test(arguments: [DType.float32, .bfloat16])
    func gatedResidualEqualsComposition(_ dtype: DType) throws {
        let x = try random([2, 21, 64], seed: 4, dtype: dtype), y = try random([2, 21, 64], seed: 5, dtype: dtype)
        let gate = try random([2, 1, 64], seed: 6)
        let fused = try backend.gatedResidual(x, y, gate: gate, dtype: dtype)
        let composed = try backend.cast(try backend.add(try backend.cast(x, to: .float32), try backend.mul(try backend.cast(y, to: .float32), gate)), to: dtype)
        // The same two float32 operations per element: identical.
        #expect(fused.floats() == composed.floats())
    }

    @Test(arguments: [DType.float32, .bfloat16])
    func rmsNormRotaryEqualsComposition(_ dtype: DType) throws {
        let (tokens, heads, width) = (13, 3, 8)
        let x = try random([2, tokens, heads * width], seed: 7, dtype: dtype, scale: 2)
        let weight = try backend.affine(try random([heads * width], seed: 8, scale: 0.2), scale: 1, offset: 1)
        let angles = try random([tokens, width / 2], seed: 9, scale: 3).floats()
        var cosines = [Float](), sines = [Float]()
        for n in 0..<tokens { for j in 0..<width { cosines.append(cosf(angles[n * width / 2 + j / 2])); sines.append(sinf(angles[n * width / 2 + j / 2])) } }
        let cos = try Tensor(cosines, shape: [tokens, width]), sin = try Tensor(sines, shape: [tokens, width])
        let fused = try backend.rmsNormRotary(x, weight: weight, eps: 1e-6, rotary: (cos, sin), headWidth: width)
        let normed = try backend.rmsNorm(x, weight: weight, eps: 1e-6)
        let composed = try backend.rotaryEmbedding(try normed.reshaped([2, tokens, heads, width]), cos: cos, sin: sin)
            .reshaped([2, tokens, heads * width])
        #expect(relativeError(fused, composed) < (dtype == .float32 ? 2e-6 : 8e-3))
        #expect(differing(fused, composed) < (dtype == .float32 ? 1 : 0.02))
        let normOnly = try backend.rmsNormRotary(x, weight: weight, eps: 1e-6, rotary: nil, headWidth: width)
        #expect(relativeError(normOnly, normed) < (dtype == .float32 ? 2e-6 : 8e-3))
    }

    @Test(arguments: [DType.float32, .bfloat16])
    func tokenMajorAttentionEqualsHeadMajor(_ dtype: DType) throws {
        // [B, N, H, D] operands; two batch items, uneven sizes, more keys than one key block.
        let q = try random([2, 19, 3, 16], seed: 10, dtype: dtype), k = try random([2, 600, 3, 16], seed: 11, dtype: dtype)
        let v = try random([2, 600, 3, 8], seed: 12, dtype: dtype)
        let tokenMajor = try backend.attention(tokenMajorQuery: q, key: k, value: v, scale: 0.25)
        let headMajor = try backend.attention(query: try backend.permute(q, [0, 2, 1, 3]), key: try backend.permute(k, [0, 2, 1, 3]),
                                              value: try backend.permute(v, [0, 2, 1, 3]), scale: 0.25)
        #expect(tokenMajor.shape == [2, 19, 3, 8])
        #expect(tokenMajor.floats() == (try backend.permute(headMajor, [0, 2, 1, 3])).floats())
    }

    @Test(arguments: [UnaryOp.geluTanh, .gelu, .silu, .tanh])
    func linearWithActivationEqualsLinearThenActivation(_ activation: UnaryOp) throws {
        let x = try random([5, 33], seed: 13), weight = try random([17, 33], seed: 14, scale: 0.3), bias = try random([17], seed: 15)
        let fused = try backend.linear(x, weight: weight, bias: bias, activation: activation)
        let composed = try backend.unary(activation, try backend.linear(x, weight: weight, bias: bias))
        #expect(relativeError(fused, composed) < 1e-5)
    }

    @Test func fusedOpsRejectBadShapes() throws {
        let x = try random([2, 4, 8], seed: 16)
        #expect(throws: TensorError.self) { try backend.modulatedLayerNorm(x, shift: try random([3, 1, 8], seed: 1), scale: try random([2, 1, 8], seed: 1), eps: 1e-6, dtype: .float32) }
        #expect(throws: TensorError.self) { try backend.gatedResidual(x, try random([2, 4, 7], seed: 1), gate: try random([2, 1, 8], seed: 1), dtype: .float32) }
        #expect(throws: TensorError.self) { try backend.rmsNormRotary(x, weight: nil, eps: 1e-6, rotary: nil, headWidth: 3) }
        #expect(throws: TensorError.self) { try backend.rmsNormRotary(try random([8], seed: 1), weight: nil, eps: 1e-6, rotary: nil, headWidth: 2) }
    }

    @Test func threadSetting() {
        #expect(CPUBackend.threadCount(for: "3") == 3)
        #expect(CPUBackend.threadCount(for: nil) == nil)
        for bad in ["0", "-2", "abc", "4097", "", " 2"] {
            #expect(CPUBackend.threadCount(for: bad) == nil)
            #expect(CPUBackend.threadSettingProblem(for: bad)?.contains("ZOETROPE_THREADS") == true)
        }
        #expect(CPUBackend.threadSettingProblem(for: "2") == nil)
        #expect(CPUBackend.threadCount >= 1)
    }
}

