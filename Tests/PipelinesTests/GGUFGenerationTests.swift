import CPUBackend
import Pipelines
import Tensor
import TestSupport
import Testing

/// A whole generation with a GGUF transformer in place of the folder's (the pipeline fixture's
/// transformer with its Q8_0-able weights in Q8_0, tools/fixtures/make_gguf_fixtures.py), through
/// the model store and cache as the CLI and the server run it: the blocks stay blocks in the cached
/// model, and the output stays close to the safetensors one.
@Suite struct GGUFGenerationTests {
    static let folder = fixturePath("wan_pipeline/tiny-wan")
    static let gguf = fixturePath("gguf/tiny-wan-transformer.gguf")

    static func latents(transformer: String?, cache: ModelCache) throws -> Tensor {
        let source = ModelSource(folder: folder, transformer: transformer)
        let generator = Generator(store: try ModelStore(single: source), precision: .float32, backend: CPUBackend(), cache: cache)
        let request = try generator.validate(GenerationRequest(prompt: "a red ball on the grass", width: 48, height: 32,
                                                               frames: 5, steps: 2, seed: 11))
        return try generator.run(request, onProgress: { _ in }, onFrames: { _ in })
    }

    @Test func quantisedTransformerStaysQuantisedAndMatches() throws {
        let cache = ModelCache(budgetBytes: 1 << 30)
        let fromGGUF = try Self.latents(transformer: Self.gguf, cache: cache)
        // The cached transformer holds the Q8_0 tensors' blocks and every other tensor in float32.
        let file = try GGUFFile(path: Self.gguf)
        let expected = file.tensors.reduce(0) { $0 + ($1.type == .q8_0 ? $1.byteRange.count : 4 * $1.elementCount) }
        let held = try #require(cache.entries.first { $0.key.component == .transformer }).bytes
        #expect(held == expected)
        #expect(file.tensors.contains { $0.type == .q8_0 })

        let fromSafetensors = try Self.latents(transformer: nil, cache: ModelCache(budgetBytes: 1 << 30))
        expectMatch(fromGGUF, fromSafetensors, Tolerance(relativeMaxError: .greatestFiniteMagnitude, minimumCosine: 0.999),
                    "GGUF (partly Q8_0) vs safetensors latents")
    }
}
