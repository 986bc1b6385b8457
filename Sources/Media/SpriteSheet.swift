extension StillImage {
    /// `frames` (at least one, all of one size) tiled into one image: each scaled to `tileWidth`
    /// pixels wide keeping its aspect ratio (the tile height is `tileWidth · height / width`, rounded,
    /// at least 1; area-averaged as ``VideoFrames/resized(width:height:)`` does), laid out left to
    /// right and top to bottom, `columns` to a row. The sheet is `columns · tileWidth` wide and as
    /// many tiles high as the rows need; cells past the last frame are black.
    ///
    /// - Throws: ``MediaError/invalidFrames(detail:)`` for no frames or frames of different sizes, and
    ///   ``MediaError/invalidSettings(detail:)`` for `columns` or `tileWidth` below 1 or a sheet with a
    ///   side over ``maximumWebPSide`` (so that every sheet can be encoded as WebP).
    public static func spriteSheet(_ frames: [RGBFrame], columns: Int, tileWidth: Int) throws(MediaError) -> RGBFrame {
        try spriteSheet(VideoFrames(frames: frames), columns: columns, tileWidth: tileWidth)
    }

    /// A sprite sheet of `tiles` frames of `clip` spread evenly from its first frame to its last
    /// (``evenlySpacedIndices(_:outOf:)``; every frame once when it has no more than `tiles`), laid
    /// out as ``spriteSheet(_:columns:tileWidth:)`` does.
    public static func spriteSheet(of clip: VideoFrames, tiles: Int, columns: Int, tileWidth: Int) throws(MediaError) -> RGBFrame {
        guard tiles >= 1 else { throw .invalidSettings(detail: "a sprite sheet needs at least 1 tile, not \(tiles)") }
        let picked = try evenlySpacedIndices(tiles, outOf: clip.count).map { f throws(MediaError) in try clip.slice(f..<f + 1) }
        return try spriteSheet(VideoFrames.concatenated(picked), columns: columns, tileWidth: tileWidth)
    }

    /// `count` indices into `0..<total`, spread evenly from the first (0) to the last (`total − 1`),
    /// each rounded to the nearest: 4 of 10 are `[0, 3, 6, 9]`, 1 of any is `[0]`. All of them, once
    /// each, when `count ≥ total`; none when either is below 1. A worker that knows a video's length
    /// can keep just these frames as they are decoded.
    public static func evenlySpacedIndices(_ count: Int, outOf total: Int) -> [Int] {
        guard count >= 1, total >= 1 else { return [] }
        guard count < total else { return Array(0..<total) }
        guard count > 1 else { return [0] }
        // i·(total − 1)/(count − 1), rounded half up in integers.
        return (0..<count).map { i in (2 * i * (total - 1) + (count - 1)) / (2 * (count - 1)) }
    }

    private static func spriteSheet(_ clip: VideoFrames, columns: Int, tileWidth: Int) throws(MediaError) -> RGBFrame {
        guard columns >= 1, (1...maximumWebPSide).contains(tileWidth) else {
            throw .invalidSettings(detail: "a sprite sheet needs at least 1 column of tiles 1 to \(maximumWebPSide) pixels wide; "
                                   + "got \(columns) columns of \(tileWidth) pixels")
        }
        let tileHeight = max(1, (2 * tileWidth * clip.height + clip.width) / (2 * clip.width))
        let rows = clip.count / columns + (clip.count % columns == 0 ? 0 : 1)
        guard columns <= maximumWebPSide / tileWidth, rows * tileHeight <= maximumWebPSide else {
            throw .invalidSettings(detail: "a sprite sheet of \(clip.count) tiles of \(tileWidth)x\(tileHeight), \(columns) to a row, "
                                   + "would pass \(maximumWebPSide) pixels a side")
        }
        let (width, height) = (columns * tileWidth, rows * tileHeight)
        let tiles = try clip.resized(width: tileWidth, height: tileHeight)
        let tileRow = tileWidth * 3, sheetRow = width * 3
        var sheet = [UInt8](repeating: 0, count: sheetRow * height)
        for t in 0..<tiles.count {
            let left = (t % columns) * tileRow, top = (t / columns) * tileHeight
            for y in 0..<tileHeight {
                let source = (t * tileHeight + y) * tileRow
                let destination = (top + y) * sheetRow + left
                sheet.replaceSubrange(destination..<destination + tileRow, with: tiles.pixels[source..<source + tileRow])
            }
        }
        return try RGBFrame(width: width, height: height, pixels: sheet)
    }
}
