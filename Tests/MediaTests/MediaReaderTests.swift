import Foundation
import Media
import Testing

@Suite("Reading images and videos", .enabled(if: ffmpegInstalled, "ffmpeg and ffprobe are not installed"))
struct MediaReaderTests {
    @Test func aPNGOfTheRequestedSizeComesBackExactly() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let frame = try gradientFrames(count: 1, width: 64, height: 48, first: 3)[0]
        let path = try folder.png("still.png", frame)
        #expect(try MediaReader.size(of: path) == (width: 64, height: 48))
        for fit in [FrameFit.cover(width: 64, height: 48), .native] {
            let clip = try MediaReader.read(path, fit: fit)
            #expect(clip.count == 1 && clip.width == 64 && clip.height == 48)
            #expect(clip.pixels == frame.pixels)
        }
    }

    @Test func coverScalesAndCropsToTheRequestedSize() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = try folder.png("wide.png", gradientFrames(count: 1, width: 64, height: 48)[0])
        let square = try MediaReader.read(path, fit: .cover(width: 32, height: 32))
        #expect(square.width == 32 && square.height == 32 && square.count == 1)
        let tall = try MediaReader.read(path, fit: .cover(width: 20, height: 50))
        #expect(tall.width == 20 && tall.height == 50)
        let larger = try MediaReader.read(path, fit: .cover(width: 129, height: 31))
        #expect(larger.width == 129 && larger.height == 31)
    }

    /// 96x64 video of three 32-pixel bands, red, green, blue. Covering 32x32 scales it to 48x32 and
    /// keeps the middle: columns 0-7 red, 8-23 green, 24-31 blue.
    @Test func aWideVideoCoveredToASquareKeepsItsMiddle() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let bands = ["red", "0x00FF00", "blue"].map { ["-f", "lavfi", "-i", "color=c=\($0):s=32x64:r=8:d=1"] }
        let path = try folder.ffmpeg("bands.mp4", bands.flatMap { $0 } + [
            "-filter_complex", "[0][1][2]hstack=inputs=3", "-frames:v", "4",
            "-c:v", "libx264", "-crf", "10", "-pix_fmt", "yuv420p"])
        #expect(try MediaReader.size(of: path) == (width: 96, height: 64))
        let clip = try MediaReader.read(path, fit: .cover(width: 32, height: 32))
        #expect(clip.width == 32 && clip.height == 32 && clip.count == 4)
        for (x, channel) in [(2, 0), (15, 1), (16, 1), (29, 2)] {
            let rgb = pixel(clip, frame: 3, x: x, y: 16)
            #expect(rgb[channel] > 200 && rgb.enumerated().allSatisfy { $0.offset == channel || $0.element < 60 },
                    "column \(x) is \(rgb)")
        }
    }

    @Test func aVideoGivesAllItsFramesOrTheFirstFew() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = try folder.ffmpeg("clip.mp4", ["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=8", "-frames:v", "10",
                                                  "-c:v", "libx264", "-pix_fmt", "yuv420p"])
        let all = try MediaReader.read(path, fit: .native)
        #expect(all.count == 10 && all.width == 96 && all.height == 64)
        let reference = [UInt8](try run("ffmpeg", ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]))
        #expect(all.pixels == reference)
        let first = try MediaReader.read(path, fit: .native, maxFrames: 3)
        #expect(first == (try all.slice(0..<3)))
        #expect(try MediaReader.read(path, fit: .native, maxFrames: 50).count == 10)
        let covered = try MediaReader.read(path, fit: .cover(width: 48, height: 48), maxFrames: 2)
        #expect(covered.count == 2 && covered.width == 48 && covered.height == 48)
        // Frames differ from each other (testsrc2 moves), so they are not one frame repeated.
        #expect(all.frames[0] != all.frames[9])
    }

    @Test func aRotatedVideoIsReadTheWayItIsShown() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let plain = try folder.ffmpeg("plain.mp4", ["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=8", "-frames:v", "3",
                                                    "-c:v", "libx264", "-pix_fmt", "yuv420p"])
        let rotated = try folder.ffmpeg("rotated.mp4", ["-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90"])
        #expect(try MediaReader.size(of: rotated) == (width: 64, height: 96))
        let clip = try MediaReader.read(rotated, fit: .native)
        #expect(clip.width == 64 && clip.height == 96 && clip.count == 3)
    }

    @Test func aJPEGIsReadAsOneFrame() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = try folder.ffmpeg("photo.jpg", ["-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1",
                                                   "-q:v", "2"])
        let clip = try MediaReader.read(path, fit: .native)
        #expect(clip.count == 1 && clip.width == 64 && clip.height == 48)
        // At its own size, the bytes of ffmpeg's plain conversion (what imageio's `-pix_fmt rgb24` gives).
        let reference = [UInt8](try run("ffmpeg", ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]))
        #expect(clip.pixels == reference)
        let upper = folder.path + "/PHOTO.JPEG"
        try FileManager.default.copyItem(atPath: path, toPath: upper)
        #expect(try MediaReader.read(upper, fit: .cover(width: 16, height: 16)).width == 16)
    }

    @Test func awkwardNamesAndAlphaAreRead() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let frame = try gradientFrames(count: 1, width: 16, height: 8)[0]
        // image2 would read '%d' as a frame-number pattern and ':' as a protocol.
        let path = try folder.png("shot %d: 100%.png", frame)
        #expect(try MediaReader.read(path, fit: .native).pixels == frame.pixels)
        // Alpha is dropped, not blended: RGBA (10, 20, 30, 128) reads as (10, 20, 30).
        let raw = try folder.text("rgba.raw", "")
        try Data([10, 20, 30, 128, 200, 100, 50, 0]).write(to: URL(fileURLWithPath: raw))
        let rgba = try folder.ffmpeg("alpha.png", ["-f", "rawvideo", "-pix_fmt", "rgba", "-video_size", "2x1",
                                                   "-i", raw, "-pix_fmt", "rgba"])
        #expect(try MediaReader.read(rgba, fit: .native).pixels == [10, 20, 30, 200, 100, 50])
    }
}
