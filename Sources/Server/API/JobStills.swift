import Media

/// The thumbnail and the sprite sheet of a finished video, as WebP (the API's `thumbnail` and
/// `spritesheet` variants).
enum JobStills {
    /// Frames in the sprite sheet, and its layout.
    static let sheetFrames = 8
    static let sheetColumns = 4

    static func webp(_ frame: RGBFrame) throws -> [UInt8] { try StillImage.webp(frame) }

    /// The frames tiled 4 to a row, each at most 256 pixels wide.
    static func sheet(_ frames: [RGBFrame]) throws -> RGBFrame {
        try StillImage.spriteSheet(frames, columns: min(sheetColumns, frames.count), tileWidth: min(256, frames[0].width))
    }
}
