import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Media
import Testing

@Suite("VideoWriter errors and cleanup")
struct VideoWriterErrorTests {
    @Test func unknownExtensionsListTheSupportedOnes() throws {
        for path in ["clip.avi", "clip", "out/.mp4", "clip.mp4.tmp"] {
            #expect(throws: MediaError.unsupportedFormat(path: path)) {
                try VideoWriter(path: path, width: 16, height: 16)
            }
        }
        let message = MediaError.unsupportedFormat(path: "clip.avi").description
        #expect(message.contains(".mp4") && message.contains(".webm") && message.contains(".gif")
                && message.contains("PNG"))
        #expect(try VideoFormat(path: "a/b/Clip.MP4") == .mp4)
        #expect(try VideoFormat(path: "frames/") == .pngFolder)
    }

    @Test func missingFFmpegSaysHowToInstallIt() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let onPath = FFmpegTool(searchPath: folder.path + "/bin:/nonexistent")
        #expect(throws: MediaError.ffmpegNotFound(path: nil)) {
            try VideoWriter(path: folder.path + "/clip.mp4", width: 16, height: 16, ffmpeg: onPath)
        }
        #expect(MediaError.ffmpegNotFound(path: nil).description
                == "ffmpeg was not found on PATH; install it with `sudo apt-get install ffmpeg`")
        let explicit = FFmpegTool(executable: folder.path + "/no-such-ffmpeg")
        #expect(throws: MediaError.ffmpegNotFound(path: folder.path + "/no-such-ffmpeg")) {
            try VideoWriter(path: folder.path + "/clip.mp4", width: 16, height: 16, ffmpeg: explicit)
        }
        #expect(try folder.contents().isEmpty)
    }

    @Test func aMissingDestinationFolderIsNamed() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let missing = folder.path + "/not-there"
        for path in [missing + "/clip.mp4", missing + "/frames/"] {
            #expect(throws: MediaError.destinationFolderMissing(folder: missing)) {
                try VideoWriter(path: path, width: 16, height: 16, ffmpeg: FFmpegTool(executable: "/bin/true"))
            }
        }
        #expect(try folder.contents().isEmpty)
    }

    @Test func settingsThatCannotBeWrittenAreRefused() throws {
        let tool = FFmpegTool(executable: "/bin/true")
        for (path, width, height) in [("odd.mp4", 63, 48), ("odd.webm", 64, 47), ("zero.gif", 0, 16)] {
            #expect(throws: MediaError.self) { try VideoWriter(path: path, width: width, height: height, ffmpeg: tool) }
        }
        #expect(throws: MediaError.invalidMetadataKey("prompt text")) { try VideoMetadata([("prompt text", "x")]) }
        #expect(throws: MediaError.invalidMetadataKey("a=b")) { try VideoMetadata([("a=b", "x")]) }
    }

    @Test(.enabled(if: ffmpegInstalled)) func cancelAndDroppingAWriterLeaveNothing() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        for path in ["clip.mp4", "clip.webm", "clip.gif", "frames/"] {
            let writer = try VideoWriter(path: folder.path + "/" + path, width: 32, height: 32)
            try writer.append(frames: gradientFrames(count: 5, width: 32, height: 32))
            writer.cancel()
            #expect(try folder.contents().isEmpty, "\(path)")
            #expect(throws: MediaError.writerClosed) { try writer.finish() }
        }
        do {
            let dropped = try VideoWriter(path: folder.path + "/dropped.mp4", width: 32, height: 32)
            try dropped.append(frames: gradientFrames(count: 2, width: 32, height: 32))
        }
        #expect(try folder.contents().isEmpty)
    }

    @Test(.enabled(if: ffmpegInstalled)) func wrongFrameSizesAreRefusedAndTheWriterGoesOn() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let writer = try VideoWriter(path: folder.path + "/clip.mp4", width: 32, height: 32)
        try writer.append(frames: gradientFrames(count: 2, width: 32, height: 32))
        #expect(throws: MediaError.self) { try writer.append(frames: gradientFrames(count: 1, width: 32, height: 16)) }
        try writer.append(frames: gradientFrames(count: 2, width: 32, height: 32))
        try writer.finish()
        #expect(try Probe(folder.path + "/clip.mp4").int("nb_read_frames") == 4)
    }

    @Test(.enabled(if: ffmpegInstalled)) func finishingWithoutFramesLeavesNothing() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let writer = try VideoWriter(path: folder.path + "/empty.mp4", width: 32, height: 32)
        #expect(throws: MediaError.self) { try writer.finish() }
        #expect(try folder.contents().isEmpty)
    }

    /// A stand-in ffmpeg that reads a little, complains and exits 3: the error carries the status
    /// and its last stderr line, nothing is left behind, and an earlier output stays untouched.
    @Test func aFailingFFmpegLeavesNothingAndReportsItsLastLine() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let failing = try folder.fakeFFmpeg("head -c 100 >/dev/null\necho 'warming up' >&2\n"
                                            + "echo 'Error: encoder exploded' >&2\nexit 3")
        let earlier = folder.path + "/clip.mp4"
        try Data("earlier".utf8).write(to: URL(fileURLWithPath: earlier))
        let expected = MediaError.ffmpegFailed(status: "exited with status 3", lastLine: "Error: encoder exploded")
        for frameCount in [1, 40] {  // 40 frames overflow the pipe, so the failure shows while writing
            let writer = try VideoWriter(path: earlier, width: 64, height: 48, ffmpeg: failing)
            #expect(throws: expected) {
                try writer.append(frames: gradientFrames(count: frameCount, width: 64, height: 48))
                try writer.finish()
            }
            #expect(try folder.contents() == ["clip.mp4", "fake-ffmpeg"])
            #expect(try Data(contentsOf: URL(fileURLWithPath: earlier)) == Data("earlier".utf8))
        }
    }

    @Test func ffmpegRunningOutOfSpaceReadsAsDiskFull() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let full = try folder.fakeFFmpeg("cat >/dev/null\n"
                                         + "echo 'av_interleaved_write_frame(): No space left on device' >&2\nexit 1")
        let writer = try VideoWriter(path: folder.path + "/clip.webm", width: 16, height: 16, ffmpeg: full)
        try writer.append(frames: gradientFrames(count: 2, width: 16, height: 16))
        #expect(throws: MediaError.diskFull(path: folder.path + "/clip.webm")) { try writer.finish() }
        #expect(try folder.contents() == ["fake-ffmpeg"])
    }

    /// ffmpeg 5 exits 0 when writing the trailer fails on a full disk: what it says decides, and the
    /// run is an error, not a file that will not play.
    @Test func ffmpegExitingZeroOnAFullDiskIsStillDiskFull() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let full = try folder.fakeFFmpeg("cat >/dev/null\n"
                                         + "echo '[mp4 @ 0x1] Error writing trailer of x.mp4: No space left on device' >&2\nexit 0")
        for path in ["clip.mp4", "clip.gif"] {
            let writer = try VideoWriter(path: folder.path + "/" + path, width: 16, height: 16, ffmpeg: full)
            try writer.append(frames: gradientFrames(count: 2, width: 16, height: 16))
            #expect(throws: MediaError.diskFull(path: folder.path + "/" + path)) { try writer.finish() }
            #expect(try folder.contents() == ["fake-ffmpeg"])
        }
        let other = try ScratchFolder()
        defer { other.remove() }
        let broken = try other.fakeFFmpeg("cat >/dev/null\necho 'Error writing trailer of x.gif: Input/output error' >&2\nexit 0")
        let writer = try VideoWriter(path: other.path + "/clip.mp4", width: 16, height: 16, ffmpeg: broken)
        try writer.append(frames: gradientFrames(count: 2, width: 16, height: 16))
        #expect(throws: MediaError.ffmpegFailed(status: "could not write the file",
                                                lastLine: "Error writing trailer of x.gif: Input/output error")) { try writer.finish() }
        #expect(try other.contents() == ["fake-ffmpeg"])
    }

    /// Opening a writer only checks: nothing exists beside the destination until the first frames,
    /// so a run that fails or is stopped before then leaves nothing. While frames are written, the
    /// partial output is listed for an immediate stop to remove, and only then.
    @Test(.enabled(if: ffmpegInstalled)) func theTemporaryOutputAppearsWithTheFirstFrames() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let writer = try VideoWriter(path: folder.path + "/clip.mp4", width: 32, height: 32)
        #expect(try folder.contents().isEmpty)
        try writer.append(frames: [])
        #expect(try folder.contents().isEmpty)
        try writer.append(frames: gradientFrames(count: 2, width: 32, height: 32))
        let partial = try folder.contents()
        #expect(partial.count == 1 && partial[0].hasPrefix(".clip.mp4.partial-"))
        #expect(PartialOutputs.current.contains(folder.path + "/" + partial[0]))
        // Not PartialOutputs.removeAll(): it ends every ffmpeg of this process, other tests' included
        // (scripts/test-hostile.sh covers it, in processes of its own).
        writer.cancel()
        #expect(!PartialOutputs.current.contains(folder.path + "/" + partial[0]))
        #expect(try folder.contents().isEmpty)
        #expect(throws: MediaError.self) { try writer.finish() }
        #expect(try folder.contents().isEmpty)
    }

    /// Only a regular file (or, for PNG frames, a folder of frames) is ever replaced: a FIFO or a
    /// device at the destination is refused before anything is written, and stays as it was.
    @Test func outputsReplaceOnlyRegularFiles() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let fifo = folder.path + "/clip.mp4"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: MediaError.destinationOccupied(path: fifo, detail: "it is a FIFO (named pipe), not a regular file")) {
            try VideoWriter.checkDestination(fifo)
        }
        #expect(throws: MediaError.destinationOccupied(path: fifo, detail: "it is a FIFO (named pipe), not a folder")) {
            try VideoWriter.checkDestination(fifo + "/")
        }
        let long = folder.path + "/" + String(repeating: "a", count: 252) + ".mp4"
        #expect(throws: MediaError.destinationOccupied(path: long, detail: "the name is 256 bytes, more than the 255 a file name may have")) {
            try VideoWriter.checkDestination(long)
        }
        try VideoWriter.checkDestination(folder.path + "/" + String(repeating: "a", count: 251) + ".mp4")
    }

    /// A name that is legal but leaves no room for the hidden temporary's prefix and suffix still
    /// works: the temporary takes a short name of its own.
    @Test(.enabled(if: ffmpegInstalled)) func aLongLegalNameIsWritten() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let name = String(repeating: "a", count: 247) + ".mp4"
        let writer = try VideoWriter(path: folder.path + "/" + name, width: 32, height: 32)
        try writer.append(frames: gradientFrames(count: 2, width: 32, height: 32))
        try writer.finish()
        #expect(try folder.contents() == [name])
    }

    /// The real ffmpeg, given an option it does not know by a wrapper script: its own last line
    /// comes back and no file is left.
    @Test(.enabled(if: ffmpegInstalled)) func aRealFFmpegFailureIsReported() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let real = try FFmpegTool().resolve()
        let wrapper = try folder.fakeFFmpeg("exec '\(real)' -no_such_option 1 \"$@\"")
        let writer = try VideoWriter(path: folder.path + "/clip.mp4", width: 64, height: 48, ffmpeg: wrapper)
        #expect {
            try writer.append(frames: gradientFrames(count: 40, width: 64, height: 48))
            try writer.finish()
        } throws: { error in
            guard case MediaError.ffmpegFailed(let status, let line) = error else { return false }
            return status == "exited with status 1" && line.contains("Option not found")
        }
        #expect(try folder.contents() == ["fake-ffmpeg"])
    }

    /// ffmpeg runs with this process's environment (read without touching the global `environ`).
    @Test func ffmpegInheritsTheEnvironment() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let home = try #require(ProcessInfo.processInfo.environment["HOME"])
        let echo = try folder.fakeFFmpeg("echo \"HOME=$HOME\" >&2\nexit 1")
        let writer = try VideoWriter(path: folder.path + "/clip.gif", width: 16, height: 16, ffmpeg: echo)
        #expect(throws: MediaError.ffmpegFailed(status: "exited with status 1", lastLine: "HOME=\(home)")) {
            try writer.append(frames: gradientFrames(count: 1, width: 16, height: 16))
            try writer.finish()
        }
    }
}
