import Foundation
import Sampling
import Tensor
import TestSupport

/// `Tests/Fixtures/sampling/<name>`, written by tools/fixtures/make_sampling_fixtures.py.
func samplingFixturePath(_ name: String) -> String { fixturePath("sampling/\(name)") }

/// A fixture file's JSON.
func readFixtureJSON(_ name: String) throws -> JSONValue {
    try JSONValue(parsing: try String(contentsOfFile: samplingFixturePath(name), encoding: .utf8))
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

/// The fixture's case table (`cases.json`) and tensor files, opened once.
struct SamplingFixture: Sendable {
    static let shared = Result { try SamplingFixture() }

    let cases: JSONValue
    let schedules: SafeTensorsFile
    let runs: SafeTensorsFile
    let guidance: SafeTensorsFile

    private init() throws {
        cases = try readFixtureJSON("cases.json")
        schedules = try SafeTensorsFile(path: samplingFixturePath("schedules.safetensors"))
        runs = try SafeTensorsFile(path: samplingFixturePath("runs.safetensors"))
        guidance = try SafeTensorsFile(path: samplingFixturePath("guidance.safetensors"))
    }

    static func load() throws -> SamplingFixture { try shared.get() }

    /// The case names of one group of `cases.json` ("schedules", "runs", "guidance"), sorted.
    func names(_ group: String) -> [String] {
        (cases[group]?.objectValue?.keys).map { $0.sorted() } ?? []
    }

    /// A case's entry in `cases.json`.
    func entry(_ group: String, _ name: String) throws -> JSONValue {
        guard let entry = cases[group]?[name] else { throw FixtureError(description: "cases.json has no \(group)/\(name)") }
        return entry
    }

    /// A schedule or run case's scheduler config (parsed by the code under test) and step count.
    func config(_ group: String, _ name: String) throws -> (config: SchedulerConfig, steps: Int) {
        let entry = try entry(group, name)
        guard let json = entry["config"], let steps = entry["steps"]?.intValue else {
            throw FixtureError(description: "cases.json \(group)/\(name) lacks config or steps")
        }
        return (try SchedulerConfig(json: json, file: "cases.json \(group)/\(name)"), steps)
    }
}
