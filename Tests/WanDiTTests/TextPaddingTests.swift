import CPUBackend
import Tensor
import TestSupport
import Testing
import WanDiT

extension WanTransformerTests {
    /// The prompt's zero padding folded into one text row with a key bias (`FoldedTextPadding`),
    /// against the same context with the padding written as −0.0 (equal in value, not bitwise zero,
    /// so not folded): the same velocity. The parity suites run the folded path against diffusers.
    @Suite struct TextPaddingTests {
        /// `context [B, L, C]` float32 with every zero of rows `realRows[b]...` replaced by −0.0.
        private func negativeZeroPadding(_ context: Tensor, realRows: [Int]) throws -> Tensor {
            var values = context.floats()
            let (length, width) = (context.shape[1], context.shape[2])
            for (b, real) in realRows.enumerated() {
                for i in (b * length + real) * width..<((b + 1) * length) * width { values[i] = -0.0 }
            }
            return try Tensor(values, shape: context.shape)
        }

        // tiny_b b2t1: two items with 6 and 11 of 512 rows used; tiny_i2v b1: 8 of 512 and image tokens.
        @Test(arguments: [("tiny_b", "b2t1", [6, 11]), ("tiny_i2v", "b1", [8])])
        func foldedPaddingGivesTheUnfoldedVelocity(_ config: String, _ caseName: String, _ realRows: [Int]) throws {
            let fixture = try WanDiTFixture(config)
            let model = try WanTransformer(component: try fixture.component())
            let backend = CPUBackend()
            let context = try fixture.tensor(caseName, "encoder_hidden_states")
            let image = fixture.has(caseName, "encoder_hidden_states_image") ? try fixture.tensor(caseName, "encoder_hidden_states_image") : nil
            let folded = try model.encodeContext(context, imageContext: image, on: backend)
            let unfolded = try model.encodeContext(try negativeZeroPadding(context, realRows: realRows), imageContext: image, on: backend)
            #expect(folded.text.shape[1] == realRows.max()! + 1)
            #expect(unfolded.text.shape[1] == 512)
            let latents = try fixture.tensor(caseName, "hidden_states"), timestep = try fixture.tensor(caseName, "timestep")
            let a = try model(latents: latents, timestep: timestep, context: folded, on: backend).floats()
            let b = try model(latents: latents, timestep: timestep, context: unfolded, on: backend).floats()
            let scale = b.map(abs).max()!
            let error = zip(a, b).map { abs($0 - $1) }.max()! / scale
            #expect(error < 1e-5, "relative error \(error)")
        }

        @Test func contextWithoutTrailingZeroRowsIsNotFolded() throws {
            let fixture = try WanDiTFixture("tiny_b")
            let model = try WanTransformer(component: try fixture.component())
            // b1: 9 rows of 9 used, no padding.
            let encoded = try model.encodeContext(try fixture.tensor("b1", "encoder_hidden_states"), on: CPUBackend())
            #expect(encoded.text.shape[1] == 9)
        }
    }
}
