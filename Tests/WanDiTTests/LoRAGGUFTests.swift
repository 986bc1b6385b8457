#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CPUBackend
import NN
import Tensor
import TestSupport
import Testing
import WanDiT

extension WanTransformerTests {
    /// LoRAs on a quantised base (the Q8_0 GGUF fixture of tools/fixtures/make_gguf_fixtures.py,
    /// original Wan names): the weight a LoRA changes is its dequantised value plus the product,
    /// merged dense; every other weight stays in its blocks.
    @Suite struct LoRAGGUFTests {
        static let folder = fixturePath("gguf/tiny_q8")

        @Test func changedWeightsMergeDenseAndTheRestStayInBlocks() throws {
            let base = try openWeights(path: "\(Self.folder)/model-Q8_0.gguf")
            let target = "blocks.0.self_attn.q.weight"
            let shape = try #require(base.entry(named: target)?.shape)  // [D, D]
            let (rank, d) = (2, shape[1])
            let down = try Tensor((0..<(rank * d)).map { Float($0 % 7) * 0.01 }, shape: [rank, d])
            let up = try Tensor((0..<(shape[0] * rank)).map { Float($0 % 5) * -0.02 }, shape: [shape[0], rank])
            let lora = MemoryWeights(tensors: [
                ("diffusion_model.blocks.0.self_attn.q.lora_down.weight", down),
                ("diffusion_model.blocks.0.self_attn.q.lora_up.weight", up),
                ("diffusion_model.blocks.0.self_attn.q.alpha", Tensor(filling: 4, shape: [])),
            ])
            let adapter = try LoRAAdapter(path: "q.safetensors", weights: lora, scale: 0.5, base: base,
                                          names: try WanTransformer.loraNames(for: base))
            #expect(adapter.changedWeights == [target])
            let merged = LoRAMergedWeights(base: base, adapters: [adapter], backend: CPUBackend())
            #expect(try merged.quantizedMatrix(named: target) == nil)
            #expect(try merged.quantizedMatrix(named: "blocks.0.self_attn.k.weight") != nil)

            // W + 0.5 · (4 / 2) · up·down, from the dequantised W.
            var expected = try base.tensor(named: target, as: .float32).floats()
            let (u, a) = (up.floats(), down.floats())
            for i in 0..<shape[0] { for j in 0..<d { for k in 0..<rank { expected[i * d + j] += 1.0 * u[i * rank + k] * a[k * d + j] } } }
            expectMatch(try merged.tensor(named: target, as: .float32), try Tensor(expected, shape: shape), .float32Elementwise, target)

            let counting = QuantizedCounting(merged)
            let text = try String(contentsOfFile: "\(Self.folder)/config.json", encoding: .utf8)
            let config = try WanTransformer.Config(json: try JSONValue(parsing: text), file: "config.json")
            _ = try WanTransformer(config: config, weights: counting)
            #expect(!counting.quantized.isEmpty && !counting.quantized.contains(target))
        }

        // A GGUF of another family is refused by name before any LoRA key is looked at.
        @Test func aGGUFOfAnotherFamilyIsRefused() throws {
            let encoder = try openWeights(path: fixturePath("gguf/umt5_a-Q8_0.gguf"))
            #expect(throws: (any Error).self) { _ = try WanTransformer.loraNames(for: encoder) }
            do { _ = try WanTransformer.loraNames(for: encoder) } catch {
                #expect("\(error)".contains("not a Wan transformer"), "\(error)")
            }
        }
    }
}
