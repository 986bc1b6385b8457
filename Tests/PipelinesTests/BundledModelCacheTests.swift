#if canImport(Glibc)
import Glibc
#endif
import CPUBackend
import Media
import Pipelines
import Tensor
import TestSupport
import Testing

/// Generations on the bundled model (models/zoetrope-tiny) through a ``ModelCache``: each component
/// loads once and is reused, the output is bit for bit the uncached one, a small budget evicts the
/// least recently used component, and a budget of 0 loads everything every time as without a cache.
@Suite(.serialized) struct BundledModelCacheTests {
    static let folder = repositoryPath("models/zoetrope-tiny")
    static let textToVideo: [ModelCache.Key.Component] = [.tokenizer, .textEncoder, .transformer, .vaeDecoder]

    /// What a generation gives back: the final latents and every output frame's values.
    struct Output: Equatable {
        let latents: [Float]
        let frames: [Float]
    }

    static func generate(cache: ModelCache?, precision: WanPrecision = .reference, conditioning: Conditioning = Conditioning(),
                         onProgress: (GenerationProgress) -> Void = { _ in }) throws -> Output {
        let generator = Generator(store: try ModelStore(single: ModelSource(folder: folder)), precision: precision,
                                  backend: CPUBackend(), cache: cache)
        let request = try generator.validate(GenerationRequest(prompt: "a red ball on the grass", frames: 5, steps: 2, seed: 11,
                                                               conditioning: conditioning))
        var frames: [Float] = []
        let latents = try generator.run(request, onProgress: onProgress, onFrames: { frames += $0.floats() })
        return Output(latents: latents.floats(), frames: frames)
    }

    static let uncached = Result { try generate(cache: nil) }

    static func key(_ component: ModelCache.Key.Component, _ precision: WanPrecision = .reference) -> ModelCache.Key {
        let dtype = switch component {
        case .tokenizer: ""
        case .textEncoder: precision.textEncoder.rawValue
        case .transformer: precision.transformer.rawValue
        case .vaeEncoder, .vaeDecoder: precision.vae.rawValue
        case .tinyDecoder: DType.float32.rawValue
        case .imageEncoder: precision.imageEncoder.rawValue
        }
        return ModelCache.Key(model: folder, component: component, precision: dtype)
    }

    /// The bytes of a weight file's tensors (those `included` names) held as float32.
    static func float32Bytes(_ file: String, _ included: (String) -> Bool = { _ in true }) throws -> Int {
        try SafeTensorsFile(path: folder + "/" + file).entries.filter { included($0.name) }.reduce(0) { $0 + 4 * $1.elementCount }
    }

