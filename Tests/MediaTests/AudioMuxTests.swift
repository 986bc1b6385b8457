import Foundation
import Media
import Testing

/// A song muxed under written video: codec, exact length, padding, offset, tags, and the same
/// all-or-nothing output as without sound.
@Suite("Soundtracks", .enabled(if: ffmpegInstalled, "ffmpeg and ffprobe are not installed"))
struct AudioMuxTests {
    /// 25 frames at 16 fps: 1.5625 s of video.
    static let frames = 25, fps = 16
    static let videoSeconds = Double(frames) / Double(fps)

    /// A 440 Hz tone of `seconds`, silent for the first `silentFor` seconds.
    private func song(_ folder: ScratchFolder, seconds: Double, silentFor: Double = 0) throws -> String {
        try folder.ffmpeg("song-\(seconds)-\(silentFor).wav", [
            "-f", "lavfi", "-i", "aevalsrc=0.5*sin(2*PI*440*t)*gte(t\\,\(silentFor)):d=\(seconds):s=44100"])
    }

    private func write(_ path: String, audio: AudioTrack?, metadata: VideoMetadata = VideoMetadata()) throws {
        let writer = try VideoWriter(path: path, width: 32, height: 32, fps: Self.fps, metadata: metadata, audio: audio)
        try writer.append(frames: gradientFrames(count: Self.frames, width: 32, height: 32))
        try writer.finish()
    }

    /// The audio stream's codec and channel count, as ffprobe reports them.
    private func audioStream(_ path: String) throws -> (codec: String?, channels: Int?) {
        let data = try run("ffprobe", ["-v", "error", "-select_streams", "a", "-show_entries", "stream=codec_name,channels",
                                       "-of", "json", path])
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let streams = json?["streams"] as? [[String: Any]] ?? []
        #expect(streams.count == 1, "\(path): \(streams.count) audio streams")
        return (streams.first?["codec_name"] as? String, streams.first?["channels"] as? Int)
    }

    private func loudness(_ samples: ArraySlice<Float>) -> Float { samples.map { abs($0) }.max() ?? 0 }

