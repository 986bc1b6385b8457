import CPUBackend
import NN
import Tensor
import TestSupport
import Testing
import UMT5

/// The encoder against transformers' `UMT5EncoderModel` (tools/fixtures/make_umt5_fixtures.py):
/// case a (4 heads × 8 = d_model 32, d_ff 64, 2 layers, buckets 32 / 128, L = 150, lengths 150
/// and 61) and case b (3 heads × 12 = 36 ≠ d_model 48, d_ff 40, 3 layers, buckets 12 / 20, L = 37,
/// lengths 29 and 12). The reference ran in float32 on the CPU.
@Suite struct UMT5ParityTests {
    let backend = CPUBackend()

    // fp32 weights and activations: the output and every intermediate the reference recorded
    // (embedding, per block the residual stream after attention and after the block, case b also
    // the position bias) within Tolerance.float32.
    @Test(arguments: ["a", "b"])
    func float32MatchesReference(caseName: String) throws {
        let fixture = try UMT5Case(caseName)
        let encoder = try fixture.encoder(.f32)
        let taps = Taps()
        let out = try encoder(ids: try fixture.ids, attentionMask: try fixture.mask, on: backend, taps: taps)  // [B, L, D]
        #expect(out.shape == [2, fixture.io.entry(named: "ids")?.shape[1] ?? -1, fixture.config.dModel])
        expectMatch(out, try fixture.reference("last_hidden_state"), .float32, "umt5 \(caseName) last_hidden_state")
        #expect(!fixture.tapNames.isEmpty)
        for name in fixture.tapNames {
            guard let recorded = taps[name] else {
                Issue.record("umt5 \(caseName): the encoder recorded no tap \"\(name)\"")
                continue
            }
            expectMatch(recorded, try fixture.reference("tap.\(name)"), .float32, "umt5 \(caseName) \(name)")
        }
        if let final = taps["final"] {
            expectMatch(final, out, .exact, "umt5 \(caseName) final tap is the output")
        }
    }

    // bf16 weights and activations (the reference pipeline's policy) against the fp32 reference:
    // direction only, Tolerance.bfloat16Model (cosine ≥ 0.999), for the output and each block.
    @Test(arguments: ["a", "b"])
    func bfloat16FollowsFloat32Reference(caseName: String) throws {
        let fixture = try UMT5Case(caseName)
        let encoder = try fixture.encoder(.bf16)
        #expect(encoder.embedding.dtype == .bfloat16 && encoder.finalNorm.weight.dtype == .bfloat16)
        let taps = Taps(filter: { $0.hasSuffix(".out") })
        let out = try encoder(ids: try fixture.ids, attentionMask: try fixture.mask, on: backend, taps: taps)  // [B, L, D]
        #expect(out.dtype == .bfloat16)
        expectMatch(try backend.cast(out, to: .float32), try fixture.reference("last_hidden_state"), .bfloat16Model,
                    "umt5 \(caseName) bf16 last_hidden_state")
        for i in 0..<fixture.config.numLayers {
            guard let block = taps["block.\(i).out"] else {
                Issue.record("umt5 \(caseName): no bf16 tap block.\(i).out")
                continue
            }
            expectMatch(try backend.cast(block, to: .float32), try fixture.reference("tap.block.\(i).out"), .bfloat16Model,
                        "umt5 \(caseName) bf16 block.\(i).out")
        }
    }

    // The same weights under the original Wan names give the same numbers, bit for bit.
    @Test func wanLayoutGivesTheSameOutput() throws {
        let fixture = try UMT5Case("b")
        let wan = try SafeTensorsFile(path: umt5FixturePath("b/wan_names.safetensors"))
        #expect(UMT5Encoder.WeightLayout(detectingFrom: wan) == .wan)
        #expect(UMT5Encoder.WeightLayout(detectingFrom: fixture.weights) == .transformers)
        let encoder = try UMT5Encoder(config: fixture.config, weights: wan, dtype: .f32)
        let (ids, mask) = (try fixture.ids, try fixture.mask)
        let out = try encoder(ids: ids, attentionMask: mask, on: backend)  // [B, L, D]
        expectMatch(out, try fixture.reference("last_hidden_state"), .float32, "umt5 b wan-layout last_hidden_state")
        let hfOut = try fixture.encoder(.f32)(ids: ids, attentionMask: mask, on: backend)  // [B, L, D]
        expectMatch(out, hfOut, .exact, "umt5 b wan layout vs transformers layout")
    }

    // Spec 3.4 step 4: rows past each sequence length become exact zeros; the kept rows are the
    // encoder's.
    @Test(arguments: ["a", "b"])
    func promptEmbeddingsZeroThePadding(caseName: String) throws {
        let fixture = try UMT5Case(caseName)
        let (ids, mask) = (try fixture.ids, try fixture.mask)
        let encoder = try fixture.encoder(.f32)
        let embeds = try encoder.promptEmbeddings(ids: ids, attentionMask: mask, on: backend)  // [B, L, D]
        expectMatch(embeds, try fixture.reference("prompt_embeds"), .float32, "umt5 \(caseName) prompt_embeds")
        let lengths = UMT5Encoder.sequenceLengths(attentionMask: mask)
        // Run on the real tokens only (case b: 29 of 37 rows; case a: all 150, one sample padded), they
        // are what the encoder gives on all the rows.
        if caseName == "b" { #expect(lengths.max() ?? 0 < ids[0].count, "case b has padding after every sample's tokens") }
        let allRows = try UMT5Encoder.promptEmbeddings(try encoder(ids: ids, attentionMask: mask, on: backend),
                                                       sequenceLengths: lengths, on: backend)  // [B, L, D]
        expectMatch(embeds, allRows, .float32Elementwise, "umt5 \(caseName) real tokens only vs all rows")
        #expect(lengths == mask.map { $0.filter { $0 == 1 }.count })
        let (length, width) = (embeds.shape[1], embeds.shape[2])
        let values = embeds.floats()
        for (b, kept) in lengths.enumerated() {
            let padding = values[((b * length + kept) * width)..<((b + 1) * length * width)]
            #expect(padding.allSatisfy { $0.bitPattern == 0 }, "sample \(b): rows from \(kept) on are not +0")
        }
        // The static form on a given tensor: nothing kept, everything kept.
        let hidden = try fixture.reference("last_hidden_state")
        let edges = try UMT5Encoder.promptEmbeddings(hidden, sequenceLengths: [0, length], on: backend)
        let edgeValues = edges.floats(), half = length * width
        #expect(edgeValues[..<half].allSatisfy { $0 == 0 })
        #expect(Array(edgeValues[half...]) == Array(hidden.floats()[half...]))
    }
}
