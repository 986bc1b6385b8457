/// Errors from reading and writing images, videos and PNG folders. Each reads as one plain sentence.
public enum MediaError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The ffmpeg executable could not be found: not on the search path (`path` nil), or not
    /// executable at the explicit `path`.
    case ffmpegNotFound(path: String?)
    /// The output path names no format this module writes.
    case unsupportedFormat(path: String)
    /// The folder the output would go in does not exist.
    case destinationFolderMissing(folder: String)
    /// The folder the output would go in exists but cannot be written (`reason` is the system's).
    case destinationNotWritable(folder: String, reason: String)
    /// The output path is taken by something this writer will not replace.
    case destinationOccupied(path: String, detail: String)
    /// The width, height or frame rate cannot be written in this format.
    case invalidSettings(detail: String)
    /// A metadata key cannot be stored (empty, too long, or with characters other than letters,
    /// digits, `_`, `-` and `.`).
    case invalidMetadataKey(String)
    /// A frame or decoded video does not have the size the writer was opened with, or a decoded
    /// video is not a host `[B, 3, F, H, W]` tensor.
    case invalidFrames(detail: String)
    /// ffmpeg exited unsuccessfully; `lastLine` is the last line it wrote to stderr.
    case ffmpegFailed(status: String, lastLine: String)
    /// The disk filled up while writing `path`.
    case diskFull(path: String)
    /// A system call on `path` failed.
    case io(operation: String, path: String, reason: String)
    /// The writer was already finished or cancelled.
    case writerClosed
    /// Nothing exists at the path to read.
    case inputMissing(path: String)
    /// The path to read is not a regular file or a folder (a FIFO, device or socket, say).
    case inputNotAFileOrFolder(path: String, kind: String)
    /// ffmpeg could not open the file as an image or video; `lastLine` is what it said.
    case notMedia(path: String, lastLine: String)
    /// ffmpeg started decoding the file but failed part way; `lastLine` is what it said.
    case decodingFailed(path: String, lastLine: String)
    /// The file or folder decoded to no frames.
    case noFrames(path: String)
    /// Reading the path would hold more bytes of frames than the reader's limit.
    case inputTooLarge(path: String, detail: String)
    /// The folder holds no regular files ending in `.png`.
    case noPNGFrames(folder: String)
    /// A PNG frame's name has no digits to order it by.
    case unnumberedFrame(path: String)
    /// Two PNG frames in a folder carry the same number.
    case duplicateFrameNumber(path: String, other: String)
    /// A PNG frame's size differs from the folder's first frame.
    case frameSizeMismatch(path: String, detail: String)
    /// The path to read as audio is not a regular file (`kind`: a folder, a FIFO, a device, …).
    case notAnAudioFile(path: String, kind: String)
    /// ffmpeg could not open the file to read its sound; `lastLine` is what it said.
    case notAudio(path: String, lastLine: String)
    /// The file has no audio stream (a silent video or an image, say).
    case noAudioStream(path: String)
    /// The audio stream holds no samples from `start` seconds on.
    case noAudioSamples(path: String, start: Double)
    /// The audio lasts longer than the reader's limit of `limit` seconds.
    case audioTooLong(path: String, limit: Double)
    /// ffmpeg finished but what it wrote is not a `format` image (`detail` says what it was).
    case imageEncodingFailed(format: String, detail: String)

    public var description: String {
        switch self {
        case .ffmpegNotFound(let path):
            let place = path.map { "at \($0)" } ?? "on PATH"
            return "ffmpeg was not found \(place); install it with `sudo apt-get install ffmpeg`"
        case .unsupportedFormat(let path):
            return "cannot tell which format to write for '\(path)': supported are paths ending in "
                + VideoFormat.supportedSummary
        case .destinationFolderMissing(let folder):
            return "the destination folder '\(folder)' does not exist"
        case .destinationNotWritable(let folder, let reason):
            return "the destination folder '\(folder)' is not writable: \(reason)"
        case .destinationOccupied(let path, let detail):
            return "will not replace '\(path)': \(detail)"
        case .invalidSettings(let detail):
            return detail
        case .invalidMetadataKey(let key):
            return "metadata key '\(key)' must be 1 to 79 letters, digits, '_', '-' or '.'"
        case .invalidFrames(let detail):
            return detail
        case .ffmpegFailed(let status, let lastLine):
            return "ffmpeg \(status): \(lastLine.isEmpty ? "(it printed nothing)" : lastLine)"
        case .diskFull(let path):
            return "the disk is full: could not finish writing '\(path)'"
        case .io(let operation, let path, let reason):
            return "\(operation) '\(path)' failed: \(reason)"
        case .writerClosed:
            return "the video writer was already finished or cancelled"
        case .inputMissing(let path):
            return "'\(path)' does not exist"
        case .inputNotAFileOrFolder(let path, let kind):
            return "'\(path)' is \(kind), not an image, a video or a folder of PNG frames"
        case .notMedia(let path, let lastLine):
            let said = lastLine.isEmpty ? "(it printed nothing)" : lastLine
            return "'\(path)' is not an image or video ffmpeg can read: \(said)"
        case .decodingFailed(let path, let lastLine):
            return "ffmpeg failed part way through '\(path)': \(lastLine.isEmpty ? "(it printed nothing)" : lastLine)"
        case .noFrames(let path):
            return "'\(path)' holds no video frames"
        case .inputTooLarge(let path, let detail):
            return "reading '\(path)' would hold too many frames: \(detail)"
        case .noPNGFrames(let folder):
            return "the folder '\(folder)' holds no PNG frames (regular files ending in .png)"
        case .unnumberedFrame(let path):
            return "'\(path)' has no digits in its name to order the frames by"
        case .duplicateFrameNumber(let path, let other):
            return "'\(path)' and '\(other)' carry the same frame number"
        case .frameSizeMismatch(let path, let detail):
            return "'\(path)' \(detail)"
        case .notAnAudioFile(let path, let kind):
            return "'\(path)' is \(kind), not an audio file"
        case .notAudio(let path, let lastLine):
            let said = lastLine.isEmpty ? "(it printed nothing)" : lastLine
            return "'\(path)' is not an audio or video file ffmpeg can read: \(said)"
        case .noAudioStream(let path):
            return "'\(path)' holds no audio stream"
        case .noAudioSamples(let path, let start):
            return start > 0 ? "'\(path)' holds no audio after \(secondsText(start)) s" : "'\(path)' holds no audio samples"
        case .audioTooLong(let path, let limit):
            return "'\(path)' lasts longer than \(secondsText(limit)) s, the most audio read at once; cut it shorter first"
        case .imageEncodingFailed(let format, let detail):
            return "ffmpeg made no \(format) image: \(detail)"
        }
    }
}

/// Seconds for messages: `3600`, `12.5`.
func secondsText(_ seconds: Double) -> String {
    seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int(seconds)) : String(seconds)
}
