import CPUBackend
import NN
import Tensor
import TestSupport
import Testing
import UMT5

/// The UMT5 fixture `a` as a GGUF text encoder (tools/fixtures/make_gguf_fixtures.py): llama.cpp
/// names, architecture `t5encoder`, 2-D weights Q8_0. It must equal the same model loaded from the
/// file's dequantised values under transformers' names, and the reference within Q8_0's error.
@Suite struct UMT5GGUFTests {
    let backend = CPUBackend()

    @Test func llamaCppNamedQ8FileMatchesItsDequantisedWeights() throws {
        let fixture = try UMT5Case("a")
        let gguf = try openWeights(path: fixturePath("gguf/umt5_a-Q8_0.gguf"))
        #expect(UMT5Encoder.WeightLayout(detectingFrom: gguf) == .llamaCpp)
        let detected = try UMT5Encoder.Config(detectingFrom: gguf)
        #expect(detected.numLayers == fixture.config.numLayers && detected.dFF == fixture.config.dFF
                && detected.numHeads == fixture.config.numHeads && detected.vocabSize == fixture.config.vocabSize)
        let quantized = try UMT5Encoder(config: fixture.config, weights: gguf, dtype: .f32)
        // The embedding keeps its blocks too; a lookup decodes only the rows it needs.
        guard case .quantized(let table, .float32) = quantized.embedding else {
            Issue.record("the embedding was decoded at load")
            return
        }
        #expect(table.type == .q8_0 && table.shape == [fixture.config.vocabSize, fixture.config.dModel])
        let dense = try UMT5Encoder(config: fixture.config,
                                    weights: try openWeights(path: fixturePath("gguf/umt5_a-dequantized.safetensors")), dtype: .f32)
        let (ids, mask) = (try fixture.ids, try fixture.mask)
        let fromBlocks = try quantized(ids: ids, attentionMask: mask, on: backend)
        expectMatch(fromBlocks, try dense(ids: ids, attentionMask: mask, on: backend), .exact, "UMT5 Q8_0 GGUF vs dequantised")
        // Against the unquantised reference only Q8_0's rounding separates them.
        let reference = try UMT5Encoder(config: fixture.config, weights: fixture.weights, dtype: .f32)
        expectMatch(fromBlocks, try reference(ids: ids, attentionMask: mask, on: backend),
                    Tolerance(relativeMaxError: .greatestFiniteMagnitude, minimumCosine: 0.999), "UMT5 Q8_0 GGUF vs f32")
    }

    @Test func aWanTransformerFileIsNotATextEncoder() throws {
        let fixture = try UMT5Case("a")
        let wan = try openWeights(path: fixturePath("gguf/tiny_q8/model-Q8_0.gguf"))
        let error = #expect(throws: WeightFileError.self) { try UMT5Encoder(config: fixture.config, weights: wan) }
        #expect(error?.description.hasSuffix("general.architecture is \"wan\", not a UMT5 text encoder (\"t5encoder\" or \"t5\" or \"umt5\")") == true)
    }
}
