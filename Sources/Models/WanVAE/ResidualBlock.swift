import NN
import Tensor

/// diffusers' `WanResidualBlock` (docs/wan-reference.md §2.2): `x → RMSN → SiLU → conv1 → RMSN → SiLU → conv2`,
/// plus the input (through a 1×1×1 `conv_shortcut` when the width changes). Both 3×3×3 convolutions
/// are causal and take one feature-cache slot each.
///
/// Checkpoint keys (diffusers): `norm1.gamma`, `conv1.{weight,bias}`, `norm2.gamma`,
/// `conv2.{weight,bias}`, `conv_shortcut.{weight,bias}` (when in ≠ out).
struct ResidualBlock: Sendable {
    let norm1: ChannelRMSNorm
    let conv1: Conv3d
    let norm2: ChannelRMSNorm
    let conv2: Conv3d
    let shortcut: Conv3d?

    init(scope: WeightScope, inChannels: Int, outChannels: Int, dtype: DType) throws {
        norm1 = try ChannelRMSNorm(scope: scope["norm1"], channels: inChannels, dtype: dtype)
        conv1 = try Conv3d(scope: scope["conv1"], inChannels: inChannels, outChannels: outChannels,
                           kernel: [3, 3, 3], padding: [1, 1, 1], causal: true, dtype: dtype)
        norm2 = try ChannelRMSNorm(scope: scope["norm2"], channels: outChannels, dtype: dtype)
        conv2 = try Conv3d(scope: scope["conv2"], inChannels: outChannels, outChannels: outChannels,
                           kernel: [3, 3, 3], padding: [1, 1, 1], causal: true, dtype: dtype)
        shortcut = inChannels == outChannels ? nil
            : try Conv3d(scope: scope["conv_shortcut"], inChannels: inChannels, outChannels: outChannels,
                         kernel: [1, 1, 1], causal: true, dtype: dtype)
    }

    /// `x [B, Cin, T, H, W] → [B, Cout, T, H, W]` for one time chunk.
    func callAsFunction(_ x: Tensor, cache: inout FeatureCache, on backend: any Backend) throws -> Tensor {
        let identity = try shortcut.map { try $0(x, on: backend) } ?? x  // [B, Cout, T, H, W]
        var y = try norm1(x, silu: true, on: backend)  // [B, Cin, T, H, W]
        y = try conv1(y, cache: &cache, on: backend)  // [B, Cout, T, H, W]
        y = try norm2(y, silu: true, on: backend)  // [B, Cout, T, H, W]
        y = try conv2(y, cache: &cache, on: backend)  // [B, Cout, T, H, W]
        return try backend.add(y, identity)  // [B, Cout, T, H, W]
    }
}

/// diffusers' `WanMidBlock` with one layer: residual block, per-frame attention, residual block.
///
/// Checkpoint keys (diffusers): `resnets.0.*`, `attentions.0.*`, `resnets.1.*`.
struct MidBlock: Sendable {
    let first: ResidualBlock
    let attention: AttentionBlock
    let second: ResidualBlock

    init(scope: WeightScope, channels: Int, dtype: DType) throws {
        first = try ResidualBlock(scope: scope["resnets.0"], inChannels: channels, outChannels: channels, dtype: dtype)
        attention = try AttentionBlock(scope: scope["attentions.0"], channels: channels, dtype: dtype)
        second = try ResidualBlock(scope: scope["resnets.1"], inChannels: channels, outChannels: channels, dtype: dtype)
    }

    /// `x [B, C, T, H, W] → [B, C, T, H, W]`; taps `<name>.resnets.0`, `<name>.attentions.0`, `<name>`.
    func callAsFunction(_ x: Tensor, cache: inout FeatureCache, taps: ChunkTaps, name: String,
                        on backend: any Backend) throws -> Tensor {
        var y = try first(x, cache: &cache, on: backend)  // [B, C, T, H, W]
        try taps.record("\(name).resnets.0", y, on: backend)
        y = try attention(y, on: backend)  // [B, C, T, H, W]
        try taps.record("\(name).attentions.0", y, on: backend)
        y = try second(y, cache: &cache, on: backend)  // [B, C, T, H, W]
        try taps.record(name, y, on: backend)
        return y
    }
}