    @Test(arguments: [("clip.mp4", "aac"), ("clip.webm", "opus")])
    func theSongIsEncodedAndLastsAsLongAsTheVideo(name: String, codec: String) throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = folder.path + "/" + name
        let metadata = try VideoMetadata([("title", "with sound"), ("seed", "7")])
        try write(path, audio: AudioTrack(path: song(folder, seconds: 4)), metadata: metadata)
        #expect(try folder.contents().filter { !$0.hasPrefix("song") } == [name])
        let video = try Probe(path)
        #expect(video.int("nb_read_frames") == Self.frames)
        #expect(video.tag("title") == "with sound" && video.tag("seed") == "7")
        let stream = try audioStream(path)
        #expect(stream.codec == codec && stream.channels == 2)
        // Decoded, the sound lasts as long as the video to well within a frame (1/16 s).
        let sound = try AudioReader.read(path, sampleRate: 48000)
        #expect(abs(sound.duration - Self.videoSeconds) < 0.5 / Double(Self.fps), "\(sound.duration) s")
        #expect(loudness(sound.samples[4800..<9600]) > 0.3)
    }

    @Test(arguments: ["clip.mp4", "clip.webm"]) func aShortSongIsPaddedWithSilence(name: String) throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = folder.path + "/" + name
        try write(path, audio: AudioTrack(path: song(folder, seconds: 0.5)))
        let sound = try AudioReader.read(path, sampleRate: 48000)
        #expect(abs(sound.duration - Self.videoSeconds) < 0.5 / Double(Self.fps), "\(sound.duration) s")
        #expect(loudness(sound.samples[4800..<19200]) > 0.3)
        #expect(loudness(sound.samples[36000...]) < 0.01)
    }

    @Test func startSkipsTheSongsIntro() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let late = try song(folder, seconds: 3, silentFor: 1)
        try write(folder.path + "/from-start.mp4", audio: AudioTrack(path: late))
        try write(folder.path + "/skipped.mp4", audio: AudioTrack(path: late, start: 1))
        let fromStart = try AudioReader.read(folder.path + "/from-start.mp4", sampleRate: 48000)
        let skipped = try AudioReader.read(folder.path + "/skipped.mp4", sampleRate: 48000)
        #expect(loudness(fromStart.samples[2400..<24000]) < 0.01)
        #expect(loudness(skipped.samples[2400..<24000]) > 0.3)
    }

    @Test func gifAndPNGFramesRefuseASoundtrackBeforeFFmpegStarts() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let noFFmpeg = FFmpegTool(executable: folder.path + "/no-such-ffmpeg")
        for (path, what) in [("clip.gif", "a GIF"), ("frames/", "a folder of PNG frames")] {
            let detail = "\(what) cannot carry a soundtrack; write .mp4 or .webm to add one"
            #expect(throws: MediaError.invalidSettings(detail: detail)) {
                try VideoWriter(path: folder.path + "/" + path, width: 32, height: 32,
                                audio: AudioTrack(path: folder.path + "/song.wav"), ffmpeg: noFFmpeg)
            }
        }
        #expect(VideoFormat.mp4.carriesAudio && VideoFormat.webm.carriesAudio)
        #expect(try folder.contents().isEmpty)
    }

    /// A song ffmpeg cannot read fails when the writer opens, before any frame is made.
    @Test func anUnreadableSongFailsAtOnceAndLeavesNothing() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let text = try folder.text("notes.mp3", "not a song\n")
        let silent = try folder.ffmpeg("silent.mp4", ["-f", "lavfi", "-i", "color=red:s=32x32:d=1", "-pix_fmt", "yuv420p"])
        let short = try song(folder, seconds: 1)
        let cases: [(AudioTrack, String, (MediaError) -> Bool)] = [
            (AudioTrack(path: folder.path + "/missing.wav"), "does not exist",
             { if case .inputMissing = $0 { true } else { false } }),
            (AudioTrack(path: text), "not an audio or video file", { if case .notAudio = $0 { true } else { false } }),
            (AudioTrack(path: silent), "no audio stream", { $0 == .noAudioStream(path: silent) }),
            (AudioTrack(path: short, start: 2), "no audio after 2 s", { $0 == .noAudioSamples(path: short, start: 2) }),
            (AudioTrack(path: short, start: -1), "start -1.0 s", { if case .invalidSettings = $0 { true } else { false } }),
            (AudioTrack(path: folder.path), "is a folder", { if case .notAnAudioFile = $0 { true } else { false } }),
        ]
        let before = try folder.contents()
        for (track, text, matches) in cases {
            #expect {
                try VideoWriter(path: folder.path + "/clip.mp4", width: 32, height: 32, audio: track)
            } throws: { error in
                isMediaError(error, mentioning: text, matches)
            }
        }
        #expect(try folder.contents() == before)
    }

    /// Cancelling, dropping the writer, or the song vanishing before the end leave no output and
    /// no temporary file; an earlier output stays as it was.
    @Test func cancelAndFailureLeaveNothingWithSoundToo() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let tone = try song(folder, seconds: 2)
        let path = folder.path + "/clip.mp4"
        let before = try folder.contents()
        let cancelled = try VideoWriter(path: path, width: 32, height: 32, audio: AudioTrack(path: tone))
        try cancelled.append(frames: gradientFrames(count: 3, width: 32, height: 32))
        cancelled.cancel()
        #expect(try folder.contents() == before)
        do {
            let dropped = try VideoWriter(path: path, width: 32, height: 32, audio: AudioTrack(path: tone))
            try dropped.append(frames: gradientFrames(count: 3, width: 32, height: 32))
        }
        #expect(try folder.contents() == before)

        try write(path, audio: nil)
        let earlier = try Data(contentsOf: URL(fileURLWithPath: path))
        let vanishing = try folder.ffmpeg("vanishing.wav", ["-f", "lavfi", "-i", "sine=d=2"])
        let writer = try VideoWriter(path: path, width: 32, height: 32, audio: AudioTrack(path: vanishing))
        try writer.append(frames: gradientFrames(count: 3, width: 32, height: 32))
        try FileManager.default.removeItem(atPath: vanishing)
        #expect {
            try writer.finish()
        } throws: { error in
            isMediaError(error, mentioning: "ffmpeg") { if case .ffmpegFailed = $0 { true } else { false } }
        }
        #expect(try folder.contents() == (before + ["clip.mp4"]).sorted())
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == earlier)
    }
}
