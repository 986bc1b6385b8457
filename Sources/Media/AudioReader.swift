/// Reads the sound of any file ffmpeg decodes (WAV, MP3, AAC, FLAC, Ogg, a video's soundtrack, …)
/// as mono 32-bit float samples at a chosen rate, ffmpeg mixing the channels down and resampling.
///
/// ```swift
/// let song = try AudioReader.read("song.mp3")   // 22050 Hz, the rate the beat tracker expects
/// print(song.duration, song.samples.count)
/// ```
///
/// As with ``MediaReader``, the path is checked with `stat` first (a FIFO or device is refused
/// rather than handed to ffmpeg, which would wait on it), and ffmpeg runs without a shell, its
/// samples read from a pipe.
public enum AudioReader {
    /// The rate samples are read at unless told otherwise: librosa's default, which the beat
    /// tracker's parity with librosa needs.
    public static let defaultSampleRate = 22050
    /// The longest audio read unless told otherwise, in seconds (one hour: 317 MB of samples at 22050 Hz).
    public static let defaultMaxDuration = 3600.0

    /// Reads `path`'s first audio stream.
    ///
    /// - Parameters:
    ///   - sampleRate: Samples per second to resample to (1000 to 384000).
    ///   - start: Seconds to skip from the start of the audio.
    ///   - maxDuration: The most seconds to read; longer audio is refused with
    ///     ``MediaError/audioTooLong(path:limit:)`` rather than cut.
    ///   - ffmpeg: Which ffmpeg to run.
    /// - Throws: ``MediaError`` naming the path: missing, not a regular file, not readable by ffmpeg,
    ///   no audio stream, no samples, too long, or decoding failed part way.
    public static func read(_ path: String, sampleRate: Int = defaultSampleRate, start: Double = 0,
                            maxDuration: Double = defaultMaxDuration,
                            ffmpeg: FFmpegTool = FFmpegTool()) throws(MediaError) -> AudioSamples {
        guard (1000...384_000).contains(sampleRate) else {
            throw .invalidSettings(detail: "cannot read audio at \(sampleRate) Hz: the rate must be 1000 to 384000")
        }
        guard maxDuration > 0 && maxDuration.isFinite else {
            throw .invalidSettings(detail: "the longest audio to read, \(maxDuration) s, must be a positive number")
        }
        try checkStart(start)
        try checkFile(path)
        let decoder = AudioDecoder(executable: try ffmpeg.resolve(), path: path)
        let limit = Int((maxDuration * Double(sampleRate)).rounded(.up))
        let (samples, cut) = try decoder.samples(sampleRate: sampleRate, start: start, limit: limit)
        if cut { throw .audioTooLong(path: path, limit: maxDuration) }
        return AudioSamples(sampleRate: sampleRate, samples: samples)
    }

    /// Throws unless `path` is a regular file this process can open.
    static func checkFile(_ path: String) throws(MediaError) {
        do throws(MediaError) {
            if try MediaInput(path: path) == .folder { throw .notAnAudioFile(path: path, kind: "a folder") }
        } catch {
            if case .inputNotAFileOrFolder(let path, let kind) = error { throw .notAnAudioFile(path: path, kind: kind) }
            throw error
        }
    }

    /// Throws unless `start` is a number of seconds from 0 up to a billion (31 years).
    static func checkStart(_ start: Double) throws(MediaError) {
        guard start >= 0 && start < 1e9 else {
            throw .invalidSettings(detail: "the audio start \(start) s must be a number of seconds from 0 to 1e9")
        }
    }
}

/// Decodes one file's audio through ffmpeg into mono float32 samples read from its stdout.
struct AudioDecoder {
    /// The ffmpeg executable's path.
    let executable: String
    /// The file to decode.
    let path: String

    /// Up to `limit` samples at `sampleRate` from `start` seconds on; `cut` is true when the audio
    /// goes on past them (ffmpeg is then stopped). Throws for no audio at all.
    func samples(sampleRate: Int, start: Double, limit: Int) throws(MediaError) -> (samples: [Float], cut: Bool) {
        let seek = start > 0 ? ["-ss", ffmpegSeconds(start)] : []
        // "file:" keeps a ':' in the path from reading as a protocol.
        let process = try FFmpegProcess(
            executable: executable,
            arguments: ["-nostdin", "-hide_banner", "-nostats", "-v", "error"] + seek
                + ["-i", "file:" + path, "-map", "0:a:0?", "-ac", "1", "-ar", String(sampleRate),
                   "-f", "f32le", "pipe:1"],
            piped: .stdout)
        let chunk = 1 << 16
        var samples: [Float] = []
        var leftover = 0
        while samples.count <= limit {
            let count = min(chunk, limit + 1 - samples.count)
            let old = samples.count
            samples.append(contentsOf: repeatElement(0, count: count))
            let result = samples.withUnsafeMutableBytes { bytes in
                process.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[(old * 4)..<((old + count) * 4)]))
            }
            let received: Int
            switch result {
            case .success(let count):
                received = count
            case .failure(let error):
                process.terminate()
                throw .io(operation: "reading ffmpeg's samples of", path: path, reason: POSIXFiles.reason(error.code))
            }
            if received < count * 4 {
                samples.removeLast(count - received / 4)
                leftover = received % 4
                break
            }
        }
        if samples.count > limit {
            process.terminate()
            return (Array(samples.prefix(limit)), true)
        }
        let succeeded = process.finishReading()
        let line = process.lastErrorLine()
        if !succeeded && samples.isEmpty {
            if line == "Output file #0 does not contain any stream" { throw .noAudioStream(path: path) }
            throw .notAudio(path: path, lastLine: line)
        }
        if !succeeded { throw .decodingFailed(path: path, lastLine: line) }
        if leftover != 0 {
            throw .decodingFailed(path: path, lastLine: "its output ended in the middle of a sample")
        }
        if samples.isEmpty { throw .noAudioSamples(path: path, start: start) }
        return (samples, false)
    }
}

/// Seconds as ffmpeg's time options take them, to the microsecond: `12.500000` (never `1e-05`).
func ffmpegSeconds(_ seconds: Double) -> String {
    let micro = Int((seconds * 1_000_000).rounded())
    let fraction = String(micro % 1_000_000)
    return "\(micro / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
}
