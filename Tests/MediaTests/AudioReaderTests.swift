import Foundation
import Media
import Tensor
import TestSupport
import Testing

@Suite("Reading audio", .enabled(if: ffmpegInstalled, "ffmpeg and ffprobe are not installed"))
struct AudioReaderTests {
    /// The beat fixtures' WAV files decode to the very samples librosa analysed (16-bit values / 32768):
    /// tools/fixtures/make_beat_fixtures.py stored their count, sum and 32 of them.
    @Test func aFixtureWAVReadsAsTheSamplesLibrosaSaw() throws {
        let text = try String(contentsOfFile: fixturePath("beats/beats.json"), encoding: .utf8)
        let signals = try JSONValue(parsing: text)["signals"]?.arrayValue ?? []
        #expect(signals.count == 5)
        for signal in signals {
            let name = signal["file"]?.stringValue ?? ""
            let audio = try AudioReader.read(fixturePath("beats/" + name))
            #expect(audio.sampleRate == 22050)
            #expect(audio.samples.count == signal["sample_count"]?.intValue, "\(name)")
            let head = (signal["samples_head"]?.arrayValue ?? []).compactMap { $0.doubleValue.map(Float.init) }
            #expect(head.count == 32 && Array(audio.samples[11025..<11057]) == head, "\(name)")
            let sum = audio.samples.reduce(0.0) { $0 + Double($1) }
            #expect(abs(sum - (signal["sample_sum"]?.doubleValue ?? .nan)) < 1e-9, "\(name)")
            #expect(abs(audio.duration - Double(audio.samples.count) / 22050) < 1e-12)
        }
    }

    /// A stereo 44.1 kHz 440 Hz tone comes back mono at the asked rate, 880 zero crossings a second.
    @Test(arguments: [22050, 8000]) func stereoIsMixedDownAndResampled(rate: Int) throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let song = try folder.ffmpeg("tone.m4a", ["-f", "lavfi", "-i", "sine=frequency=440:duration=2:sample_rate=44100",
                                                  "-ac", "2", "-c:a", "aac"])
        let audio = try AudioReader.read(song, sampleRate: rate)
        #expect(audio.sampleRate == rate)
        #expect(abs(audio.duration - 2) < 0.05, "\(audio.duration) s")
        let middle = audio.samples[rate / 2..<(rate * 3 / 2)]
        let crossings = zip(middle, middle.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
        #expect(abs(crossings - 880) <= 2, "\(crossings) zero crossings in one second")
        #expect(middle.map { abs($0) }.max() ?? 0 > 0.05)
    }

    @Test func startSkipsIntoTheSong() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        // Silent for 1 s, then a tone for 1 s.
        let song = try folder.ffmpeg("late.wav", ["-f", "lavfi", "-i", "aevalsrc=0.5*sin(2*PI*440*t)*gte(t\\,1):d=2:s=22050"])
        let whole = try AudioReader.read(song)
        let skipped = try AudioReader.read(song, start: 1)
        #expect(whole.samples.count == 44100 && skipped.samples.count == 22050)
        #expect(skipped.samples.prefix(2205).map { abs($0) }.max() ?? 0 > 0.4)
        #expect(whole.samples.prefix(2205).map { abs($0) }.max() ?? 1 == 0)
        #expect(throws: MediaError.noAudioSamples(path: song, start: 5)) { try AudioReader.read(song, start: 5) }
        #expect(MediaError.noAudioSamples(path: song, start: 5).description == "'\(song)' holds no audio after 5 s")
    }

    /// A file's soundtrack is read; a video without one is named as such.
    @Test func videosGiveTheirSoundtrackOrSayTheyHaveNone() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let withSound = try folder.ffmpeg("talk.mp4", ["-f", "lavfi", "-i", "color=red:s=32x32:d=1", "-f", "lavfi",
                                                       "-i", "sine=d=1", "-shortest", "-pix_fmt", "yuv420p"])
        #expect(abs(try AudioReader.read(withSound).duration - 1) < 0.05)
        let silent = try folder.ffmpeg("silent.mp4", ["-f", "lavfi", "-i", "color=red:s=32x32:d=1", "-pix_fmt", "yuv420p"])
        #expect(throws: MediaError.noAudioStream(path: silent)) { try AudioReader.read(silent) }
        let still = try folder.png("still.png", solidFrame(width: 8, height: 8, [1, 2, 3]))
        #expect(throws: MediaError.noAudioStream(path: still)) { try AudioReader.read(still) }
        #expect(MediaError.noAudioStream(path: silent).description == "'\(silent)' holds no audio stream")
    }
}