    @Test func eachComponentLoadsOnceAndTheOutputIsTheUncachedOne() throws {
        let cache = ModelCache(budgetBytes: 1 << 30)
        let expected = try Self.uncached.get()
        #expect(try Self.generate(cache: cache) == expected)
        #expect(try Self.generate(cache: cache) == expected)
        #expect(cache.loadCount == 4)
        for component in Self.textToVideo { #expect(cache.loadCount(of: Self.key(component)) == 1, "\(component)") }
        #expect(cache.entries.map(\.key) == Self.textToVideo.map { Self.key($0) })
        #expect(cache.loadedBytes == cache.entries.reduce(0) { $0 + $1.bytes })

        // The reference policy holds the transformer in bf16 but a few modules in float32.
        let transformer = try #require(cache.entries.first { $0.key.component == .transformer }).bytes
        let parameters = try ModelFolder(path: Self.folder).component(named: "transformer")?.openWeights()?.parameterCount ?? 0
        #expect(transformer > 2 * parameters && transformer < 3 * parameters)

        // An image to animate needs the VAE's encoder, loaded now; the rest is reused.
        let image = try VideoFrames(width: 256, height: 256, count: 1, pixels: [UInt8](repeating: 90, count: 256 * 256 * 3))
        _ = try Self.generate(cache: cache, conditioning: Conditioning(image: image))
        #expect(cache.loadCount == 5 && cache.loadCount(of: Self.key(.vaeEncoder)) == 1)
        #expect(cache.entries.map(\.key.component) == [.tokenizer, .textEncoder, .vaeEncoder, .transformer, .vaeDecoder])
    }

    /// Two generations at once, each on its own thread (``Generator/events(_:noise:)``), share the
    /// components: each loads once, and both outputs are the uncached one.
    @Test func generationsRunningAtOnceShareTheComponents() async throws {
        let cache = ModelCache(budgetBytes: 1 << 30)
        let generator = Generator(store: try ModelStore(single: ModelSource(folder: Self.folder)), backend: CPUBackend(),
                                  cache: cache)
        let request = try generator.validate(GenerationRequest(prompt: "a red ball on the grass", frames: 5, steps: 2, seed: 11))
        func output(_ events: AsyncThrowingStream<GenerationEvent, any Error>) async throws -> Output {
            var frames: [Float] = [], latents: [Float] = []
            for try await event in events {
                if case .frames(let chunk) = event { frames += chunk.floats() }
                if case .finished(let final) = event { latents = final.floats() }
            }
            return Output(latents: latents, frames: frames)
        }
        async let first = output(generator.events(request))
        async let second = output(generator.events(request))
        let expected = try Self.uncached.get()
        #expect(try await first == expected)
        #expect(try await second == expected)
        #expect(cache.loadCount == 4)
    }

    @Test func aBudgetOfZeroLoadsEveryComponentEveryTime() throws {
        let cache = ModelCache(budgetBytes: 0)
        let expected = try Self.uncached.get()
        #expect(try Self.generate(cache: cache) == expected)
        #expect(try Self.generate(cache: cache) == expected)
        #expect(cache.entries.isEmpty && cache.loadedBytes == 0 && cache.loadCount == 8)
        for component in Self.textToVideo { #expect(cache.loadCount(of: Self.key(component)) == 2, "\(component)") }
    }

    /// In float32 every size is known from the files: a budget of exactly the transformer and the VAE
    /// decoder keeps those two after a generation, and the next one's prompt stage pushes them out
    /// again, least recently used first.
    @Test func aSmallBudgetEvictsTheLeastRecentlyUsed() throws {
        let tokenizerBytes = try #require(Self.fileSize("tokenizer/tokenizer.json"))
        let textEncoder = try Self.float32Bytes("text_encoder/model.safetensors")
        let decoder = try Self.float32Bytes("vae/diffusion_pytorch_model.safetensors") {
            $0.hasPrefix("decoder.") || $0.hasPrefix("post_quant_conv.")
        }
        let transformerWeights = try ModelFolder(path: Self.folder).component(named: "transformer")?.openWeights()
        let transformer = 4 * (try #require(transformerWeights)).parameterCount
        try #require(tokenizerBytes + textEncoder < decoder)

        let cache = ModelCache(budgetBytes: transformer + decoder)
        func float32(_ component: ModelCache.Key.Component) -> ModelCache.Key { Self.key(component, .float32) }
        _ = try Self.generate(cache: cache, precision: .float32)
        #expect(cache.entries.map(\.key) == [float32(.transformer), float32(.vaeDecoder)])
        #expect(cache.entries.map(\.bytes) == [transformer, decoder] && cache.loadedBytes == cache.budgetBytes)

        // The next prompt stage pushes out the transformer (least recently used), and the transformer
        // then the VAE decoder: while it denoises, the cache holds the prompt's components and it.
        var whileDenoising: [ModelCache.Entry]?
        _ = try Self.generate(cache: cache, precision: .float32, onProgress: { progress in
            if progress.stage == .denoising, whileDenoising == nil { whileDenoising = cache.entries }
        })
        #expect(whileDenoising?.map(\.key) == [float32(.tokenizer), float32(.textEncoder), float32(.transformer)])
        #expect(whileDenoising?.map(\.bytes) == [tokenizerBytes, textEncoder, transformer])
        #expect(cache.entries.map(\.key) == [float32(.transformer), float32(.vaeDecoder)])
        #expect(cache.loadCount == 8)
    }

    /// The size of the bundled model's file `relative`.
    static func fileSize(_ relative: String) -> Int? {
        var info = stat()
        return stat(folder + "/" + relative, &info) == 0 ? Int(info.st_size) : nil
    }
}
