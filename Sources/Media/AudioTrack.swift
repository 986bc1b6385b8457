/// A song to put under a video that ``VideoWriter`` writes (MP4 and WebM only).
///
/// The soundtrack lasts exactly as long as the video: a shorter song is padded with silence, a
/// longer one cut. MP4 gets AAC at 192 kb/s, WebM Opus at 128 kb/s, both stereo.
public struct AudioTrack: Sendable, Equatable {
    /// Any file ffmpeg reads sound from: WAV, MP3, AAC, FLAC, Ogg, a video with a soundtrack.
    public var path: String
    /// Seconds skipped from the start of the song (to leave out an intro), 0 or more.
    public var start: Double

    /// The song at `path`, played from `start` seconds in.
    public init(path: String, start: Double = 0) {
        self.path = path
        self.start = start
    }

    /// Checks before any frame is made that the song can be used: `start` is valid, the path is a
    /// regular file, and ffmpeg decodes sound from it at `start`.
    func check(executable: String) throws(MediaError) {
        try AudioReader.checkStart(start)
        try AudioReader.checkFile(path)
        _ = try AudioDecoder(executable: executable, path: path).samples(sampleRate: 8000, start: start, limit: 400)
    }

    /// Writes `output`: the video stream of `video` copied as it is, this song encoded under it and
    /// cut or padded to `duration` seconds. The length is set with `-t` rather than `-shortest`,
    /// which ends the file up to an audio frame (16-26 ms measured) after the video.
    func mux(video: String, into output: String, duration: Double, format: VideoFormat, metadata: VideoMetadata,
             executable: String, destination: String) throws(MediaError) {
        guard let audioCodec = format.audioCodecArguments else {
            throw .invalidSettings(detail: format.noAudioDetail)
        }
        let seek = start > 0 ? ["-ss", ffmpegSeconds(start)] : []
        // "file:" keeps a ':' in a path from reading as a protocol.
        let arguments = ["-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y", "-i", "file:" + video]
            + seek + ["-i", "file:" + path, "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy"] + audioCodec
            + ["-af", "apad", "-t", ffmpegSeconds(duration)] + format.containerArguments(metadata: metadata)
            + ["file:" + output]
        let process = try FFmpegProcess(executable: executable, arguments: arguments)
        try process.finish(destination: destination)
    }
}

extension VideoFormat {
    /// Why this format cannot take an ``AudioTrack``.
    var noAudioDetail: String {
        let name = self == .gif ? "a GIF" : "a folder of PNG frames"
        return "\(name) cannot carry a soundtrack; write .mp4 or .webm to add one"
    }
}
