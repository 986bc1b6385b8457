import Media

/// The thumbnail and sprite sheet of a finished video, as WebP.
enum JobStills {
    static func webp(_ frame: RGBFrame) throws -> [UInt8] { throw JobRunner.Failure(code: "todo", message: "stills are not built yet") }
    static func sheet(_ frames: [RGBFrame]) throws -> RGBFrame { frames[0] }
}
