extension WanTransformer.Config {
    /// The largest side of `patch_size` this port takes (every Wan model uses (1, 2, 2)).
    public static let largestPatchSide = 16
    /// The largest model width `num_attention_heads × attention_head_dim` (Wan 14B: 5120).
    public static let largestModelWidth = 65_536
    /// The largest block count, `num_layers` (Wan 14B: 40).
    public static let largestLayerCount = 1000

    /// The largest value this port takes for the size field `name` (as `config.json` spells it).
    /// Each is many times the largest released Wan model's (14B: 40 heads of 128, FFN 13824, 40
    /// layers, text 4096, 36 channels in), so that any real config passes while a hostile one is
    /// refused before a size product overflows or a block list of a billion entries is built.
    public static func largestSize(_ name: String) -> Int {
        switch name {
        case "num_attention_heads", "attention_head_dim": return 1024
        case "in_channels", "out_channels", "vace_in_channels": return 4096
        case "ffn_dim": return 1 << 20
        case "num_layers": return largestLayerCount
        default: return 65_536  // text_dim, freq_dim, rope_max_seq_len, image_dim, added_kv_proj_dim, pos_embed_seq_len
        }
    }
}
