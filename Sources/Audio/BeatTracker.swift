/// A song's tempo and beat times.
public struct BeatTrack: Sendable, Equatable {
    /// The tempo in beats per minute (0 when the audio has no onsets).
    public var tempo: Double
    /// The beats as onset-envelope frame indices (one frame per ``OnsetStrength/hopLength`` samples).
    public var beatFrames: [Int]
    /// The beats in seconds from the start of the audio.
    public var beats: [Double]

    /// A tempo with its beats, as frame indices and as seconds.
    public init(tempo: Double, beatFrames: [Int], beats: [Double]) {
        self.tempo = tempo
        self.beatFrames = beatFrames
        self.beats = beats
    }
}

/// Ellis's dynamic-programming beat tracker as librosa 0.11's `beat.beat_track` runs it with its
/// defaults: the onset envelope (median over mel bands), the global tempo of ``TempoEstimator``,
/// then beats spaced about one period apart that land on strong onsets.
///
/// ```swift
/// let song = try AudioReader.read("song.mp3")          // Media: mono Float32 at 22050 Hz
/// let track = try BeatTracker.track(song.samples, sampleRate: song.sampleRate)
/// print(track.tempo, track.beats)                      // 117.45 [0.51, 1.02, …]
/// ```
///
/// librosa's numbers are reproduced at 22050 Hz (the rate its defaults are tuned for); other rates
/// run the same steps with the same FFT size and hop. docs/audio.md gives the measured agreement.
public enum BeatTracker {
    /// Tempo and beats of mono `samples` at `sampleRate`.
    ///
    /// - Parameters:
    ///   - bpm: A known tempo; nil estimates it.
    ///   - startBPM: The centre of the tempo prior.
    ///   - tightness: How strongly beats keep to the tempo (larger: more regular).
    ///   - trim: Whether weak beats at the start and end are dropped.
    /// - Throws: ``AudioError`` for no samples, a non-finite sample, a non-positive rate or setting,
    ///   or a `bpm` below 1.
    public static func track(_ samples: [Float], sampleRate: Int, bpm: Double? = nil, startBPM: Double = 120,
                             tightness: Double = 100, trim: Bool = true) throws(AudioError) -> BeatTrack {
        let envelope = try OnsetStrength.envelope(samples, sampleRate: sampleRate, aggregate: .median)
        return try track(onsetEnvelope: envelope, sampleRate: sampleRate, bpm: bpm, startBPM: startBPM,
                         tightness: tightness, trim: trim)
    }

    /// Tempo and beats of an onset envelope with one value per `hopLength` samples at `sampleRate`
    /// (librosa's `beat_track(onset_envelope=...)`); the settings are those of the other `track`.
    ///
    /// - Throws: ``AudioError`` for a non-positive rate, hop or setting, a `bpm` below 1, or a
    ///   non-finite envelope value.
    public static func track(onsetEnvelope envelope: [Double], sampleRate: Int,
                             hopLength: Int = OnsetStrength.hopLength, bpm: Double? = nil, startBPM: Double = 120,
                             tightness: Double = 100, trim: Bool = true) throws(AudioError) -> BeatTrack {
        guard sampleRate > 0 else { throw .invalidSampleRate(sampleRate) }
        guard hopLength > 0 else { throw .invalidSetting(detail: "the hop length \(hopLength) must be positive") }
        for (name, value) in [("startBPM", startBPM), ("tightness", tightness)] where !(value > 0 && value.isFinite) {
            throw .invalidSetting(detail: "\(name) \(value) must be a positive number")
        }
        if let bpm, !(bpm >= 1 && bpm.isFinite) {
            throw .invalidSetting(detail: "bpm \(bpm) must be a number of beats per minute, at least 1")
        }
        guard envelope.contains(where: { $0 != 0 }) else { return BeatTrack(tempo: 0, beatFrames: [], beats: []) }
        if let index = envelope.firstIndex(where: { !$0.isFinite }) {
            throw .invalidSetting(detail: "onset envelope value \(index) is not a finite number")
        }
        let tempo = bpm ?? TempoEstimator.tempo(onsetEnvelope: envelope, sampleRate: sampleRate, hopLength: hopLength,
                                                startBPM: startBPM)
        let frameRate = Double(sampleRate) / Double(hopLength)
        let frames = (frameRate * 60.0 / tempo).rounded(.toNearestOrEven)
        // A tempo of 0 (no estimate) or one so slow that a beat spans a million frames has no beats.
        guard tempo > 0, frames < 1_000_000 else { return BeatTrack(tempo: tempo, beatFrames: [], beats: []) }
        let period = max(1, Int(frames))
        let beatFrames = BeatPath(envelope: envelope, period: period, tightness: tightness, trim: trim).beatFrames
        return BeatTrack(tempo: tempo, beatFrames: beatFrames,
                         beats: beatFrames.map { Double($0 * hopLength) / Double(sampleRate) })
    }
}
