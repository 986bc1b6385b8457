import NN
import Tensor

/// diffusers' `WanDecoder3d` for Wan 2.1 (docs/wan-reference.md §2.3): `conv_in`, the mid block, per level
/// `numResBlocks + 1` residual blocks then (except after the last level) an upsampler that halves
/// the width, and the head `norm_out → SiLU → conv_out`. Run one latent frame at a time.
///
/// Checkpoint keys (diffusers, under `decoder.`): `conv_in.*`, `mid_block.*`,
/// `up_blocks.{i}.resnets.{j}.*`, `up_blocks.{i}.upsamplers.0.*`, `norm_out.gamma`, `conv_out.*`.
struct Decoder: Sendable {
    /// diffusers' `WanUpBlock`.
    struct UpBlock: Sendable {
        let resnets: [ResidualBlock]
        let upsampler: Resample?
    }

    let convIn: Conv3d
    let midBlock: MidBlock
    let upBlocks: [UpBlock]
    let normOut: ChannelRMSNorm
    let convOut: Conv3d

    init(scope: WeightScope, config: WanAutoencoder.Config, dtype: DType) throws {
        let dims = config.decoderDims
        convIn = try Conv3d(scope: scope["conv_in"], inChannels: config.zDim, outChannels: dims[0],
                            kernel: [3, 3, 3], padding: [1, 1, 1], causal: true, dtype: dtype)
        midBlock = try MidBlock(scope: scope["mid_block"], channels: dims[0], dtype: dtype)
        var blocks: [UpBlock] = []
        for level in 0..<config.dimMult.count {
            let blockScope = scope["up_blocks"][level]
            // Every upsampler halves the width, so later levels start at half the listed width.
            var inDim = level > 0 ? dims[level] / 2 : dims[level]
            let outDim = dims[level + 1]
            var resnets: [ResidualBlock] = []
            for j in 0...config.numResBlocks {
                resnets.append(try ResidualBlock(scope: blockScope["resnets"][j], inChannels: inDim,
                                                 outChannels: outDim, dtype: dtype))
                inDim = outDim
            }
            var upsampler: Resample?
            if level != config.dimMult.count - 1 {
                let mode: Resample.Mode = config.temporalUpsample(level: level) ? .upsample3d : .upsample2d
                upsampler = try Resample(scope: blockScope["upsamplers.0"], channels: outDim, mode: mode, dtype: dtype)
            }
            blocks.append(UpBlock(resnets: resnets, upsampler: upsampler))
        }
        upBlocks = blocks
        let width = dims[dims.count - 1]
        normOut = try ChannelRMSNorm(scope: scope["norm_out"], channels: width, dtype: dtype)
        convOut = try Conv3d(scope: scope["conv_out"], inChannels: width, outChannels: config.outChannels,
                             kernel: [3, 3, 3], padding: [1, 1, 1], causal: true, dtype: dtype)
    }

    /// One latent frame `[B, z, 1, h, w]` (after `post_quant_conv`) → its pixel frames
    /// `[B, Cout, t, 8h, 8w]` (t = 1 for the first chunk, 4 after), not yet clamped. Taps
    /// `decoder.conv_in`, `decoder.mid_block{,.resnets.0,.attentions.0}`, `decoder.up_blocks.{i}`,
    /// `decoder.norm_out`, `decoder.conv_out`.
    func callAsFunction(_ z: Tensor, cache: inout FeatureCache, taps: ChunkTaps, on backend: any Backend) throws -> Tensor {
        var x = try convIn(z, cache: &cache, on: backend)  // [B, C0, 1, h, w]
        try taps.record("decoder.conv_in", x, on: backend)
        x = try midBlock(x, cache: &cache, taps: taps, name: "decoder.mid_block", on: backend)  // [B, C0, 1, h, w]
        for (i, block) in upBlocks.enumerated() {
            for (j, resnet) in block.resnets.enumerated() {
                x = try resnet(x, cache: &cache, on: backend)  // [B, C, t, H, W]
                try taps.record("decoder.up_blocks.\(i).resnets.\(j)", x, on: backend)
            }
            if let upsampler = block.upsampler { x = try upsampler(x, cache: &cache, on: backend) }  // [B, C/2, t', 2H, 2W]
            try taps.record("decoder.up_blocks.\(i)", x, on: backend)
        }
        x = try normOut(x, on: backend)  // [B, C, t, H, W]
        try taps.record("decoder.norm_out", x, on: backend)
        x = try convOut(try backend.silu(x), cache: &cache, on: backend)  // [B, Cout, t, H, W]
        try taps.record("decoder.conv_out", x, on: backend)
        return x
    }
}
