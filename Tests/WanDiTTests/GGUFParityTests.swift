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

/// Weights that count the matrices handed out in GGML blocks.
final class QuantizedCounting: WeightSource, @unchecked Sendable {
    let base: any WeightSource
    private(set) var quantized: [String] = []
    init(_ base: any WeightSource) { self.base = base }
    var names: [String] { base.names }
    var description: String { base.description }
    func entry(named name: String) -> SafeTensorsEntry? { base.entry(named: name) }
    func tensor(named name: String) throws -> Tensor { try base.tensor(named: name) }
    func tensor(named name: String, as dtype: DType) throws -> Tensor { try base.tensor(named: name, as: dtype) }
    func quantizedMatrix(named name: String) throws -> QuantizedMatrix? {
        let matrix = try base.quantizedMatrix(named: name)
        if matrix != nil { quantized.append(name) }
        return matrix
    }
}

extension WanTransformerTests {
    /// A tiny random Wan transformer written as a Q8_0 GGUF file with the original Wan names, as
    /// ComfyUI-GGUF lays one out (tools/fixtures/make_gguf_fixtures.py: every 2-D weight Q8_0, 1-D
    /// tensors and modulation F32, the 5-D patch embedding F32), against the same model with the
    /// file's dequantised values as float32 safetensors, and diffusers on those values:
    ///
    ///     data = gguf.quants.quantize(w, Q8_0); w' = gguf.quants.dequantize(data, Q8_0)
    ///     out = WanTransformer3DModel(**tiny).load_state_dict(w')(latents, t, context)   # fp32, CPU
    @Suite struct GGUFParityTests {
        let folder = fixturePath("gguf/tiny_q8")

        func config() throws -> WanTransformer.Config {
            let text = try String(contentsOfFile: "\(folder)/config.json", encoding: .utf8)
            return try WanTransformer.Config(json: try JSONValue(parsing: text), file: "config.json")
        }

        func run(_ model: WanTransformer) throws -> Tensor {
            let reference = try SafeTensorsFile(path: "\(folder)/reference.safetensors")
            return try model(latents: try reference.tensor(named: "hidden_states"), timestep: try reference.tensor(named: "timestep"),
                             context: try reference.tensor(named: "encoder_hidden_states"), on: CPUBackend())
        }

        @Test func q8FileMatchesItsDequantisedWeights() throws {
            let gguf = QuantizedCounting(try openWeights(path: "\(folder)/model-Q8_0.gguf"))
            let quantized = try WanTransformer(config: try config(), weights: gguf)
            // Every linear weight stayed in blocks: 2 blocks × (8 attention + 2 FFN) + 6 outside.
            #expect(gguf.quantized.count == 26, "\(gguf.quantized)")
            #expect(gguf.quantized.contains("blocks.1.ffn.2.weight") && gguf.quantized.contains("head.head.weight"))
            let dense = try WanTransformer(config: try config(), weights: try openWeights(path: "\(folder)/model-dequantized.safetensors"))
            let fromBlocks = try run(quantized), fromDense = try run(dense)
            expectMatch(fromBlocks, fromDense, .endToEnd, "Q8_0 GGUF vs dequantised f32")
            let expected = try SafeTensorsFile(path: "\(folder)/reference.safetensors").tensor(named: "output")
            expectMatch(fromBlocks, expected, .float32, "Q8_0 GGUF vs diffusers on the dequantised weights")
        }

        /// In bf16 the blocks are decoded straight to bf16, as the dense model loads them.
        @Test func q8FileInBFloat16MatchesDenseBFloat16() throws {
            let quantized = try WanTransformer(config: try config(), weights: try openWeights(path: "\(folder)/model-Q8_0.gguf"), dtype: .bfloat16)
            let dense = try WanTransformer(config: try config(), weights: try openWeights(path: "\(folder)/model-dequantized.safetensors"),
                                           dtype: .bfloat16)
            expectMatch(try run(quantized), try run(dense), .exact, "Q8_0 GGUF vs dequantised, bf16")
        }

        @Test func anotherArchitectureIsRefusedByName() throws {
            let folder = try makeTemporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: "\(self.folder)/model-Q8_0.gguf")))
            // "general.architecture" is the first key; its value "wan" becomes "sd3" in place.
            let wan = Array("wan".utf8)
            let at = try #require((0..<(bytes.count - 3)).first { Array(bytes[$0..<($0 + 3)]) == wan })
            bytes.replaceSubrange(at..<(at + 3), with: Array("sd3".utf8))
            let path = folder + "/sd3.gguf"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: WeightFileError.self) {
                _ = try WanTransformer(config: try config(), weights: try openWeights(path: path))
            }
            #expect(error?.description == "\(path): general.architecture is \"sd3\", not a Wan transformer (\"wan\")")
        }

        func makeTemporaryFolder() throws -> String {
            let path = FileManager.default.temporaryDirectory.path + "/zoetrope-gguf-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            return path
        }
    }
}
