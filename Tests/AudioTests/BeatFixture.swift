import Foundation
import Tensor
import TestSupport

/// One signal of Tests/Fixtures/beats/beats.json (tools/fixtures/make_beat_fixtures.py): its WAV
/// file's samples and what librosa 0.11.0 computed from them.
struct BeatFixture: Sendable {
    let name: String
    let bpm: Int
    let samples: [Float]
    let onsetMean: [Double]
    let onsetMedian: [Double]
    let tempo: Double
    let beatFrames: [Int]
    let beatTimes: [Double]

    static let sampleRate = 22050

    /// Every signal in the fixture file.
    static let all: [BeatFixture] = {
        do {
            // Tensor's parser reads numbers with Double(String), correctly rounded; Foundation's
            // JSONSerialization can be an ulp off, which an exact tempo comparison would notice.
            let text = try String(contentsOfFile: fixturePath("beats/beats.json"), encoding: .utf8)
            return try (JSONValue(parsing: text)["signals"]?.arrayValue ?? []).map(BeatFixture.init)
        } catch {
            return []
        }
    }()

    private init(_ json: JSONValue) throws {
        func numbers(_ key: String) -> [Double] { (json[key]?.arrayValue ?? []).compactMap(\.doubleValue) }
        name = json["name"]?.stringValue ?? ""
        bpm = json["bpm"]?.intValue ?? 0
        onsetMean = numbers("onset_mean")
        onsetMedian = numbers("onset_median")
        tempo = json["tempo"]?.doubleValue ?? 0
        beatFrames = (json["beat_frames"]?.arrayValue ?? []).compactMap(\.intValue)
        beatTimes = numbers("beat_times")
        samples = try BeatFixture.readWAV(fixturePath("beats/" + (json["file"]?.stringValue ?? "")))
    }

    /// The samples of a 16-bit mono PCM WAV file, each divided by 32768 (as ffmpeg and libsndfile
    /// convert them to float).
    static func readWAV(_ path: String) throws -> [Float] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func word(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self), size = word(offset + 4)
            if id == "data" {
                let end = min(bytes.count, offset + 8 + size)
                return stride(from: offset + 8, to: end - 1, by: 2).map { i in
                    Float(Int16(bitPattern: UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8)) / 32768
                }
            }
            offset += 8 + size + (size & 1)
        }
        throw CocoaError(.fileReadCorruptFile)
    }
}

/// The share of `expected` beats with an `actual` beat within `window` seconds, over the larger of
/// the two counts (so extra beats count against it too).
func beatAgreement(_ actual: [Double], _ expected: [Double], window: Double = 0.05) -> Double {
    guard !actual.isEmpty || !expected.isEmpty else { return 1 }
    let matched = expected.filter { e in actual.contains { abs($0 - e) <= window } }.count
    return Double(matched) / Double(max(actual.count, expected.count))
}
