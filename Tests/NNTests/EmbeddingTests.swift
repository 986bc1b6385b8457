import NN
import Tensor
import TestSupport
import Testing

/// One RoPE fixture case: head dimension and token grid.
struct RopeCase: Sendable, CustomTestStringConvertible {
    let headDim: Int
    let grid: (frames: Int, height: Int, width: Int)
    var name: String { "rope\(headDim)_\(grid.frames)x\(grid.height)x\(grid.width)" }
    var testDescription: String { name }
}

/// The Wan RoPE tables and timestep features against tools/fixtures/make_nn_fixtures.py, which
/// re-derives diffusers' `WanRotaryPosEmbed` and `get_timestep_embedding` in plain torch.
@Suite struct EmbeddingTests {
    // h_dim = w_dim = 2·(d // 6); t_dim = d − h_dim − w_dim; for each band m:
    //   freqs = 1.0 / (10000.0 ** (torch.arange(0, m, 2, dtype=torch.float64)[: m // 2] / m))
    //   cos, sin = torch.outer(torch.arange(1024, dtype=torch.float64), freqs).{cos,sin}()
    //              .repeat_interleave(2, dim=1).float()
    // per token (f, h, w): [cos_t[f] | cos_h[h] | cos_w[w]] (row-major over f, h, w), same for sin.
    // rope128_3x16x16 stores every 11th of its 768 rows (`rows`). Float32Elementwise: both sides
    // round the same float64 values once, so any difference is a libm last-bit disagreement.
    static let ropeCases = [
        RopeCase(headDim: 128, grid: (1, 1, 1)),
        RopeCase(headDim: 128, grid: (5, 4, 6)),
        RopeCase(headDim: 128, grid: (3, 16, 16)),
        RopeCase(headDim: 12, grid: (2, 3, 5)),  // the tiny diffusers test config: bands 4/4/4
    ]

    @Test(arguments: ropeCases)
    func rotaryTables(_ c: RopeCase) throws {
        let fixture = try NNFixture("rope")
        let rope = try WanRotaryEmbedding(headDim: c.headDim)
        let (cos, sin) = try rope.tables(frames: c.grid.frames, height: c.grid.height, width: c.grid.width)
        let n = c.grid.frames * c.grid.height * c.grid.width
        #expect(cos.shape == [n, c.headDim] && sin.shape == [n, c.headDim])
        var rows = Array(0..<n)
        if let stored = fixture.file.entry(named: "\(c.name).rows") {
            #expect(stored.shape.count == 1)
            rows = try fixture.tensor("\(c.name).rows").floats().map { Int($0) }
        }
        for (table, part) in [(cos, "cos"), (sin, "sin")] {
            let values = table.floats()
            let picked = rows.flatMap { values[($0 * c.headDim)..<(($0 + 1) * c.headDim)] }
            let actual = try Tensor(picked, shape: [rows.count, c.headDim])  // [rows, d]
            expectMatch(actual, try fixture.tensor("\(c.name).\(part)"), .float32Elementwise, "\(c.name).\(part)")
        }
    }

    @Test func rotaryBands() throws {
        let wan = try WanRotaryEmbedding(headDim: 128).bands
        #expect(wan.time == 44 && wan.height == 42 && wan.width == 42)
        let tiny = try WanRotaryEmbedding(headDim: 12).bands
        #expect(tiny.time == 4 && tiny.height == 4 && tiny.width == 4)
    }

    @Test func rotaryRejectsBadArguments() throws {
        #expect(throws: TensorError.self) { try WanRotaryEmbedding(headDim: 127) }
        let rope = try WanRotaryEmbedding(headDim: 12)
        #expect(throws: TensorError.self) { try rope.tables(frames: 0, height: 2, width: 2) }
        #expect(throws: TensorError.self) { try rope.tables(frames: 1025, height: 1, width: 1) }
    }

    // t = [0, 1, 999, 500.5, 37]; half = 128
    // exponent = -math.log(10000) * torch.arange(0, 128, dtype=torch.float32) / 128
    // arg = t[:, None].float() * torch.exp(exponent)[None, :]
    // out = torch.cat([torch.cos(arg), torch.sin(arg)], dim=-1)   (flip_sin_to_cos=True, shift 0)
    // out_rounded_exp: the same with torch.exp(exponent.double()).float() (a correctly rounded exp).
    @Test func timestepSinusoidMatchesDiffusers() throws {
        let fixture = try NNFixture("timestep")
        let t = try fixture.tensor("t").floats()
        let out = try timestepSinusoid(timesteps: t, dim: 256, flipSinToCos: true, downscaleFreqShift: 0)  // [5, 256]
        // Against diffusers: PyTorch's float32 exp is one ulp off for 2 of the 128 frequencies, and
        // t up to 999 turns that ulp into ~3e-5 rad of argument (docs/wan-reference.md §1.4 expects ~1e-4), so
        // this comparison takes the fp32 threshold of Tolerance.float32 (measured 2.9e-5).
        expectMatch(out, try fixture.tensor("out"), .float32, "timestep")
        // With the exp correctly rounded on both sides, only sin/cos roundings remain.
        expectMatch(out, try fixture.tensor("out_rounded_exp"), .float32Elementwise, "timestep (rounded exp)")
    }

    @Test func timestepSinusoidLayout() throws {
        // t = 0: every argument is 0, so [cos | sin] = [1…1 | 0…0]; unflipped, [0…0 | 1…1].
        let flipped = try timestepSinusoid(timesteps: [0], dim: 8).floats()
        #expect(flipped == [1, 1, 1, 1, 0, 0, 0, 0])
        let plain = try timestepSinusoid(timesteps: [0], dim: 8, flipSinToCos: false).floats()
        #expect(plain == [0, 0, 0, 0, 1, 1, 1, 1])
        // An odd width gets one trailing zero.
        let odd = try timestepSinusoid(timesteps: [0, 3], dim: 5)
        #expect(odd.shape == [2, 5])
        #expect(odd.floats()[4] == 0 && odd.floats()[9] == 0)
    }
}
