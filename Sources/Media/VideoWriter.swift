import Tensor

/// Writes frames to a video file or a folder of PNG frames through ffmpeg, as they are decoded.
///
/// The format comes from the path (see ``VideoFormat``). Frames stream to ffmpeg's stdin as raw
/// `rgb24` through a pipe; ffmpeg writes a temporary name beside the destination, and only
/// ``finish()`` moves the result into place (replacing an earlier output then, not before).
/// Opening the writer only checks the destination: the temporary output and ffmpeg start with the
/// first frames, so a run that fails before it has any leaves nothing behind.
/// ``cancel()``, a failure, or dropping an unfinished writer removes everything written.
///
/// ```swift
/// let writer = try VideoWriter(path: "out/clip.mp4", width: 832, height: 480,
///                              metadata: .generation(prompt: prompt, seed: 42))
/// for chunk in decodedChunks { try writer.append(decodedVideo: chunk) }  // [1, 3, F, H, W]
/// try writer.finish()
/// ```
///
/// With an ``AudioTrack`` (MP4 and WebM), the frames go to a second temporary video, and
/// ``finish()`` copies that video stream into the output beside the song encoded to the video's
/// exact length; the song is checked when the writer opens, before any frame is made.
///
/// MP4 and WebM need an even width and height (4:2:0 chroma); odd sizes are refused, not padded.
/// A writer is used from one task at a time; calls block while ffmpeg takes the frames.
public final class VideoWriter {
    /// The path given at opening.
    public let path: String
    /// The format chosen from the path.
    public let format: VideoFormat
    /// Frame size in pixels.
    public let width: Int, height: Int
    /// Frames per second.
    public let fps: Int
    /// What goes into the file besides the frames.
    public let metadata: VideoMetadata
    /// The song under the video, if any.
    public let audio: AudioTrack?
    /// Frames sent to ffmpeg so far.
    public private(set) var framesWritten = 0

    private let location: OutputLocation
    /// With a soundtrack, where ffmpeg writes the video alone before the song joins it.
    private let videoOnly: OutputLocation?
    private let executable: String
    private var process: FFmpegProcess?
    /// False once finished or cancelled. The temporary output exists from the first frames until then.
    private var isOpen = true

    /// Checks the settings and the destination; ffmpeg starts writing to a temporary name beside
    /// `path` when the first frames come.
    ///
    /// - Parameters:
    ///   - path: `….mp4`, `….webm`, `….gif`, or a folder path ending in `/` for PNG frames. Its
    ///     folder must exist.
    ///   - width: Frame width in pixels (even for MP4 and WebM).
    ///   - height: Frame height in pixels (even for MP4 and WebM).
    ///   - fps: Frames per second (Wan's native rate is 16). GIF stores delays in hundredths of a
    ///     second, so rates that do not divide 100 are approximated frame by frame.
    ///   - metadata: Prompt, seed and settings to store in the file.
    ///   - audio: A song to put under the video (MP4 and WebM only), cut or padded with silence to
    ///     the video's length.
    ///   - ffmpeg: Which ffmpeg to run.
    /// - Throws: ``MediaError`` for an unsupported path or setting, a missing ffmpeg or destination
    ///   folder, or a song that ffmpeg cannot read sound from.
    public init(path: String, width: Int, height: Int, fps: Int = 16, metadata: VideoMetadata = VideoMetadata(),
                audio: AudioTrack? = nil, ffmpeg: FFmpegTool = FFmpegTool()) throws(MediaError) {
        let format = try VideoFormat(path: path)
        guard width > 0, height > 0, width <= 16384, height <= 16384 else {
            throw .invalidSettings(detail: "frame size \(width)x\(height) is out of range (1 to 16384 pixels a side)")
        }
        guard (1...1000).contains(fps) else {
            throw .invalidSettings(detail: "\(fps) frames per second is out of range (1 to 1000)")
        }
        if format.needsEvenSize && (width % 2 != 0 || height % 2 != 0) {
            throw .invalidSettings(detail: "\(format.rawValue) stores yuv420p, which needs an even width and height; "
                                   + "\(width)x\(height) is odd (crop or pad the frames, or write .gif or PNG frames)")
        }
        if audio != nil && !format.carriesAudio { throw .invalidSettings(detail: format.noAudioDetail) }
        let executable = try ffmpeg.resolve()
        try audio?.check(executable: executable)
        // Only checks: the temporary output and ffmpeg start with the first frames.
        location = try OutputLocation(path: path, format: format)
        videoOnly = audio == nil ? nil : try OutputLocation(path: path, format: format)
        self.path = path
        self.format = format
        self.width = width
        self.height = height
        self.fps = fps
        self.metadata = metadata
        self.audio = audio
        self.executable = executable
    }

