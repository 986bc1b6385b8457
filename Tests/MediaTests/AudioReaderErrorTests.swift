import Foundation
import Media
import Testing

@Suite("Reading audio: errors", .enabled(if: ffmpegInstalled, "ffmpeg and ffprobe are not installed"))
struct AudioReaderErrorTests {
    @Test func pathsThatAreNotFilesAreRefusedWithoutWaiting() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let missing = folder.path + "/nope.wav"
        #expect(throws: MediaError.inputMissing(path: missing)) { try AudioReader.read(missing) }
        #expect(throws: MediaError.notAnAudioFile(path: folder.path, kind: "a folder")) { try AudioReader.read(folder.path) }
        #expect(throws: MediaError.notAnAudioFile(path: "/dev/zero", kind: "a character device")) {
            try AudioReader.read("/dev/zero")
        }
        let fifo = try folder.fifo("pipe.wav")
        let started = Date()
        #expect(throws: MediaError.notAnAudioFile(path: fifo, kind: "a FIFO (named pipe)")) { try AudioReader.read(fifo) }
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(MediaError.notAnAudioFile(path: fifo, kind: "a FIFO (named pipe)").description
                == "'\(fifo)' is a FIFO (named pipe), not an audio file")
    }

    @Test func filesWithoutReadableSoundSaySoInOneLine() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let text = try folder.text("notes.mp3", "just some text\n")
        var junk = Data("RIFF".utf8)
        junk.append(Data((0..<400).map { UInt8(truncatingIfNeeded: $0 &* 37) }))
        let corrupt = folder.path + "/corrupt.wav"
        try junk.write(to: URL(fileURLWithPath: corrupt))
        for path in [text, corrupt] {
            #expect {
                try AudioReader.read(path)
            } throws: { error in
                isMediaError(error, mentioning: "'\(path)' is not an audio or video file ffmpeg can read: ") {
                    if case .notAudio = $0 { true } else { false }
                }
            }
        }
        let empty = try folder.ffmpeg("empty.wav", ["-f", "lavfi", "-i", "sine", "-t", "0"])
        #expect(throws: MediaError.noAudioSamples(path: empty, start: 0)) { try AudioReader.read(empty) }
        #expect(MediaError.noAudioSamples(path: empty, start: 0).description == "'\(empty)' holds no audio samples")
    }

    @Test func songsOverTheLimitAreRefusedNotCut() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let song = try folder.ffmpeg("two.wav", ["-f", "lavfi", "-i", "sine=d=2"])
        #expect(throws: MediaError.audioTooLong(path: song, limit: 1.5)) { try AudioReader.read(song, maxDuration: 1.5) }
        #expect(try AudioReader.read(song, maxDuration: 2.5).samples.count == 44100)
        #expect(MediaError.audioTooLong(path: song, limit: 3600).description
                == "'\(song)' lasts longer than 3600 s, the most audio read at once; cut it shorter first")
        #expect(AudioReader.defaultMaxDuration == 3600)
    }

    @Test func badSettingsAndAMissingFFmpegAreOneLine() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let song = try folder.ffmpeg("one.wav", ["-f", "lavfi", "-i", "sine=d=1"])
        let attempts: [() throws -> Void] = [
            { _ = try AudioReader.read(song, sampleRate: 0) },
            { _ = try AudioReader.read(song, start: -1) },
            { _ = try AudioReader.read(song, start: .nan) },
            { _ = try AudioReader.read(song, maxDuration: 0) },
        ]
        for attempt in attempts {
            #expect { try attempt() } throws: { error in
                isMediaError(error, mentioning: "must") { if case .invalidSettings = $0 { true } else { false } }
            }
        }
        #expect(throws: MediaError.ffmpegNotFound(path: nil)) {
            try AudioReader.read(song, ffmpeg: FFmpegTool(searchPath: folder.path + "/bin"))
        }
        let failing = try folder.fakeFFmpeg("echo 'the decoder broke' >&2; exit 1")
        #expect(throws: MediaError.notAudio(path: song, lastLine: "the decoder broke")) {
            try AudioReader.read(song, ffmpeg: failing)
        }
    }
}
