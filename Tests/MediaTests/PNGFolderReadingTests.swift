import Foundation
import Media
import Testing

@Suite("Reading folders of numbered PNG frames", .enabled(if: ffmpegInstalled, "ffmpeg and ffprobe are not installed"))
struct PNGFolderReadingTests {
    @Test func framesAreOrderedByTheirLastNumber() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        // Frame n has red 8·n; the names sort differently as text.
        let names = [(10, "take3_frame_10.png"), (2, "take3_frame_2.png"), (1, "take3_frame_001.PNG"),
                     (7, "7.png"), (30, "z30.png")]
        for (number, name) in names {
            try folder.png(name, solidFrame(width: 6, height: 4, [UInt8(8 * number), 0, 255]))
        }
        try folder.text("notes.txt", "not a frame")
        try folder.text("frame_5.png.bak", "not a frame either")
        try FileManager.default.createDirectory(atPath: folder.path + "/frame_4.png", withIntermediateDirectories: false)

        let clip = try MediaReader.read(folder.path, fit: .native)
        #expect(clip.count == 5 && clip.width == 6 && clip.height == 4)
        #expect((0..<5).map { pixel(clip, frame: $0, x: 0, y: 0)[0] } == [8, 16, 56, 80, 240])
        #expect(try MediaReader.size(of: folder.path + "/") == (width: 6, height: 4))
        let firstTwo = try MediaReader.read(folder.path + "/", fit: .cover(width: 3, height: 3), maxFrames: 2)
        #expect(firstTwo.count == 2 && firstTwo.width == 3 && firstTwo.height == 3)
        #expect(pixel(firstTwo, frame: 1, x: 1, y: 1) == [16, 0, 255])
    }

    @Test func framesOfDifferentSizesNeedACoverSize() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        try folder.png("f1.png", solidFrame(width: 8, height: 6, [200, 10, 10]))
        let odd = try folder.png("f2.png", solidFrame(width: 12, height: 6, [10, 200, 10]))
        #expect {
            try MediaReader.read(folder.path, fit: .native)
        } throws: { error in
            isMediaError(error, mentioning: odd) { if case .frameSizeMismatch = $0 { true } else { false } }
                && "\(error)".contains("12x6") && "\(error)".contains("8x6")
        }
        let clip = try MediaReader.read(folder.path, fit: .cover(width: 4, height: 4))
        #expect(clip.count == 2 && pixel(clip, frame: 1, x: 2, y: 2) == [10, 200, 10])
    }

    @Test func foldersWithoutOrderableFramesAreRefused() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let frame = try solidFrame(width: 2, height: 2, [1, 2, 3])
        let empty = folder.path + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
        try folder.text("empty/readme.txt", "no frames here")
        #expect(throws: MediaError.noPNGFrames(folder: empty)) { try MediaReader.read(empty, fit: .native) }
        #expect(throws: MediaError.noPNGFrames(folder: empty)) { try MediaReader.size(of: empty) }

        try FileManager.default.createDirectory(atPath: folder.path + "/named", withIntermediateDirectories: false)
        try folder.png("named/frame_1.png", frame)
        let unnumbered = try folder.png("named/cover.png", frame)
        #expect(throws: MediaError.unnumberedFrame(path: unnumbered)) {
            try MediaReader.read(folder.path + "/named", fit: .native)
        }

        try FileManager.default.createDirectory(atPath: folder.path + "/twice", withIntermediateDirectories: false)
        let a = try folder.png("twice/a_02.png", frame)
        let b = try folder.png("twice/b_2.png", frame)
        #expect(throws: MediaError.duplicateFrameNumber(path: a, other: b)) {
            try MediaReader.read(folder.path + "/twice", fit: .native)
        }
        #expect(MediaError.duplicateFrameNumber(path: a, other: b).description.contains("b_2.png"))
    }

    @Test func aBrokenFrameIsNamed() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        try folder.png("frame_1.png", solidFrame(width: 2, height: 2, [1, 2, 3]))
        let broken = try folder.text("frame_2.png", "this is text, not a PNG")
        #expect {
            try MediaReader.read(folder.path, fit: .native)
        } throws: { error in
            isMediaError(error, mentioning: broken) { if case .notMedia = $0 { true } else { false } }
        }
    }

    @Test func theByteLimitCountsAllFrames() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        for n in 1...3 { try folder.png("f\(n).png", solidFrame(width: 4, height: 4, [UInt8(n), 0, 0])) }
        #expect(try MediaReader.read(folder.path, fit: .native, byteLimit: 3 * 48).count == 3)
        #expect {
            try MediaReader.read(folder.path, fit: .native, byteLimit: 3 * 48 - 1)
        } throws: { error in
            isMediaError(error, mentioning: folder.path) { if case .inputTooLarge = $0 { true } else { false } }
        }
    }
}
