import Foundation
import Media
import Testing

@Suite("PNG frame folders", .enabled(if: ffmpegInstalled, "ffmpeg and ffprobe are not installed"))
struct PNGFolderTests {
    static let metadata = VideoMetadata.generation(prompt: unicodePrompt, seed: 7, settings: "steps=4 café")

    @Test func framesAreLosslessNumberedPNGsWithTextChunks() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let frames = try gradientFrames(count: 9, width: 64, height: 48)
        let writer = try VideoWriter(path: folder.path + "/frames/", width: 64, height: 48, metadata: Self.metadata)
        try writer.append(frames: Array(frames[0..<1]))
        try writer.append(frames: Array(frames[1...]))
        try writer.finish()

        #expect(try folder.contents() == ["frames"])
        #expect(try folder.contents("frames") == (1...9).map { "frame_0000\($0).png" })
        for index in [1, 9] {
            let path = folder.path + "/frames/frame_0000\(index).png"
            let probe = try Probe(path)
            #expect(probe.string("codec_name") == "png")
            #expect(probe.int("width") == 64 && probe.int("height") == 48)
            let decoded = try run("ffmpeg", ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
            #expect([UInt8](decoded) == frames[index - 1].pixels)

            let chunks = try textChunks(inPNG: path)
            #expect(chunks["comment"] == unicodePrompt)
            #expect(chunks["seed"] == "7" && chunks["settings"] == "steps=4 café")
        }
        // ffmpeg's PNG decoder reads tEXt (Latin-1) chunks but not iTXt ones.
        let frameTags = try run("ffprobe", ["-v", "error", "-show_frames", "-of", "json",
                                            folder.path + "/frames/frame_00001.png"])
        let tags = String(decoding: frameTags, as: UTF8.self)
        #expect(tags.contains("\"seed\": \"7\"") && tags.contains("\"settings\": \"steps=4 café\""))
    }

    @Test func anEarlierFrameFolderIsReplacedOnlyAtTheEnd() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = folder.path + "/frames/"
        for count in [12, 3] {
            let writer = try VideoWriter(path: path, width: 16, height: 16)
            try writer.append(frames: gradientFrames(count: count, width: 16, height: 16))
            if count == 3 { #expect(try folder.contents("frames").count == 12) }
            try writer.finish()
            #expect(try folder.contents("frames").count == count)
        }
        #expect(try folder.contents() == ["frames"])
    }

    @Test func aFolderHoldingOtherFilesIsNotReplaced() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.path + "/mine", withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: folder.path + "/mine/notes.txt"))
        #expect {
            try VideoWriter(path: folder.path + "/mine/", width: 16, height: 16)
        } throws: { error in
            guard case MediaError.destinationOccupied = error else { return false }
            return "\(error)".contains("notes.txt")
        }
        #expect(try folder.contents() == ["mine"])
        #expect(try folder.contents("mine") == ["notes.txt"])
    }

    /// The tEXt (Latin-1) and iTXt (UTF-8, uncompressed) chunks of a PNG, by keyword.
    private func textChunks(inPNG path: String) throws -> [String: String] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var chunks: [String: String] = [:]
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            let data = Array(bytes[offset + 8..<offset + 8 + length])
            if let nul = data.firstIndex(of: 0), type == "tEXt" || type == "iTXt" {
                let keyword = String(decoding: data[..<nul], as: UTF8.self)
                if type == "tEXt" {
                    chunks[keyword] = String(data[(nul + 1)...].map { Character(Unicode.Scalar($0)) })
                } else {
                    #expect(data[nul + 1] == 0, "iTXt must be uncompressed")
                    // Skip the compression flag and method, then the empty language tag and
                    // translated keyword (one NUL each).
                    chunks[keyword] = String(decoding: data[(nul + 5)...], as: UTF8.self)
                }
            }
            offset += 12 + length
        }
        return chunks
    }
}
