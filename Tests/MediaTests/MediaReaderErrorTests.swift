import Foundation
import Media
import Testing

@Suite("Reading errors", .enabled(if: ffmpegInstalled, "ffmpeg and ffprobe are not installed"))
struct MediaReaderErrorTests {
    @Test func aMissingPathIsNamed() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let missing = folder.path + "/nope.mp4"
        #expect(throws: MediaError.inputMissing(path: missing)) { try MediaReader.read(missing, fit: .native) }
        #expect(throws: MediaError.inputMissing(path: missing)) { try MediaReader.size(of: missing) }
        #expect(throws: MediaError.inputMissing(path: missing + "/x.png")) {
            try MediaReader.read(missing + "/x.png", fit: .native)
        }
        #expect(MediaError.inputMissing(path: missing).description == "'\(missing)' does not exist")
    }

    @Test func aFIFOIsRefusedWithoutWaitingForAWriter() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let fifo = try folder.fifo("pipe.png")
        let started = Date()
        for attempt in [{ _ = try MediaReader.read(fifo, fit: .native) }, { _ = try MediaReader.size(of: fifo) }] {
            #expect {
                try attempt()
            } throws: { error in
                isMediaError(error, mentioning: fifo) { if case .inputNotAFileOrFolder = $0 { true } else { false } }
                    && "\(error)".contains("FIFO")
            }
        }
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(throws: MediaError.inputNotAFileOrFolder(path: "/dev/null", kind: "a character device")) {
            try MediaReader.read("/dev/null", fit: .cover(width: 8, height: 8))
        }
    }

    @Test func filesFFmpegCannotReadSaySo() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let text = try folder.text("notes.png", "just some text\n")
        let prefix = "'\(text)' is not an image or video ffmpeg can read: "
        for attempt in [{ _ = try MediaReader.read(text, fit: .native) }, { _ = try MediaReader.size(of: text) },
                        { _ = try MediaReader.read(text, fit: .cover(width: 8, height: 8)) }] {
            #expect {
                try attempt()
            } throws: { error in
                guard case MediaError.notMedia(text, let line) = error else { return false }
                return !line.isEmpty && "\(error)".hasPrefix(prefix) && !"\(error)".contains("\n")
            }
        }
        let empty = try folder.text("empty.mp4", "")
        #expect { try MediaReader.read(empty, fit: .native) } throws: { error in
            isMediaError(error, mentioning: empty) { if case .notMedia = $0 { true } else { false } }
        }
        let sound = try folder.ffmpeg("tone.wav", ["-f", "lavfi", "-i", "sine=d=0.2"])
        #expect(throws: MediaError.notMedia(path: sound, lastLine: "it holds no video stream")) {
            try MediaReader.read(sound, fit: .native)
        }
    }

    @Test func badSizesAndFrameCountsAreRefusedBeforeFFmpegRuns() throws {
        let fit: [FrameFit] = [.cover(width: 0, height: 32), .cover(width: 32, height: -1), .cover(width: 16385, height: 8)]
        for fit in fit {
            #expect(throws: MediaError.self) { try MediaReader.read("/nonexistent", fit: fit) }
        }
        #expect(throws: MediaError.self) { try MediaReader.read("/nonexistent", fit: .native, maxFrames: 0) }
        #expect(throws: MediaError.self) { try MediaReader.read("/nonexistent", fit: .native, byteLimit: -1) }
        #expect {
            try MediaReader.read("/nonexistent", fit: .cover(width: 0, height: 32))
        } throws: { error in
            guard case MediaError.invalidSettings = error else { return false }
            return "\(error)".contains("0x32")
        }
    }

    @Test func missingFFmpegIsReported() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = try folder.png("a.png", solidFrame(width: 2, height: 2, [0, 0, 0]))
        let nowhere = FFmpegTool(searchPath: folder.path + "/bin")
        #expect(throws: MediaError.ffmpegNotFound(path: nil)) { try MediaReader.read(path, fit: .native, ffmpeg: nowhere) }
        #expect(throws: MediaError.ffmpegNotFound(path: nil)) { try MediaReader.size(of: path, ffmpeg: nowhere) }
    }

    @Test func longVideosBeyondTheByteLimitAreRefused() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = try folder.ffmpeg("clip.mp4", ["-f", "lavfi", "-i", "testsrc2=size=32x32:rate=8", "-frames:v", "6",
                                                  "-c:v", "libx264", "-pix_fmt", "yuv420p"])
        let frame = 32 * 32 * 3
        #expect(try MediaReader.read(path, fit: .native, byteLimit: 6 * frame).count == 6)
        #expect(try MediaReader.read(path, fit: .native, maxFrames: 2, byteLimit: 2 * frame).count == 2)
        #expect {
            try MediaReader.read(path, fit: .native, byteLimit: 6 * frame - 1)
        } throws: { error in
            isMediaError(error, mentioning: path) { if case .inputTooLarge = $0 { true } else { false } }
                && "\(error)".contains("more than 5 frames of 32x32")
        }
        #expect(MediaReader.defaultByteLimit == 1 << 32)
    }

    /// A stand-in ffmpeg that misbehaves: the reader must report it, never crash or read past its buffers.
    @Test func misbehavingFFmpegOutputIsReported() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = try folder.png("a.png", solidFrame(width: 4, height: 4, [9, 9, 9]))
        // One folder per stand-in: fakeFFmpeg always writes the same name.
        var fakes: [ScratchFolder] = []
        defer { for fake in fakes { fake.remove() } }
        func fake(_ body: String) throws -> FFmpegTool {
            let own = try ScratchFolder()
            fakes.append(own)
            return try own.fakeFFmpeg(body)
        }
        let silent = try fake("exit 0")
        #expect(throws: MediaError.noFrames(path: path)) { try MediaReader.read(path, fit: .native, ffmpeg: silent) }
        #expect(throws: MediaError.noFrames(path: path)) {
            try MediaReader.read(path, fit: .cover(width: 4, height: 4), ffmpeg: silent)
        }
        let partial = try fake("head -c 70 /dev/zero")  // one 4x4 frame is 48 bytes
        #expect(throws: MediaError.decodingFailed(path: path, lastLine: "its output ended in the middle of a frame")) {
            try MediaReader.read(path, fit: .cover(width: 4, height: 4), ffmpeg: partial)
        }
        let huge = try fake("printf 'P6\\n99999999 99999999\\n255\\n'; head -c 1000 /dev/zero")
        #expect { try MediaReader.size(of: path, ffmpeg: huge) } throws: { error in
            isMediaError(error, mentioning: path) { if case .decodingFailed = $0 { true } else { false } }
        }
        let garbage = try fake("head -c 100 /dev/zero")
        #expect { try MediaReader.read(path, fit: .native, ffmpeg: garbage) } throws: { error in
            isMediaError(error, mentioning: path) { if case .decodingFailed = $0 { true } else { false } }
        }
        let failing = try fake("head -c 48 /dev/zero\necho 'decoder exploded' >&2\nexit 3")
        #expect(throws: MediaError.decodingFailed(path: path, lastLine: "decoder exploded")) {
            try MediaReader.read(path, fit: .cover(width: 4, height: 4), ffmpeg: failing)
        }
    }
}
