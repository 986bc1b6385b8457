import NN
import Tensor

/// diffusers' `WanEncoder3d` for Wan 2.1 (docs/wan-reference.md §2.3): `conv_in`, per level `numResBlocks`
/// residual blocks then (except after the last level) a downsampler, the mid block, and the head
/// `norm_out → SiLU → conv_out` to `2·zDim` channels. Run one time chunk at a time.
///
/// Checkpoint keys (diffusers, under `encoder.`): `conv_in.*`, `down_blocks.{k}.*` (one flat list of
/// residual blocks and resamplers), `mid_block.*`, `norm_out.gamma`, `conv_out.*`.
struct Encoder: Sendable {
    enum Layer: Sendable {
        case residual(ResidualBlock)
        case resample(Resample)
    }

    let convIn: Conv3d
    let downBlocks: [Layer]
    let midBlock: MidBlock
    let normOut: ChannelRMSNorm
    let convOut: Conv3d

    init(scope: WeightScope, config: WanAutoencoder.Config, dtype: DType) throws {
        let dims = config.encoderDims
        convIn = try Conv3d(scope: scope["conv_in"], inChannels: config.inChannels, outChannels: dims[0],
                            kernel: [3, 3, 3], padding: [1, 1, 1], causal: true, dtype: dtype)
        var layers: [Layer] = []
        for level in 0..<config.dimMult.count {
            var inDim = dims[level]
            let outDim = dims[level + 1]
            for _ in 0..<config.numResBlocks {
                layers.append(.residual(try ResidualBlock(scope: scope["down_blocks"][layers.count], inChannels: inDim,
                                                          outChannels: outDim, dtype: dtype)))
                inDim = outDim
            }
            if level != config.dimMult.count - 1 {
                let mode: Resample.Mode = config.temperalDownsample[level] ? .downsample3d : .downsample2d
                layers.append(.resample(try Resample(scope: scope["down_blocks"][layers.count], channels: outDim,
                                                     mode: mode, dtype: dtype)))
            }
        }
        downBlocks = layers
        let width = dims[dims.count - 1]
        midBlock = try MidBlock(scope: scope["mid_block"], channels: width, dtype: dtype)
        normOut = try ChannelRMSNorm(scope: scope["norm_out"], channels: width, dtype: dtype)
        convOut = try Conv3d(scope: scope["conv_out"], inChannels: width, outChannels: 2 * config.zDim,
                             kernel: [3, 3, 3], padding: [1, 1, 1], causal: true, dtype: dtype)
    }

    /// One chunk of pixel frames `[B, Cin, t, H, W]` (t = 1 for the first chunk, 4 after) → its latent
    /// frames `[B, 2z, t', H/8, W/8]`, before `quant_conv`. Taps `encoder.conv_in`,
    /// `encoder.down_blocks.{k}`, `encoder.mid_block{,.resnets.0,.attentions.0}`, `encoder.norm_out`,
    /// `encoder.conv_out`.
    func callAsFunction(_ x: Tensor, cache: inout FeatureCache, taps: ChunkTaps, on backend: any Backend) throws -> Tensor {
        var x = try convIn(x, cache: &cache, on: backend)  // [B, C0, t, H, W]
        try taps.record("encoder.conv_in", x, on: backend)
        for (k, layer) in downBlocks.enumerated() {
            switch layer {
            case .residual(let block): x = try block(x, cache: &cache, on: backend)  // [B, C, t, h, w]
            case .resample(let resample): x = try resample(x, cache: &cache, on: backend)  // [B, C, t', h/2, w/2]
            }
            try taps.record("encoder.down_blocks.\(k)", x, on: backend)
        }
        x = try midBlock(x, cache: &cache, taps: taps, name: "encoder.mid_block", on: backend)  // [B, C, t', h, w]
        x = try normOut(x, on: backend)  // [B, C, t', h, w]
        try taps.record("encoder.norm_out", x, on: backend)
        x = try convOut(try backend.silu(x), cache: &cache, on: backend)  // [B, 2z, t', h, w]
        try taps.record("encoder.conv_out", x, on: backend)
        return x
    }
}
