#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPUBackend
import Tensor
import Testing
import WanVAE

extension WanVAETests {
    /// A measurement, off unless `ZOETROPE_WAN_FOLDER` names a diffusers Wan folder (the real 1.3B VAE
    /// config; `tools/bench/make_random_wan.py` writes one with random weights): decodes the same random
    /// latents `[1, 16, 3, 16, 16]` (9 frames of 128×128) with the VAE in bf16 (bf16 convolutions, f32
    /// accumulation) and in f32, prints the error in [-1, 1] pixel units and in 8-bit levels
    /// (× 127.5), and holds the bf16 decode to the whole-model bf16 tolerance (cosine ≥ 0.999):
    ///
    ///     ZOETROPE_WAN_FOLDER=/work/scratch-gguf/wan-1.3b-random swift test -c release --skip-build --filter BFloat16ErrorMeasurement
    @Suite struct BFloat16ErrorMeasurement {
        static let folder = getenv("ZOETROPE_WAN_FOLDER").map { String(cString: $0) }

        @Test(.enabled(if: folder != nil)) func bf16DecodeAgainstF32() throws {
            let backend = CPUBackend()
            guard let path = BFloat16ErrorMeasurement.folder, let component = try ModelFolder(path: path).component(named: "vae") else {
                Issue.record("no vae component in ZOETROPE_WAN_FOLDER")
                return
            }
            var noise = GaussianNoise(seed: 3)
            let latents = noise.tensor([1, 16, 3, 16, 16])
            let exact = try WanAutoencoder(component: component, weightType: .float32, parts: .decoder)
                .decode(latents, on: backend).floats()
            let fast = try WanAutoencoder(component: component, weightType: .bfloat16, parts: .decoder)
                .decode(latents, on: backend)
            #expect(fast.dtype == .float32)
            let values = fast.floats()
            var largest: Float = 0, total: Double = 0
            for (a, e) in zip(values, exact) {
                largest = max(largest, abs(a - e))
                total += Double(abs(a - e))
            }
            let mean = Float(total / Double(values.count))
            print("vae bf16 vs f32, \(fast.shape): max abs \(largest) (\(largest * 127.5) 8-bit levels), "
                  + "mean abs \(mean) (\(mean * 127.5) levels), cosine \(Tolerance.cosineSimilarity(values, exact))")
            #expect(Tolerance.cosineSimilarity(values, exact) >= Tolerance.bfloat16Model.minimumCosine ?? 1)
        }
    }
}
