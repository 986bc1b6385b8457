import ArgumentParser
import Audio
import Media
import Pipelines

/// `--audio SONG` for the storyboard commands: the song sets the video's length (unless the board's
/// "seconds" does), its beats place the scene changes, and it is muxed into the output.
struct SongOptions: ParsableArguments {
    @Option(help: "A song (any file ffmpeg reads sound from): the video lasts as long as it unless the board sets \"seconds\", scene changes land on its beats, and it is muxed in (AAC in .mp4, Opus in .webm).")
    var audio: String?

    /// The song's length and beats, read and tracked (nil without --audio).
    func analyse() throws -> (seconds: Double, tempo: Double, beats: [Double])? {
        guard let audio else { return nil }
        let samples = try AudioReader.read(audio)
        let track = try BeatTracker.track(samples.samples, sampleRate: samples.sampleRate)
        print("song \(audio): \(fixedPoint(samples.duration)) s, tempo \(fixedPoint(track.tempo)) BPM, \(track.beats.count) beats")
        return (samples.duration, track.tempo, track.beats)
    }

    /// The track the writer muxes in, after checking the output can carry sound.
    func track(for output: String) throws -> AudioTrack? {
        guard let audio else { return nil }
        let format = try VideoFormat(path: output)
        guard format.carriesAudio else {
            throw CommandError("--audio needs an output that carries sound (.mp4 or .webm), not \(output)")
        }
        return AudioTrack(path: audio)
    }
}

/// `value` with two decimals.
func fixedPoint(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = abs(hundredths % 100)
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
