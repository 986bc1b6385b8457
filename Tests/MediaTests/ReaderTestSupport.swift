import Foundation
import Media

extension ScratchFolder {
    /// Writes `frame` as a lossless rgb24 PNG at `name` (inside this folder), through the PNG-folder
    /// writer; returns its path.
    @discardableResult
    func png(_ name: String, _ frame: RGBFrame) throws -> String {
        let staging = path + "/.png-\(UUID().uuidString)/"
        let writer = try VideoWriter(path: staging, width: frame.width, height: frame.height)
        try writer.append(frames: [frame])
        try writer.finish()
        let destination = path + "/" + name
        try FileManager.default.moveItem(atPath: staging + "frame_00001.png", toPath: destination)
        try FileManager.default.removeItem(atPath: staging)
        return destination
    }

    /// Runs ffmpeg with `arguments` then `name` (inside this folder) as the output; returns its path.
    @discardableResult
    func ffmpeg(_ name: String, _ arguments: [String]) throws -> String {
        let destination = path + "/" + name
        _ = try run("ffmpeg", ["-v", "error", "-y"] + arguments + [destination])
        return destination
    }

    /// A FIFO (named pipe) at `name`; returns its path. Should a reader block on it, it is opened
    /// for writing after 10 s, which unblocks the reader, so the test fails on time instead of hanging.
    func fifo(_ name: String) throws -> String {
        let destination = path + "/" + name
        guard mkfifo(destination, 0o600) == 0 else { throw ToolFailure(description: "cannot create \(destination)") }
        DispatchQueue.global().asyncAfter(deadline: .now() + 10) {
            let fd = open(destination, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
        }
        return destination
    }

    /// A file holding `text`; returns its path.
    @discardableResult
    func text(_ name: String, _ text: String) throws -> String {
        let destination = path + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: destination))
        return destination
    }
}

/// A frame of one colour.
func solidFrame(width: Int, height: Int, _ rgb: [UInt8]) throws -> RGBFrame {
    try RGBFrame(width: width, height: height, pixels: Array((0..<(width * height)).map { _ in rgb }.joined()))
}

/// The pixel at (x, y) of frame `f`.
func pixel(_ clip: VideoFrames, frame f: Int = 0, x: Int, y: Int) -> [UInt8] {
    let i = ((f * clip.height + y) * clip.width + x) * 3
    return Array(clip.pixels[i..<i + 3])
}

/// Mean absolute difference of two equal-length byte arrays.
func meanDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
    guard a.count == b.count, !a.isEmpty else { return .infinity }
    return Double(zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.count)
}

/// Whether `error` is a ``MediaError`` for which `matches` holds, with a one-line description
/// that mentions `mentioning`.
func isMediaError(_ error: any Error, mentioning: String, _ matches: (MediaError) -> Bool = { _ in true }) -> Bool {
    guard let error = error as? MediaError else { return false }
    let text = error.description
    return matches(error) && text.contains(mentioning) && !text.contains("\n")
}
