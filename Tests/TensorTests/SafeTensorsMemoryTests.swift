import Foundation
import Tensor
import Testing

/// Loading copies a tensor out of the file mapping; the mapped pages must then leave the process's
/// resident set, or a 5.7 GB checkpoint would count twice in memory while a model loads.
@Suite struct SafeTensorsMemoryTests {
    /// `RssFile` (file-backed resident pages) from /proc/self/status, in KiB.
    private func residentFileKiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("RssFile:") }),
              let kib = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int($0) })
        else { throw CocoaError(.fileReadCorruptFile) }
        return kib
    }

    @Test func loadedTensorsLeaveTheMappingOutOfResidentMemory() throws {
        let folder = try TemporaryFolder()
        let count = 8 << 20  // 32 MiB of float32
        let tensor = try Tensor([Float](repeating: 0.5, count: count), shape: [count])
        let path = folder.file("big.safetensors")
        try SafeTensorsWriter.write([(name: "big", tensor: tensor)], to: path)
        let file = try SafeTensorsFile(path: path)
        let before = try residentFileKiB()
        let loaded = try file.tensor(named: "big")
        let grown = try residentFileKiB() - before
        #expect(loaded.floats()[count - 1] == 0.5)
        // Without the release the mapping keeps all 32 MiB resident; allow a few pages of slack.
        #expect(grown < 1024, "the file mapping kept \(grown) KiB resident after the copy")
        // The mapping still serves later reads.
        #expect(try file.tensor(named: "big", as: .bfloat16).floats()[0] == 0.5)
    }
}
