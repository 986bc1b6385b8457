extension WanAutoencoder.Config {
    /// The most levels `dim_mult` may list (Wan 2.1: 4). Each level after the first halves height
    /// and width, so 8 levels already ask for sides that are multiples of 128.
    public static let largestLevelCount = 8
    /// The widest level this port takes, `base_dim × dim_mult[i]` (Wan 2.1: 96 × 4 = 384).
    public static let largestWidth = 65_536

    /// The largest value this port takes for the size field `name` (as `config.json` spells it).
    /// Each is many times the Wan 2.1 VAE's (base 96, z 16, multipliers up to 4, 2 residual blocks,
    /// 3 pixel channels), so that any real config passes while a hostile one is refused before a
    /// width product overflows.
    public static func largestSize(_ name: String) -> Int {
        switch name {
        case "base_dim", "decoder_base_dim", "z_dim": return 4096
        case "dim_mult": return 64
        case "num_res_blocks", "in_channels", "out_channels": return 64
        default: return 65_536
        }
    }

    /// Throws ``WanVAEError/invalidConfig(file:field:detail:)`` for a size above its bound, a level
    /// wider than ``largestWidth``, or latent statistics that are not finite. Sizes are known to be
    /// positive here.
    func checkBounds() throws {
        func fail(_ field: String, _ detail: String) -> WanVAEError { .invalidConfig(file: nil, field: field, detail: detail) }
        let sizes = [("base_dim", baseDim), ("decoder_base_dim", decoderBaseDim ?? baseDim), ("z_dim", zDim),
                     ("num_res_blocks", numResBlocks), ("in_channels", inChannels), ("out_channels", outChannels)]
        for (field, value) in sizes where value > Self.largestSize(field) {
            throw fail(field, "is \(value), above the largest this port takes, \(Self.largestSize(field))")
        }
        guard dimMult.count <= Self.largestLevelCount else {
            throw fail("dim_mult", "has \(dimMult.count) levels, more than the \(Self.largestLevelCount) this port takes")
        }
        if let index = dimMult.firstIndex(where: { $0 > Self.largestSize("dim_mult") }) {
            throw fail("dim_mult[\(index)]", "is \(dimMult[index]), above the largest this port takes, \(Self.largestSize("dim_mult"))")
        }
        // Both factors are bounded above, so the products cannot overflow.
        let base = max(baseDim, decoderBaseDim ?? baseDim)
        if let index = dimMult.firstIndex(where: { base * $0 > Self.largestWidth }) {
            throw fail("dim_mult[\(index)]", "makes a level \(base) × \(dimMult[index]) = \(base * dimMult[index]) wide, "
                + "above the largest width this port takes, \(Self.largestWidth)")
        }
        for (field, stats) in [("latents_mean", latentsMean), ("latents_std", latentsStd)] {
            if let index = stats.firstIndex(where: { !$0.isFinite }) {
                throw fail("\(field)[\(index)]", "is \(stats[index]), expected a finite number")
            }
        }
    }
}
