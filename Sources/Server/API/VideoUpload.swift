import Media

/// A video uploaded with an edit or an extension (the official client sends the file as `video`):
/// checked by content (an MP4/MOV, WebM/Matroska or GIF by its first bytes, then decoded by ffmpeg)
/// and counted, fitted to the size the job makes, within the server's length limit.
enum VideoUpload {
    /// The most bytes of decoded frames a check may hold.
    static let byteLimit = 1 << 30

    static func kind(of bytes: [UInt8]) -> String? {
        if bytes.count >= 12, Array(bytes[4..<8]) == Array("ftyp".utf8) { return "mp4" }
        if bytes.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return "webm" }
        if bytes.starts(with: Array("GIF8".utf8)) { return "gif" }
        return nil
    }

    /// The upload's frame count once decoded at `width`x`height`; a 400 for what is not a video or is
    /// longer than `maxFrames`.
    static func frameCount(_ upload: Upload, width: Int, height: Int, maxFrames: Int, scratch: ScratchFolder) throws -> Int {
        guard let kind = kind(of: upload.bytes) else {
            throw APIError.invalid("video is not an MP4, WebM or GIF file", param: "video", code: "invalid_video")
        }
        let path = try scratch.write(upload.bytes, suffix: "." + kind)
        defer { scratch.remove(path) }
        let frames: VideoFrames
        do {
            frames = try MediaReader.read(path, fit: .cover(width: width, height: height), maxFrames: maxFrames + 1, byteLimit: byteLimit)
        } catch {
            if case .ffmpegNotFound = error { throw APIError(.internalServerError, "\(error)", type: "server_error") }
            if case .inputTooLarge = error {
                throw APIError.invalid("video is too long for this server", param: "video", code: "invalid_video")
            }
            throw APIError.invalid("video does not decode as a video", param: "video", code: "invalid_video")
        }
        guard frames.count <= maxFrames else {
            throw APIError.invalid("video has more than the \(maxFrames) frames this server takes", param: "video", code: "invalid_video")
        }
        return frames.count
    }
}
