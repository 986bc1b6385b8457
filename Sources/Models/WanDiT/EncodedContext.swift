import NN
import Synchronization
import Tensor

/// The text-dependent part of a transformer pass, computed once per prompt: the projected text
/// `[B, L, D]`, the embedded image tokens `[B, M, D]` (I2V), and optionally every block's
/// cross-attention keys and values, which the denoising loop would otherwise recompute at every step
/// (2 · L · D² multiply-adds per block and per projection). Valid only for the transformer that made it:
/// Wan 2.2's two experts each need their own.
public struct EncodedContext: Sendable {
    /// The text projection `condition_embedder.text_embedder(context)`, `[B, L, D]`, or `[B, L', D]` with
    /// the prompt's zero padding folded (`textKeyBias`).
    public let text: Tensor
    /// `[B, L']` float32 log multiplicities of the text rows when the prompt's zero padding is folded
    /// (``FoldedTextPadding``: `text` then keeps L' ≤ L rows), else nil.
    let textKeyBias: Tensor?
    /// The image embedder's output `[B, M, D]`, or nil (T2V).
    public let image: Tensor?
    /// Per block, the cross-attention keys and values; nil when not cached.
    let keyValues: [CrossKeyValues]?
    /// Per VACE block, the cross-attention keys and values; nil when not cached or not a VACE model.
    let vaceKeyValues: [CrossKeyValues]?
    let owner: ModelIdentity

    /// The batch size.
    public var batchSize: Int { text.shape[0] }
    /// Whether the blocks' keys and values are cached.
    public var cachesKeyValues: Bool { keyValues != nil }
}

extension WanTransformer {
    /// Projects the text encoder's states `context` `[B, L, text_dim]` and, for I2V, embeds
    /// `imageContext` `[B, M, image_dim]`; with `cachingKeyValues`, also computes each block's
    /// cross-attention keys and values (about `2 · layers · B · (L + M) · D` values: 190 MB in float32
    /// for the 1.3B model at B = 1, L = 512), a VACE model's VACE blocks' too. Trailing zero rows of
    /// `context` (WanPipeline's padding) are folded into one row per batch item first
    /// (``FoldedTextPadding``), so L is the longest prompt's rows + 1. Taps `context` (the projected
    /// text, unfolded to the input's rows) and `image_context` (the embedded image tokens).
    public func encodeContext(_ context: Tensor, imageContext: Tensor? = nil, cachingKeyValues: Bool = true,
                              taps: Taps? = nil, on backend: any Backend) throws -> EncodedContext {
        guard context.rank == 3, context.shape[2] == config.textDim else {
            throw WanTransformerError.invalidInput("context \(context.shape) must be [B, L, \(config.textDim)]")
        }
        // WanPipeline's zero padding: identical rows, folded into one with a key bias.
        let folded = try FoldedTextPadding(context: context)
        let kept = try folded.map { try backend.slice(context, axis: 1, start: 0, end: $0.keptRows) } ?? context
        let text = try embedder.text(kept, on: backend)  // [B, L', D]
        if let taps, taps.wants("context") { taps.record("context", try folded?.unfolded(text, on: backend) ?? text) }
        var image: Tensor?
        if let imageEmbedder = embedder.image {
            guard let imageContext else {
                throw WanTransformerError.invalidInput("this image-to-video model needs an image context")
            }
            guard imageContext.rank == 3, imageContext.shape[0] == context.shape[0],
                  imageContext.shape[2] == imageEmbedder.imageDim else {
                throw WanTransformerError.invalidInput(
                    "image context \(imageContext.shape) must be [\(context.shape[0]), M, \(imageEmbedder.imageDim)]")
            }
            let embedded = try imageEmbedder(imageContext, on: backend)  // [B, M, D]
            taps.record("image_context", embedded)
            image = embedded
        } else if imageContext != nil {
            throw WanTransformerError.invalidInput("this text-to-video model takes no image context")
        }
        let keyValues = cachingKeyValues
            ? try blocks.map { try $0.attn2.keyValues(text: text, textBias: folded?.keyBias, image: image, on: backend) } : nil
        let vaceKeyValues = cachingKeyValues
            ? try vace?.blocks.map {
                try $0.block.attn2.keyValues(text: text, textBias: folded?.keyBias, image: image, on: backend)
            } : nil
        return EncodedContext(text: text, textKeyBias: folded?.keyBias, image: image, keyValues: keyValues, vaceKeyValues: vaceKeyValues, owner: identity)
    }
}

/// A token identifying one loaded transformer, so that an ``EncodedContext`` is never used with
/// another one.
final class ModelIdentity: Sendable {}

/// Rotary tables by token grid, kept across calls (a denoising loop uses one grid throughout).
final class RotaryCache: Sendable {
    private let tables = Mutex([[Int]: RotaryTables]())
    private static let limit = 8

    subscript(grid: [Int]) -> RotaryTables? {
        get { tables.withLock { $0[grid] } }
        set {
            tables.withLock { table in
                if table.count >= RotaryCache.limit { table.removeAll() }
                table[grid] = newValue
            }
        }
    }
}
