extension LatentGeometry {
    /// The latent keep-mask of a pixel "regenerate" mask (1 = regenerate, 0 = keep, between = partly)
    /// `[F, H, W]` of a `width`x`height` video: a latent element is regenerated as much as the most
    /// regenerated pixel it covers (the max over its pixel frames and its s×s block, so a latent is
    /// kept only where all its pixels are), then the regenerated region grows by one latent in space
    /// (the encoder's receptive field carries the fill colour into the neighbouring latents), and
    /// keep = 1 − that. Returns `[T, h, w]` values in [0, 1], row-major.
    public func keepMask(generate: [Float], pixelFrames: Int, width: Int, height: Int, latentFrames: Int) -> [Float] {
        let s = spatialCompression, h = height / s, w = width / s
        var pooled = [Float](repeating: 0, count: latentFrames * h * w)
        for k in 0..<latentFrames {
            for f in self.pixelFrames(ofLatentFrame: k) where f < pixelFrames {
                for row in 0..<(h * s) {
                    let base = (f * height + row) * width, target = (k * h + row / s) * w
                    for column in 0..<(w * s) where generate[base + column] > pooled[target + column / s] {
                        pooled[target + column / s] = generate[base + column]
                    }
                }
            }
        }
        var keep = [Float](repeating: 0, count: pooled.count)
        for k in 0..<latentFrames {
            for i in 0..<h {
                for j in 0..<w {
                    var most: Float = 0
                    for y in max(i - 1, 0)...min(i + 1, h - 1) {
                        for x in max(j - 1, 0)...min(j + 1, w - 1) { most = max(most, pooled[(k * h + y) * w + x]) }
                    }
                    keep[(k * h + i) * w + j] = 1 - min(max(most, 0), 1)
                }
            }
        }
        return keep
    }
}
