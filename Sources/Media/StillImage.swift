#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Single images made from a video: one frame as a WebP file (a thumbnail), and frames tiled into
/// one sheet (a sprite sheet for scrubbing previews; see `SpriteSheet.swift`).
///
/// ```swift
/// let thumbnail = try StillImage.webp(frames[frames.count / 2])                       // image/webp bytes
/// let sheet = try StillImage.spriteSheet(of: clip, tiles: 16, columns: 4, tileWidth: 160)
/// let sheetBytes = try StillImage.webp(sheet)
/// ```
public enum StillImage {
    /// The longest side a WebP image can have.
    public static let maximumWebPSide = 16383

    /// `frame` as a lossy WebP image: the bytes of a `.webp` file (`RIFF····WEBP…`), encoded by
    /// ffmpeg's libwebp at `quality` (0 to 100; higher keeps more detail in more bytes). The frame
    /// goes to ffmpeg's stdin as raw `rgb24`, ffmpeg runs without a shell, and the image comes back
    /// through a temporary file (under `TMPDIR`), removed before this returns.
    ///
    /// - Throws: ``MediaError``: a quality out of range or a side over ``maximumWebPSide``
    ///   (``MediaError/invalidSettings(detail:)``), no ffmpeg, ffmpeg failing (with its last line:
    ///   an ffmpeg built without libwebp, say), or an output that is not a WebP image.
    public static func webp(_ frame: RGBFrame, quality: Int = 80, ffmpeg: FFmpegTool = FFmpegTool()) throws(MediaError) -> [UInt8] {
        guard (0...100).contains(quality) else {
            throw .invalidSettings(detail: "WebP quality \(quality) is out of range (0 to 100)")
        }
        guard frame.width <= maximumWebPSide, frame.height <= maximumWebPSide else {
            throw .invalidSettings(detail: "a \(frame.width)x\(frame.height) frame is too large for WebP "
                                   + "(at most \(maximumWebPSide) pixels a side)")
        }
        let executable = try ffmpeg.resolve()
        let output = try temporaryFile()
        defer { unlink(output) }
        let arguments = ["-hide_banner", "-nostats", "-loglevel", "error", "-y",
                         "-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size", "\(frame.width)x\(frame.height)",
                         "-i", "pipe:0", "-frames:v", "1", "-c:v", "libwebp", "-quality", String(quality),
                         "-f", "webp", "file:" + output]
        let process = try FFmpegProcess(executable: executable, arguments: arguments)
        // withUnsafeBytes only rethrows untyped errors; carry the typed one out in a Result.
        try frame.pixels.withUnsafeBytes { bytes in
            Result { () throws(MediaError) in try process.write(bytes, destination: output) }
        }.get()
        try process.finish(destination: output)
        let image = try POSIXFiles.readFile(output)
        guard isWebP(image) else {
            throw .imageEncodingFailed(format: "WebP", detail: "its \(image.count)-byte output does not start with RIFF....WEBP")
        }
        return image
    }

    /// Whether `bytes` start as a WebP file does: `RIFF`, the length, `WEBP`.
    static func isWebP(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 12 && bytes[0..<4].elementsEqual("RIFF".utf8) && bytes[8..<12].elementsEqual("WEBP".utf8)
    }

    /// A new empty file under `TMPDIR` (or `/tmp`) for ffmpeg to write into; its path.
    private static func temporaryFile() throws(MediaError) -> String {
        let folder = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(folder)/zoetrope-still-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { name in name.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else { throw POSIXFiles.failure("creating a temporary file in", folder, errno) }
        close(fd)
        return template.withUnsafeBufferPointer { name in name.baseAddress.map { String(cString: $0) } ?? "" }
    }
}
