extension UMT5Encoder.Config {
    /// The largest attention width `num_heads × d_kv` this port takes (umt5-xxl: 64 × 64 = 4096).
    public static let largestInnerDim = 65_536

    /// The largest value this port takes for the size field `name` (as `config.json` spells it).
    /// Each is many times umt5-xxl's (vocabulary 256,384, width 4096, 64 heads of 64, FFN 10,240, 24
    /// layers, 32 buckets over 128 positions), so that any real config passes while a hostile one
    /// is refused before a size product overflows or a layer list of a billion entries is built.
    public static func largestSize(_ name: String) -> Int {
        switch name {
        case "vocab_size", "d_ff": return 1 << 22
        case "num_heads", "d_kv": return 1024
        case "num_layers": return 1000
        default: return 65_536  // d_model, relative_attention_num_buckets, relative_attention_max_distance
        }
    }
}
