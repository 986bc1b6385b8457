import Foundation
import Media

/// Whether ffmpeg and ffprobe are installed (scripts/setup.sh installs them); the tests that run
/// them are skipped otherwise.
let ffmpegInstalled: Bool = (try? FFmpegTool().resolve()) != nil
    && (try? FFmpegTool(executable: "ffprobe").resolve()) != nil

/// A prompt with accents, an emoji, CJK, quotes, `=` and a newline, to check what survives.
let unicodePrompt = "Un chat roux 🐱 saute — « très » vite; 猫が跳ぶ = \"jump\"\nsecond line"

/// A fresh empty folder under the temporary directory, removed by `remove()`.
struct ScratchFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "zoetrope-media-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Names in the folder, hidden ones included, sorted.
    func contents(_ sub: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: sub.isEmpty ? path : path + "/" + sub).sorted()
    }

    /// An executable shell script standing in for ffmpeg. Written through a close-on-exec
    /// descriptor: a child spawned by a test running in parallel must not inherit it open for
    /// writing, or running the script fails with ETXTBSY ("Text file busy").
    func fakeFFmpeg(_ body: String) throws -> FFmpegTool {
        let script = path + "/fake-ffmpeg"
        let fd = open(script, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw ToolFailure(description: "cannot create \(script)") }
        let bytes = Array(("#!/bin/sh\n" + body + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw ToolFailure(description: "cannot write \(script)") }
        return FFmpegTool(executable: script)
    }
}

/// A moving gradient: red across x, green down y, both shifting with the frame; blue by frame.
func gradientFrames(count: Int, width: Int, height: Int, first: Int = 0) throws -> [RGBFrame] {
    try (first..<(first + count)).map { f in
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                pixels[i] = UInt8(truncatingIfNeeded: x * 255 / max(width - 1, 1) + f * 12)
                pixels[i + 1] = UInt8(truncatingIfNeeded: y * 255 / max(height - 1, 1) + f * 7)
                pixels[i + 2] = UInt8(truncatingIfNeeded: f * 28)
            }
        }
        return try RGBFrame(width: width, height: height, pixels: pixels)
    }
}

/// Runs a tool and returns its stdout, or throws with its stderr.
func run(_ executable: String, _ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try FFmpegTool(executable: executable).resolve())
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ToolFailure(description: "\(executable) \(arguments.joined(separator: " ")): \(errorText)")
    }
    return data
}

struct ToolFailure: Error, CustomStringConvertible { let description: String }

/// What `ffprobe -count_frames -show_streams -show_format -of json` says about a file's first stream.
struct Probe {
    let stream: [String: Any]
    let format: [String: Any]

    init(_ path: String) throws {
        let data = try run("ffprobe", ["-v", "error", "-count_frames", "-show_streams", "-show_format",
                                       "-of", "json", path])
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        stream = (json?["streams"] as? [[String: Any]])?.first ?? [:]
        format = json?["format"] as? [String: Any] ?? [:]
    }

    func string(_ key: String) -> String? { stream[key] as? String }
    func int(_ key: String) -> Int? { (stream[key] as? Int) ?? (stream[key] as? String).flatMap { Int($0) } }

    /// A container tag, looked up without regard to case (Matroska upper-cases custom keys).
    func tag(_ key: String) -> String? {
        let tags = format["tags"] as? [String: String] ?? [:]
        return tags.first { $0.key.lowercased() == key.lowercased() }?.value
    }
}
