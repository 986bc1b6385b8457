import NN
import Tensor

/// diffusers' `WanAttentionBlock` (docs/wan-reference.md §2.2): single-head self-attention over the H·W pixels of
/// each frame, time folded into the batch, added to the input. q, k and v are channel thirds of one
/// 1×1 convolution; the scale is 1/√C.
///
/// Checkpoint keys: `norm.gamma` `[C, 1, 1]`, `to_qkv.{weight,bias}` `[3C, C, 1, 1]`,
/// `proj.{weight,bias}` `[C, C, 1, 1]`.
struct AttentionBlock: Sendable {
    let norm: ChannelRMSNorm
    let toQKV: Conv2d
    let proj: Conv2d

    init(scope: WeightScope, channels: Int, dtype: DType) throws {
        norm = try ChannelRMSNorm(scope: scope["norm"], channels: channels, images: true, dtype: dtype)
        toQKV = try Conv2d(scope: scope["to_qkv"], inChannels: channels, outChannels: 3 * channels, kernel: [1, 1], dtype: dtype)
        proj = try Conv2d(scope: scope["proj"], inChannels: channels, outChannels: channels, kernel: [1, 1], dtype: dtype)
    }

    /// `x [B, C, T, H, W] → [B, C, T, H, W]`.
    func callAsFunction(_ x: Tensor, on backend: any Backend) throws -> Tensor {
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[3], x.shape[4])
        let frames = try foldTime(x, on: backend)  // [B·T, C, H, W]
        let bt = frames.shape[0]
        let qkv = try toQKV(try norm(frames, on: backend), on: backend).reshaped([bt, 3 * c, h * w])  // [B·T, 3C, H·W]
        func head(_ part: Int) throws -> Tensor {
            let channels = try backend.slice(qkv, axis: 1, start: part * c, end: (part + 1) * c)  // [B·T, C, H·W]
            return try backend.permute(channels, [0, 2, 1]).reshaped([bt, 1, h * w, c])  // [B·T, 1, H·W, C]
        }
        let attended = try backend.attention(query: try head(0), key: try head(1), value: try head(2),
                                             scale: 1 / Float(c).squareRoot())  // [B·T, 1, H·W, C]
        let channelsFirst = try backend.permute(try attended.reshaped([bt, h * w, c]), [0, 2, 1])  // [B·T, C, H·W]
        let projected = try proj(try channelsFirst.reshaped([bt, c, h, w]), on: backend)  // [B·T, C, H, W]
        return try backend.add(try unfoldTime(projected, batch: b, on: backend), x)  // [B, C, T, H, W]
    }
}
