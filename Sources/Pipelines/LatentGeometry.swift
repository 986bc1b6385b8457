import Tensor
import WanDiT
import WanVAE

/// How a model family maps pixel video to the latent video its transformer denoises: channels,
/// compression in time and space, and the transformer's patch. It comes from the loaded model's
/// configs, never from constants in a request, so another family (LTX-Video: 128 channels, 32x32x8,
/// patch 1) fits without touching the request types.
///
/// Time is causal, as in Wan's VAE (docs/wan-reference.md §2.4): latent frame 0 encodes pixel frame 0
/// alone, and latent frame k ≥ 1 encodes pixel frames `tc·(k−1)+1 ... tc·k` (tc = temporal compression).
public struct LatentGeometry: Sendable, Equatable {
    /// Latent channels (the VAE's `z_dim`).
    public var channels: Int
    /// Pixel frames per latent frame after the first (4 for Wan 2.1).
    public var temporalCompression: Int
    /// Pixels per latent element along each spatial axis (8 for Wan 2.1).
    public var spatialCompression: Int
    /// The transformer's patch `[t, h, w]` in latent elements ((1, 2, 2) for Wan 2.1).
    public var patch: [Int]

    public init(channels: Int, temporalCompression: Int, spatialCompression: Int, patch: [Int]) {
        self.channels = channels
        self.temporalCompression = temporalCompression
        self.spatialCompression = spatialCompression
        self.patch = patch
    }

    /// Wan 2.1's geometry: 16 channels, 4x8x8 compression, patch (1, 2, 2).
    public static let wan21 = LatentGeometry(channels: 16, temporalCompression: 4, spatialCompression: 8, patch: [1, 2, 2])

    /// The geometry of a Wan VAE and transformer pair. Throws ``GenerationError/invalidRequest(_:)``
    /// when they do not fit together (the transformer reads other channels than the VAE writes).
    public init(vae: WanAutoencoder.Config, transformer: WanTransformer.Config) throws {
        let halvings = vae.temperalDownsample.prefix(vae.spatialDownsamplings).filter { $0 }.count
        self.init(channels: vae.zDim, temporalCompression: 1 << halvings,
                  spatialCompression: 1 << vae.spatialDownsamplings, patch: transformer.patchSize)
        guard transformer.inChannels >= vae.zDim, transformer.outChannels == vae.zDim else {
            throw GenerationError.invalidRequest(
                "the transformer reads \(transformer.inChannels) and writes \(transformer.outChannels) latent channels, but the VAE makes \(vae.zDim)")
        }
    }

    /// Width and height must be multiples of this: the spatial compression times the larger
    /// spatial patch side.
    public var sizeMultiple: Int { spatialCompression * max(patch.count == 3 ? max(patch[1], patch[2]) : 1, 1) }

    /// Whether `frames` pixel frames make whole latent frames (`1 + tc·k`).
    public func isValid(frames: Int) -> Bool { frames >= 1 && (frames - 1) % temporalCompression == 0 }

    /// Latent frames for `frames` pixel frames (of the form `1 + tc·k`).
    public func latentFrames(forPixelFrames frames: Int) -> Int { (frames - 1) / temporalCompression + 1 }

    /// Pixel frames decoded from `latentFrames` latent frames.
    public func pixelFrames(forLatentFrames latentFrames: Int) -> Int { (latentFrames - 1) * temporalCompression + 1 }

    /// The pixel frames latent frame `k` covers.
    public func pixelFrames(ofLatentFrame k: Int) -> Range<Int> {
        k == 0 ? 0..<1 : (temporalCompression * (k - 1) + 1)..<(temporalCompression * k + 1)
    }

    /// The latent shape `[1, channels, T, height/s, width/s]` of a `width`x`height` video of `frames` frames.
    public func latentShape(frames: Int, width: Int, height: Int) -> [Int] {
        [1, channels, latentFrames(forPixelFrames: frames), height / spatialCompression, width / spatialCompression]
    }
}
