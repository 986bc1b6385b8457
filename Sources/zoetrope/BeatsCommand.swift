import ArgumentParser
import Audio
import Bench
import Media

/// `zoetrope beats SONG`: the song's tempo on the first line, then one beat time per line.
struct BeatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "beats",
        abstract: "Print a song's tempo and beat times.",
        discussion: """
            Prints the tempo in beats per minute (2 decimals) on the first line, then each beat's time \
            in seconds (3 decimals), one per line. The song is read as mono at 22050 Hz and analysed as \
            librosa 0.11's beat_track does (see docs/audio.md); tempi fall on its grid of \
            60 x 22050 / (512 x lag), so 120 BPM reads as 117.45 or 123.05.
            """)

    @Argument(help: "The song: any file ffmpeg reads sound from (WAV, MP3, AAC, FLAC, Ogg, a video's soundtrack).")
    var song: String

    @Option(name: .customLong("start-bpm"), help: "The tempo the estimate leans towards.")
    var startBPM: Double = 120

    @Option(help: "A known tempo to place the beats with, instead of estimating it.")
    var bpm: Double?

    func run() throws {
        guard startBPM > 0 && startBPM.isFinite else {
            throw CommandError("--start-bpm \(fixed(startBPM, 2)) must be a positive number of beats per minute")
        }
        if let bpm, !(bpm >= 1 && bpm.isFinite) {
            throw CommandError("--bpm \(fixed(bpm, 2)) must be a number of beats per minute, at least 1")
        }
        let audio = try AudioReader.read(song)
        let track = try BeatTracker.track(audio.samples, sampleRate: audio.sampleRate, bpm: bpm, startBPM: startBPM)
        print(fixed(track.tempo, 2))
        for beat in track.beats { print(fixed(beat, 3)) }
    }
}
