extension CLIPVisionEncoder.Config {
    /// The most tokens per image this port takes (ViT-H/14 at 224: 257; at 1024 pixels in
    /// 14-pixel patches: 5330).
    public static let largestTokenCount = 1 << 16

    /// The largest value this port takes for the size field `name` (as `config.json` spells it).
    /// Each is many times the largest released CLIP vision tower's (ViT-bigG/14: width 1664, MLP
    /// 8192, 48 layers of 16 heads; images up to 448 pixels), so that any real config passes while
    /// a hostile one is refused before a size product overflows or a list of a billion layers is built.
    public static func largestSize(_ name: String) -> Int {
        switch name {
        case "intermediate_size": return 1 << 20
        case "num_hidden_layers": return 1000
        case "num_attention_heads", "patch_size": return 1024
        case "num_channels": return 64
        case "image_size": return 16_384
        default: return 65_536  // hidden_size
        }
    }
}
