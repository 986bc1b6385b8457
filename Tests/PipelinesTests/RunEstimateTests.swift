import Pipelines
import Tensor
import Testing
import UMT5
import WanDiT
import WanVAE

/// The up-front memory estimate against the peaks measured in docs/performance.md ("Wan 2.1 at real
/// sizes"): each within 10 % (the VAE's errs high, which is the safe side for refusing a run).
@Suite struct RunEstimateTests {
    let umt5XXL: UMT5Encoder.Config

    init() throws {
        umt5XXL = try UMT5Encoder.Config(json: try JSONValue(parsing: """
            {"vocab_size": 256384, "d_model": 4096, "d_kv": 64, "num_heads": 64, "d_ff": 10240, "num_layers": 24,
             "feed_forward_proj": "gated-gelu"}
            """))
    }

    private func estimate(_ precision: WanPrecision, width: Int, height: Int, frames: Int) -> RunEstimate {
        let latentFrames = (frames - 1) / 4 + 1
        return .wan(transformer: .wan21T2V1_3B, textEncoder: umt5XXL, vae: WanAutoencoder.Config(), precision: precision,
                    latentShape: [1, 16, latentFrames, height / 8, width / 8], calls: 100, width: width, height: height)
    }

    private func mebibytes(_ estimate: RunEstimate, _ stage: String) -> Double {
        Double(estimate.stages.first { $0.name == stage }?.bytes ?? 0) / Double(1 << 20)
    }

    @Test func theTransformerCallMatchesTheMeasuredPeaks() {
        let bf16 = mebibytes(estimate(.reference, width: 256, height: 256, frames: 17), "transformer")
        #expect(abs(bf16 / 2960 - 1) < 0.1, "bf16: \(bf16) MiB against 2,960 measured")
        let f32 = mebibytes(estimate(.float32, width: 256, height: 256, frames: 17), "transformer")
        #expect(abs(f32 / 5643 - 1) < 0.1, "f32: \(f32) MiB against 5,643 measured")
    }

    @Test func theVAEDecodeMatchesTheMeasuredPeakOnTheSafeSide() {
        let decode = mebibytes(estimate(.reference, width: 832, height: 480, frames: 5), "VAE decode")
        #expect(decode >= 9501 && decode < 9501 * 1.1, "\(decode) MiB against 9,501 measured")
        // Streamed in chunks: 81 frames need no more than 5 (10,158 MiB measured, the cache grown).
        #expect(mebibytes(estimate(.reference, width: 832, height: 480, frames: 81), "VAE decode") == decode)
    }

    /// The tiny decoder's stage against its measured peaks without the allocator's cache
    /// (docs/tiny-decoder.md: 386 MiB at 256x256x17, 1,408 MiB at 480x832x17), and its arithmetic
    /// against the VAE's.
    @Test func theTinyDecoderMatchesTheMeasuredPeaksOnTheSafeSide() {
        func tiny(width: Int, height: Int) -> RunEstimate {
            .wan(transformer: .wan21T2V1_3B, textEncoder: umt5XXL, vae: WanAutoencoder.Config(), precision: .reference,
                 latentShape: [1, 16, 5, height / 8, width / 8], calls: 100, width: width, height: height, tinyDecoder: true)
        }
        let small = mebibytes(tiny(width: 256, height: 256), "tiny decoder")
        #expect(small >= 386 && small < 386 * 1.1, "\(small) MiB against 386 measured")
        let large = mebibytes(tiny(width: 832, height: 480), "tiny decoder")
        #expect(large >= 1408 && large < 1408 * 1.1, "\(large) MiB against 1,408 measured")
        #expect(mebibytes(tiny(width: 256, height: 256), "VAE decode") == 0)
        // About 0.45 TFLOP for 17 frames of 256x256, some 20 times less than the VAE.
        let flops = tiny(width: 256, height: 256).decodeFLOPs
        #expect(abs(flops / 0.446e12 - 1) < 0.01, "\(flops)")
        #expect(estimate(.reference, width: 256, height: 256, frames: 17).decodeFLOPs > 15 * flops)
    }

    @Test func theTextEncoderIsUMT5XXLInBF16() {
        // 5.7 billion parameters at 2 bytes: the largest stage of a small video with Wan.
        let text = mebibytes(estimate(.reference, width: 256, height: 256, frames: 17), "text encoder")
        #expect(text > 10_500 && text < 11_500, "\(text) MiB")
    }

    /// The host allocator keeps freed blocks for reuse, so the process's peak is the largest stage
    /// plus what it may hold of the stages before, up to its capacity.
    @Test func thePeakCountsTheAllocatorsCache() {
        let run = estimate(.reference, width: 832, height: 480, frames: 81)
        let largest = run.stages.map(\.bytes).max() ?? 0
        let working = run.stages.map(\.workingBytes).max() ?? 0
        #expect(run.allocatorCacheBytes == min(HostMemory.cacheCapacityBytes, working))
        #expect(run.peakBytes == largest + run.allocatorCacheBytes)
        let uncached = RunEstimate.wan(transformer: .wan21T2V1_3B, textEncoder: umt5XXL, vae: WanAutoencoder.Config(),
                                       precision: .reference, latentShape: [1, 16, 21, 60, 104], calls: 100,
                                       width: 832, height: 480, cacheCapacity: 0)
        #expect(uncached.peakBytes == largest)
    }

    @Test func arithmeticGrowsWithTheRequest() {
        let small = estimate(.reference, width: 256, height: 256, frames: 17)
        let large = estimate(.reference, width: 512, height: 512, frames: 17)
        #expect(large.transformerFLOPs > 4 * small.transformerFLOPs)  // 4x the tokens, attention grows faster
        #expect(large.decodeFLOPs == 4 * small.decodeFLOPs)
        #expect(small.transformerCalls == 100)
    }
}
