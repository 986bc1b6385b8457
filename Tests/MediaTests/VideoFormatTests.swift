import Foundation
import Media
import Tensor
import Testing

/// Each format written from a 9-frame 64×48 clip and read back with ffprobe.
@Suite("Video files through ffmpeg", .enabled(if: ffmpegInstalled, "ffmpeg and ffprobe are not installed"))
struct VideoFormatTests {
    static let metadata = (try? VideoMetadata([
        ("title", "Zoetrope test clip"), ("comment", unicodePrompt), ("description", unicodePrompt),
        ("seed", "1234"), ("settings", "steps=50 guidance=5.0 shift=3.0"),
    ])) ?? VideoMetadata()

    private func write(_ name: String, fps: Int, width: Int = 64, height: Int = 48, in folder: ScratchFolder) throws -> String {
        let path = folder.path + "/" + name
        let writer = try VideoWriter(path: path, width: width, height: height, fps: fps, metadata: Self.metadata)
        // Chunks as the VAE decodes them: 1 frame, then 4 at a time.
        try writer.append(frames: gradientFrames(count: 1, width: width, height: height))
        try writer.append(frames: gradientFrames(count: 4, width: width, height: height, first: 1))
        try writer.append(frames: gradientFrames(count: 4, width: width, height: height, first: 5))
        #expect(writer.framesWritten == 9)
        try writer.finish()
        #expect(try folder.contents() == [name.hasSuffix("/") ? String(name.dropLast()) : name])
        return path
    }

    @Test(arguments: [16, 24])
    func mp4IsH264Yuv420pWithTheRequestedRateAndTags(fps: Int) throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let probe = try Probe(write("clip.mp4", fps: fps, in: folder))
        #expect(probe.string("codec_name") == "h264")
        #expect(probe.int("width") == 64 && probe.int("height") == 48)
        #expect(probe.int("nb_read_frames") == 9)
        #expect(probe.string("r_frame_rate") == "\(fps)/1")
        #expect(probe.string("pix_fmt") == "yuv420p")
        #expect(probe.tag("title") == "Zoetrope test clip")
        #expect(probe.tag("comment") == unicodePrompt)
        #expect(probe.tag("description") == unicodePrompt)
        #expect(probe.tag("seed") == "1234")
        #expect(probe.tag("settings") == "steps=50 guidance=5.0 shift=3.0")
    }

    @Test(arguments: [16, 24])
    func webmIsVP9Yuv420pWithTheRequestedRateAndTags(fps: Int) throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let probe = try Probe(write("clip.webm", fps: fps, in: folder))
        #expect(probe.string("codec_name") == "vp9")
        #expect(probe.int("width") == 64 && probe.int("height") == 48)
        #expect(probe.int("nb_read_frames") == 9)
        #expect(probe.string("r_frame_rate") == "\(fps)/1")
        #expect(probe.string("pix_fmt") == "yuv420p")
        #expect(probe.tag("title") == "Zoetrope test clip")
        #expect(probe.tag("comment") == unicodePrompt)
        #expect(probe.tag("description") == unicodePrompt)
        #expect(probe.tag("seed") == "1234")
        #expect(probe.tag("settings") == "steps=50 guidance=5.0 shift=3.0")
    }

    /// GIF delays are hundredths of a second, so only rates that divide 100 come back exactly;
    /// 16 fps alternates 6 and 7 (ffprobe still reports 16/1). Odd sizes are fine here.
    @Test(arguments: [16, 10])
    func gifHasAllFramesAndTheCommentExtension(fps: Int) throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let probe = try Probe(write("clip.gif", fps: fps, width: 63, height: 47, in: folder))
        #expect(probe.string("codec_name") == "gif")
        #expect(probe.int("width") == 63 && probe.int("height") == 47)
        #expect(probe.int("nb_read_frames") == 9)
        #expect(probe.string("r_frame_rate") == "\(fps)/1")
        let comment = try #require(probe.tag("comment"))
        #expect(comment == "title=Zoetrope test clip\ncomment=\(unicodePrompt)\ndescription=\(unicodePrompt)\n"
                + "seed=1234\nsettings=steps=50 guidance=5.0 shift=3.0")
    }

    @Test func gifCommentsLongerThanOneSubBlockSurvive() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let long = String(repeating: "a long prompt é ", count: 60)  // ~1 KB: several 255-byte sub-blocks
        let path = folder.path + "/long.gif"
        let writer = try VideoWriter(path: path, width: 16, height: 16, metadata: .generation(prompt: long))
        try writer.append(frames: gradientFrames(count: 2, width: 16, height: 16))
        try writer.finish()
        #expect(try Probe(path).tag("comment") == "comment=\(long)")
    }

    @Test func decodedTensorsAreConvertedAndWritten() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = folder.path + "/decoded.mp4"
        let writer = try VideoWriter(path: path, width: 32, height: 16)
        for frames in [1, 4, 4] {
            let count = 3 * frames * 16 * 32
            let values = (0..<count).map { Float($0 % 97) / 48 - 1 }
            try writer.append(decodedVideo: Tensor(values, shape: [1, 3, frames, 16, 32]))
        }
        try writer.finish()
        let probe = try Probe(path)
        #expect(probe.int("nb_read_frames") == 9)
        #expect(probe.int("width") == 32 && probe.int("height") == 16)
    }

    @Test func anEarlierOutputIsReplacedOnlyAtTheEnd() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = folder.path + "/clip.mp4"
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        let writer = try VideoWriter(path: path, width: 64, height: 48)
        try writer.append(frames: gradientFrames(count: 3, width: 64, height: 48))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("old".utf8))
        try writer.finish()
        #expect(try Probe(path).int("nb_read_frames") == 3)
        #expect(try folder.contents() == ["clip.mp4"])
    }

    /// ffmpeg reads `name:` as a protocol and image2 reads `%` as a pattern; neither may leak in.
    @Test func pathsWithColonsAndPercentSignsAreWrittenLiterally() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let odd = "proto:100% %d done"
        try FileManager.default.createDirectory(atPath: folder.path + "/" + odd, withIntermediateDirectories: false)
        for name in ["v1:%s.mp4", "frames%03d/"] {
            let writer = try VideoWriter(path: "\(folder.path)/\(odd)/\(name)", width: 16, height: 16)
            try writer.append(frames: gradientFrames(count: 2, width: 16, height: 16))
            try writer.finish()
        }
        #expect(try folder.contents(odd) == ["frames%03d", "v1:%s.mp4"])
        #expect(try folder.contents(odd + "/frames%03d") == ["frame_00001.png", "frame_00002.png"])
    }
}
