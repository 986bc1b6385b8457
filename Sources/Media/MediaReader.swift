/// Reads images, videos and folders of numbered PNG frames into 8-bit RGB clips through ffmpeg.
///
/// ```swift
/// let control = try MediaReader.read("pose.mp4", fit: .cover(width: 832, height: 480), maxFrames: 81)
/// let latentsInput = try control.tensor()  // [1, 3, 81, 480, 832] in [-1, 1]
/// ```
///
/// The path is checked with `stat` first: a FIFO, device or socket is refused rather than handed to
/// ffmpeg, which would wait on it. ffmpeg runs without a shell in its own process group, its frames
/// read from a pipe; a folder's frames are decoded one file at a time.
public enum MediaReader {
    /// The most bytes of frames a read holds unless told otherwise (4 GiB), so that a hostile or
    /// mistaken input cannot exhaust memory.
    public static let defaultByteLimit = VideoFrames.maximumByteCount

    /// Width and height of the first frame of an image, a video (after its rotation, as ffmpeg
    /// decodes it) or a folder of numbered PNG frames.
    public static func size(of path: String, ffmpeg: FFmpegTool = FFmpegTool()) throws(MediaError)
        -> (width: Int, height: Int) {
        let input = try MediaInput(path: path)
        let executable = try ffmpeg.resolve()
        guard input == .folder else { return try FFmpegDecoder(executable: executable, path: path).firstFrameSize() }
        guard let first = try PNGFrameFolder.framePaths(in: path).first else { throw .noPNGFrames(folder: path) }
        return try FFmpegDecoder(executable: executable, path: first).firstFrameSize()
    }

    /// Reads `path` into frames.
    ///
    /// - Parameters:
    ///   - path: A PNG or JPEG image (one frame), a video file ffmpeg reads, or a folder of numbered
    ///     PNG frames (its regular `.png` files, ordered by the last number in each name, so
    ///     `frame_2.png` comes before `frame_10.png`).
    ///   - fit: The frames' size: ``FrameFit/cover(width:height:)`` or the source's own.
    ///   - maxFrames: The most frames to read (at least 1); nil reads them all.
    ///   - ffmpeg: Which ffmpeg to run.
    ///   - byteLimit: The most bytes of frames to hold; a longer input is refused with
    ///     ``MediaError/inputTooLarge(path:detail:)`` rather than truncated.
    /// - Throws: ``MediaError`` naming the path: missing, not a file or folder, not an image or video,
    ///   no frames, too large, frames of differing sizes in a folder read at ``FrameFit/native`` size.
    public static func read(_ path: String, fit: FrameFit, maxFrames: Int? = nil, ffmpeg: FFmpegTool = FFmpegTool(),
                            byteLimit: Int = defaultByteLimit) throws(MediaError) -> VideoFrames {
        let size = try fit.validatedSize()
        if let maxFrames, maxFrames < 1 {
            throw .invalidSettings(detail: "cannot read \(maxFrames) frames from '\(path)': ask for at least 1")
        }
        guard byteLimit > 0 else {
            throw .invalidSettings(detail: "cannot read '\(path)' within \(byteLimit) bytes: the limit must be positive")
        }
        let input = try MediaInput(path: path)
        let executable = try ffmpeg.resolve()
        if input == .folder {
            return try readFolder(path, size: size, maxFrames: maxFrames, executable: executable, byteLimit: byteLimit)
        }
        let decoder = FFmpegDecoder(executable: executable, path: path)
        let (width, height) = if let size { size } else { try decoder.firstFrameSize() }
        return try decoder.frames(width: width, height: height, maxFrames: maxFrames, byteLimit: byteLimit)
    }

    /// A folder's PNG frames in order, each decoded (and fitted) by its own ffmpeg run.
    private static func readFolder(_ folder: String, size: (width: Int, height: Int)?, maxFrames: Int?,
                                   executable: String, byteLimit: Int) throws(MediaError) -> VideoFrames {
        let paths = try PNGFrameFolder.framePaths(in: folder).prefix(maxFrames ?? Int.max)
        var frames: [RGBFrame] = []
        var firstPath = ""
        for path in paths {
            let frame = try FFmpegDecoder(executable: executable, path: path).firstFrame(fit: size)
            if let first = frames.first {
                guard frame.width == first.width, frame.height == first.height else {
                    throw .frameSizeMismatch(path: path, detail: "is \(frame.width)x\(frame.height), but "
                                             + "'\(firstPath)' is \(first.width)x\(first.height); "
                                             + "read the folder with a .cover size")
                }
            } else {
                firstPath = path
            }
            let total = VideoFrames.byteCount(width: frame.width, height: frame.height, frames: frames.count + 1)
            guard let total, total <= byteLimit else {
                throw .inputTooLarge(path: folder, detail: limitDetail(fitting: frames.count, width: frame.width,
                                                                       height: frame.height, byteLimit: byteLimit))
            }
            frames.append(frame)
        }
        return try VideoFrames(frames: frames)
    }

    /// Why a read stopped at `count` frames of `width` x `height`, for ``MediaError/inputTooLarge(path:detail:)``.
    static func limitDetail(fitting count: Int, width: Int, height: Int, byteLimit: Int) -> String {
        let limit = byteLimit > 0 && byteLimit % (1 << 30) == 0 ? "\(byteLimit >> 30) GiB"
            : byteLimit > 0 && byteLimit % (1 << 20) == 0 ? "\(byteLimit >> 20) MiB" : "\(byteLimit) bytes"
        let held = count == 0 ? "one frame" : "more than \(count) frame\(count == 1 ? "" : "s")"
        return "\(held) of \(width)x\(height) would exceed the limit of \(limit); "
            + "ask for fewer frames or a smaller size"
    }
}
