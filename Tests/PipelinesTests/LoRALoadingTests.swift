#if canImport(Glibc)
import Glibc
#endif
import NN
import Pipelines
import Tensor
import TestSupport
import Testing

/// LoRAs named in a ``ModelSource`` reach the transformer's one loading path, and key the cache.
@Suite struct LoRALoadingTests {
    static let model = fixturePath("wan_dit/tiny_a")

    @Test func commandLineArgumentsParse() {
        #expect(LoRA(argument: "style.safetensors") == LoRA(path: "style.safetensors", scale: 1))
        #expect(LoRA(argument: "style.safetensors:0.8") == LoRA(path: "style.safetensors", scale: 0.8))
        #expect(LoRA(argument: "/a:b/style.safetensors:-1.5") == LoRA(path: "/a:b/style.safetensors", scale: -1.5))
        // A colon that is not followed by a number belongs to the path; a bare ":2" is a path too.
        #expect(LoRA(argument: "c:style.safetensors") == LoRA(path: "c:style.safetensors", scale: 1))
        #expect(LoRA(argument: ":2") == LoRA(path: ":2", scale: 1))
        #expect(LoRA(argument: "x.safetensors:nan") == LoRA(path: "x.safetensors:nan", scale: 1))
    }

    @Test func theStorePassesLoRAsToTheTransformer() throws {
        let lora = LoRA(path: fixturePath("lora/peft.safetensors"), scale: 0.7)
        let store = try ModelStore(single: ModelSource(folder: Self.model, loras: [lora], ignoresUnmatchedLoRAKeys: true))
        let files = try store.files(for: nil).files
        #expect(files.loras == [lora] && files.ignoresUnmatchedLoRAKeys)
        _ = try files.loadTransformer(dtype: .float32)
    }

    @Test func aBrokenLoRAStopsTheLoadNamingTheFile() throws {
        var files = try WanModelFiles(folder: Self.model)
        files.loras = [LoRA(path: fixturePath("lora/reference.safetensors"))]
        #expect(throws: LoRAError(path: fixturePath("lora/reference.safetensors"), .noAdapters)) {
            _ = try files.loadTransformer(dtype: .float32)
        }
        files.loras = [LoRA(path: "/nonexistent/style.safetensors")]
        #expect(throws: WeightFileError.self) { _ = try files.loadTransformer(dtype: .float32) }
    }

    @Test func theCacheKeysTheTransformerByItsLoRAs() throws {
        let cache = ModelCache(budgetBytes: 1 << 30)
        let plain = ModelCache.Key(model: Self.model, component: .transformer, precision: "f32")
        let styled = ModelCache.Key(model: Self.model, component: .transformer, precision: "f32",
                                    loras: [LoRA(path: "style.safetensors", scale: 0.5)])
        #expect(plain != styled)
        #expect(styled.description.hasSuffix("transformer f32 + style.safetensors:0.5"))
        _ = try cache.component(plain, estimatedBytes: { 1 }) { ("plain", 1) }
        #expect(try cache.component(styled, estimatedBytes: { 1 }) { ("styled", 1) } == "styled")
        #expect(cache.loadCount == 2)
    }
}
