import Audio
import Testing

@Suite("Beat tracker inputs")
struct BeatTrackerInputTests {
    @Test func badInputsAreRefusedInOneLine() throws {
        #expect(throws: AudioError.noSamples) { try BeatTracker.track([], sampleRate: 22050) }
        #expect(throws: AudioError.invalidSampleRate(0)) { try BeatTracker.track([0.1], sampleRate: 0) }
        #expect(throws: AudioError.nonFiniteSample(index: 2)) { try BeatTracker.track([0, 0.5, .nan], sampleRate: 22050) }
        #expect(throws: AudioError.nonFiniteSample(index: 0)) { try OnsetStrength.envelope([.infinity], sampleRate: 22050) }
        for (startBPM, tightness) in [(0.0, 100.0), (120, -1), (.nan, 100)] {
            #expect(throws: AudioError.self) {
                try BeatTracker.track([0.1, 0.2], sampleRate: 22050, startBPM: startBPM, tightness: tightness)
            }
        }
        for bpm in [0, 0.5, -3, .infinity, .nan] {
            #expect(throws: AudioError.self) { try BeatTracker.track([0.1, 0.2], sampleRate: 22050, bpm: bpm) }
        }
        #expect(throws: AudioError.self) { try BeatTracker.track(onsetEnvelope: [1, 2], sampleRate: 22050, hopLength: 0) }
        // Settings that make no window or no period give no tempo rather than a crash.
        #expect(TempoEstimator.tempo(onsetEnvelope: [1, 2, 3], sampleRate: 22050, hopLength: 0) == 0)
        #expect(TempoEstimator.tempo(onsetEnvelope: [1, 2, 3], sampleRate: 22050, windowSeconds: .nan) == 0)
        #expect(try BeatTracker.track(onsetEnvelope: [0, 1, 0, 2], sampleRate: 100).beats.isEmpty)
        for error in [AudioError.noSamples, .invalidSampleRate(-5), .nonFiniteSample(index: 7),
                      .invalidSetting(detail: "startBPM 0.0 must be a positive number")] {
            #expect(!error.description.contains("\n") && !error.description.isEmpty)
        }
    }

    @Test func silenceAndVeryShortAudioHaveNoBeats() throws {
        for samples in [[Float](repeating: 0, count: 22050 * 3), [0.5], [Float](repeating: 0.3, count: 1500)] {
            let track = try BeatTracker.track(samples, sampleRate: 22050)
            #expect(track.tempo == 0 && track.beats.isEmpty, "\(samples.count) samples")
        }
    }

    @Test func theEnvelopeHasOneValuePerHop() throws {
        for count in [1, 511, 512, 22050] {
            let envelope = try OnsetStrength.envelope([Float](repeating: 0.1, count: count), sampleRate: 22050)
            #expect(envelope.count == 1 + count / 512)
        }
    }

    @Test func aGivenTempoIsUsed() throws {
        // Clicks every 0.5 s for 4 s: told 60 BPM, the tracker places beats about a second apart.
        var samples = [Float](repeating: 0, count: 22050 * 4)
        for beat in 0..<8 {
            for i in 0..<200 { samples[beat * 11025 + 1000 + i] = Float(i % 2 == 0 ? 0.8 : -0.8) * Float(200 - i) / 200 }
        }
        let track = try BeatTracker.track(samples, sampleRate: 22050, bpm: 60)
        #expect(track.tempo == 60)
        let gaps = zip(track.beats.dropFirst(), track.beats).map { $0 - $1 }
        #expect(!gaps.isEmpty && gaps.allSatisfy { abs($0 - 1.0) < 0.1 }, "\(track.beats)")
    }
}