    /// Creates the temporary output and starts ffmpeg writing to it, when the first frames come.
    private func start() throws(MediaError) -> FFmpegProcess {
        if let process { return process }
        guard isOpen else { throw .writerClosed }
        do throws(MediaError) {
            try location.create()
            try videoOnly?.create()
            guard let temporary = (videoOnly ?? location).temporary else { throw .writerClosed }
            // "file:" keeps a ':' in the path from reading as a protocol; image2 expands '%' itself.
            let output = format == .pngFolder
                ? "file:" + String(temporary.flatMap { $0 == "%" ? ["%", "%"] : [$0] }) + "/frame_%05d.png"
                : "file:" + temporary
            // With a soundtrack the tags go in when the song joins the video.
            let arguments = ["-hide_banner", "-nostats", "-loglevel", "error", "-y",
                             "-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size", "\(width)x\(height)",
                             "-framerate", String(fps), "-i", "pipe:0"]
                + format.ffmpegOutputArguments(metadata: audio == nil ? metadata : VideoMetadata()) + [output]
            let started = try FFmpegProcess(executable: executable, arguments: arguments)
            process = started
            return started
        } catch {
            cancel()
            throw error
        }
    }

    /// Throws unless a writer could write `path`: a known format, an existing writable folder, and
    /// nothing at the path that a finished output may not replace (see ``init(path:width:height:fps:metadata:audio:ffmpeg:)``).
    /// Creates nothing; for checking every destination before the work that fills them starts.
    public static func checkDestination(_ path: String) throws(MediaError) {
        try OutputLocation.check(path: path, format: try VideoFormat(path: path))
    }

    deinit { cancel() }

    /// Sends frames to ffmpeg. A frame of the wrong size throws before anything is sent and leaves
    /// the writer usable; an ffmpeg or disk failure cancels the writer and throws.
    public func append(frames: [RGBFrame]) throws(MediaError) {
        guard isOpen else { throw .writerClosed }
        for (index, frame) in frames.enumerated() where frame.width != width || frame.height != height {
            throw .invalidFrames(detail: "frame \(framesWritten + index) is \(frame.width)x\(frame.height); "
                                 + "the writer for '\(path)' takes \(width)x\(height)")
        }
        guard !frames.isEmpty else { return }
        let process = try start()
        do throws(MediaError) {
            for frame in frames {
                // withUnsafeBytes only rethrows untyped errors; carry the typed one out in a Result.
                try frame.pixels.withUnsafeBytes { bytes in
                    Result { () throws(MediaError) in try process.write(bytes, destination: location.destination) }
                }.get()
                framesWritten += 1
            }
        } catch {
            cancel()
            throw error
        }
    }

    /// Converts sample `sample` of a decoded chunk `[B, 3, F, H, W]` (values in [−1, 1]) as
    /// diffusers exports it (``RGBFrame/frames(decodedVideo:sample:)``) and sends its frames.
    public func append(decodedVideo video: Tensor, sample: Int = 0) throws(MediaError) {
        guard isOpen else { throw .writerClosed }
        if video.rank == 5 && (video.shape[3] != height || video.shape[4] != width) {
            throw .invalidFrames(detail: "the decoded video's frames are \(video.shape[4])x\(video.shape[3]); "
                                 + "the writer for '\(path)' takes \(width)x\(height)")
        }
        try append(frames: RGBFrame.frames(decodedVideo: video, sample: sample))
    }

    /// Ends the video: waits for ffmpeg, stores the metadata GIF and PNG need, and moves the output
    /// to its path. On failure nothing is left behind and the error says why.
    public func finish() throws(MediaError) {
        guard isOpen else { throw .writerClosed }
        guard let process, framesWritten > 0 else {
            cancel()
            throw .invalidFrames(detail: "no frames were written to '\(path)'")
        }
        do throws(MediaError) {
            try process.finish(destination: location.destination)
            self.process = nil
            if let audio, let videoOnly {
                guard let video = videoOnly.temporary, let output = location.temporary else { throw .writerClosed }
                try audio.mux(video: video, into: output,
                              duration: Double(framesWritten) / Double(fps), format: format, metadata: metadata,
                              executable: executable, destination: location.destination)
                videoOnly.discard()
            }
            try embedMetadata()
            try location.commit()
            isOpen = false
        } catch {
            cancel()
            throw error
        }
    }

    /// Stops ffmpeg and removes the partial output; an earlier file at the path stays as it was.
    /// Does nothing after ``finish()`` succeeded.
    public func cancel() {
        guard isOpen else { return }
        isOpen = false
        process?.terminate()
        process = nil
        videoOnly?.discard()
        location.discard()
    }

    private func embedMetadata() throws(MediaError) {
        guard !metadata.entries.isEmpty, let temporary = location.temporary else { return }
        switch format {
        case .mp4, .webm:
            return  // ffmpeg wrote them as tags
        case .gif:
            try MetadataEmbedding.appendGIFComment(metadata.commentText, toFile: temporary)
        case .pngFolder:
            let chunks = MetadataEmbedding.pngTextChunks(metadata)
            for index in 1...framesWritten {
                try MetadataEmbedding.insertPNGChunks(chunks, intoFile: temporary + "/"
                                                      + VideoFormat.pngFrameName(index))
            }
        }
    }
}
