#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Audio
import Tensor
import Testing

/// The onset envelope, tempo and beats against librosa 0.11.0 on the five fixture songs. With
/// `ZOETROPE_PARITY_REPORT` set, prints the measured figures (docs/audio.md quotes them).
@Suite("Beat tracking against librosa")
struct LibrosaParityTests {
    static let signals = BeatFixture.all.map(\.name)

    private func fixture(_ name: String) throws -> BeatFixture {
        try #require(BeatFixture.all.first { $0.name == name }, "missing fixture \(name)")
    }

    private func report(_ line: String) {
        if getenv("ZOETROPE_PARITY_REPORT") != nil { print("parity \(line)") }
    }

    @Test func theFixturesAreThere() {
        #expect(BeatFixture.all.count == 5)
    }

    /// librosa computes the envelope in float32, this port in double: they agree to float32 rounding
    /// of the dB values (relative max error ≤ 1e-5 of the envelope's largest value).
    @Test(arguments: signals) func onsetEnvelopesMatch(name: String) throws {
        let song = try fixture(name)
        for (aggregate, expected) in [(OnsetStrength.Aggregate.mean, song.onsetMean), (.median, song.onsetMedian)] {
            let envelope = try OnsetStrength.envelope(song.samples, sampleRate: BeatFixture.sampleRate, aggregate: aggregate)
            #expect(envelope.count == expected.count)
            let error = Tolerance.relativeMaxError(actual: envelope.map(Float.init), expected: expected.map(Float.init))
            #expect(error <= Tolerance.float32Elementwise.relativeMaxError, "\(name) \(aggregate): \(error)")
            report("onset \(name) \(aggregate): relative max error \(error)")
        }
    }

    /// Fed librosa's own envelope, the tempo and every beat frame are librosa's exactly.
    @Test(arguments: signals) func librosasEnvelopeGivesLibrosasBeats(name: String) throws {
        let song = try fixture(name)
        let track = try BeatTracker.track(onsetEnvelope: song.onsetMedian, sampleRate: BeatFixture.sampleRate)
        #expect(track.tempo == song.tempo, "\(name)")
        #expect(track.beatFrames == song.beatFrames, "\(name)")
    }

    /// From the samples: the same tempo (within 0.5 BPM) and at least 90 % of the beats within 50 ms.
    @Test(arguments: signals) func samplesGiveLibrosasTempoAndBeats(name: String) throws {
        let song = try fixture(name)
        let track = try BeatTracker.track(song.samples, sampleRate: BeatFixture.sampleRate)
        #expect(abs(track.tempo - song.tempo) <= 0.5, "\(name): \(track.tempo) BPM, librosa \(song.tempo)")
        let agreement = beatAgreement(track.beats, song.beatTimes)
        #expect(agreement >= 0.9, "\(name): \(track.beats) against \(song.beatTimes)")
        let identical = track.beatFrames == song.beatFrames
        report("beats \(name): tempo \(track.tempo) (librosa \(song.tempo)), \(Int((agreement * 100).rounded())) % "
               + "within 50 ms, frames \(identical ? "identical" : "differ")")
    }

    /// librosa reports tempi on its lag grid, 60·22050 / (512·lag): a click track's tempo is the
    /// grid value nearest the true one, weighted by the prior.
    @Test func clickTracksLandOnTheNearestLag() throws {
        for name in ["clicks_90", "clicks_120", "clicks_150"] {
            let song = try fixture(name)
            let track = try BeatTracker.track(song.samples, sampleRate: BeatFixture.sampleRate)
            let lag = 60.0 * 22050 / (512 * track.tempo)
            #expect(abs(lag - lag.rounded()) < 1e-9)
            #expect(abs(track.tempo - Double(song.bpm)) < 4, "\(name): \(track.tempo)")
        }
    }
}
