/// Decodes one file through ffmpeg into 8-bit RGB, reading the frames from its stdout: a video as a
/// stream of raw `rgb24` frames of a size known in advance, a single frame as a PPM image (whose
/// header says its size).
struct FFmpegDecoder {
    /// The ffmpeg executable's path.
    let executable: String
    /// The file to decode.
    let path: String

    /// Extensions of single images, read with the image2pipe demuxer: the image2 demuxer that ffmpeg
    /// would otherwise pick takes a `%` in the name as a frame-number pattern.
    private static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "bmp", "webp", "tif", "tiff",
                                                        "ppm", "pgm", "pbm", "pnm", "pam"]

    /// Up to `maxFrames` frames (nil: all) scaled to cover `width` x `height` and centre-cropped,
    /// refusing output beyond `byteLimit` bytes.
    func frames(width: Int, height: Int, maxFrames: Int?, byteLimit: Int) throws(MediaError) -> VideoFrames {
        let frameBytes = width * height * 3
        let process = try start(filter: FrameFit.coverFilter(width: width, height: height), maxFrames: maxFrames,
                                output: ["-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        var pixels: [UInt8] = []
        if let maxFrames { pixels.reserveCapacity(min(maxFrames, byteLimit / max(frameBytes, 1)) * frameBytes) }
        var count = 0
        while maxFrames.map({ count < $0 }) ?? true {
            let needed = VideoFrames.byteCount(width: width, height: height, frames: count + 1)
            if needed.map({ $0 > byteLimit }) ?? true {
                var probe: [UInt8] = [0]
                if try read(process, into: &probe, from: 0, frameBytes: 1) == 0 {
                    try finish(process, framesRead: count, partial: false)
                    break
                }
                process.terminate()
                throw .inputTooLarge(path: path, detail: MediaReader.limitDetail(fitting: count, width: width,
                                                                                  height: height, byteLimit: byteLimit))
            }
            pixels.append(contentsOf: repeatElement(0, count: frameBytes))
            let received = try read(process, into: &pixels, from: count * frameBytes, frameBytes: frameBytes)
            if received < frameBytes {
                pixels.removeLast(frameBytes)
                try finish(process, framesRead: count, partial: received > 0)
                break
            }
            count += 1
        }
        process.terminate()  // after maxFrames it may still be writing; nothing more is needed from it
        guard count > 0 else { throw .noFrames(path: path) }
        return VideoFrames(unchecked: width, height, count, pixels)
    }

    /// The first frame at its own size (`fit` nil) or covering the given size.
    func firstFrame(fit: (width: Int, height: Int)?) throws(MediaError) -> RGBFrame {
        let process = try startPPM(fit: fit)
        let size = try readPPMHeader(process)
        var pixels = [UInt8](repeating: 0, count: size.width * size.height * 3)
        let received = try read(process, into: &pixels, from: 0, frameBytes: pixels.count)
        try finish(process, framesRead: received == pixels.count ? 1 : 0, partial: received < pixels.count)
        return try RGBFrame(width: size.width, height: size.height, pixels: pixels)
    }

    /// The first frame's width and height, as ffmpeg decodes it (after applying a video's rotation,
    /// which ffprobe's stream size leaves out).
    func firstFrameSize() throws(MediaError) -> (width: Int, height: Int) {
        let process = try startPPM(fit: nil)
        defer { process.terminate() }
        return try readPPMHeader(process)
    }

    private func startPPM(fit: (width: Int, height: Int)?) throws(MediaError) -> FFmpegProcess {
        try start(filter: fit.map { FrameFit.coverFilter(width: $0.width, height: $0.height) }, maxFrames: 1,
                  output: ["-f", "image2pipe", "-c:v", "ppm", "-pix_fmt", "rgb24", "-"])
    }

    private func start(filter: String?, maxFrames: Int?, output: [String]) throws(MediaError) -> FFmpegProcess {
        let name = path.split(separator: "/").last ?? ""
        let suffix = name.lastIndex(of: ".").map { name[name.index(after: $0)...].lowercased() } ?? ""
        let demuxer = FFmpegDecoder.imageExtensions.contains(suffix) ? ["-f", "image2pipe"] : []
        // "file:" keeps a ':' in the path from reading as a protocol.
        let arguments = ["-nostdin", "-hide_banner", "-nostats", "-v", "error"] + demuxer + ["-i", "file:" + path,
                         "-an", "-sn", "-dn"] + (filter.map { ["-vf", $0] } ?? [])
            + (maxFrames.map { ["-frames:v", String($0)] } ?? []) + output
        return try FFmpegProcess(executable: executable, arguments: arguments, piped: .stdout)
    }

    /// Reads up to `frameBytes` bytes into `pixels` from `offset`; returns how many came.
    private func read(_ process: FFmpegProcess, into pixels: inout [UInt8], from offset: Int,
                      frameBytes: Int) throws(MediaError) -> Int {
        let result = pixels.withUnsafeMutableBytes { buffer in
            process.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<offset + frameBytes]))
        }
        switch result {
        case .success(let count): return count
        case .failure(let error):
            process.terminate()
            throw .io(operation: "reading ffmpeg's frames of", path: path, reason: POSIXFiles.reason(error.code))
        }
    }

    /// Waits for ffmpeg after its output ended; throws unless it exited cleanly after whole frames.
    private func finish(_ process: FFmpegProcess, framesRead: Int, partial: Bool) throws(MediaError) {
        let succeeded = process.finishReading()
        let line = process.lastErrorLine()
        if !succeeded && framesRead == 0 {
            throw .notMedia(path: path, lastLine: line == "Output file #0 does not contain any stream"
                            ? "it holds no video stream" : line)
        }
        if !succeeded { throw .decodingFailed(path: path, lastLine: line) }
        if partial { throw .decodingFailed(path: path, lastLine: "its output ended in the middle of a frame") }
    }

    /// Reads a PPM header (`P6`, width, height, `255`, each followed by one whitespace byte) and
    /// checks that one frame of that size is under 4 GiB. An empty output means ffmpeg failed.
    private func readPPMHeader(_ process: FFmpegProcess) throws(MediaError) -> (width: Int, height: Int) {
        var fields: [String] = []
        var field: [UInt8] = []
        var byte: [UInt8] = [0]
        var consumed = 0
        while fields.count < 4 && consumed < 64 {
            guard try read(process, into: &byte, from: 0, frameBytes: 1) == 1 else {
                try finish(process, framesRead: 0, partial: consumed > 0)
                throw .noFrames(path: path)
            }
            consumed += 1
            if byte[0] == 0x20 || (0x09...0x0d).contains(byte[0]) {
                if !field.isEmpty { fields.append(String(decoding: field, as: UTF8.self)) }
                field = []
            } else {
                field.append(byte[0])
            }
        }
        guard fields.count == 4, fields[0] == "P6", fields[3] == "255",
              let width = Int(fields[1]), let height = Int(fields[2]), width > 0, height > 0,
              let bytes = VideoFrames.byteCount(width: width, height: height, frames: 1),
              bytes <= MediaReader.defaultByteLimit else {
            process.terminate()
            throw .decodingFailed(path: path,
                                  lastLine: "ffmpeg's output does not start with a PPM header for an image under 4 GiB")
        }
        return (width, height)
    }
}
