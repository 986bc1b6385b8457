import Foundation
import Tensor
import Testing

/// Loading copies a tensor out of the file mapping; the mapped pages must then leave the process's
/// resident set, or a 5.7 GB checkpoint would count twice in memory while a model loads.
@Suite struct SafeTensorsMemoryTests {
    /// The resident size, in KiB, of this process's mappings of one file, from /proc/self/smaps.
    /// Counting only that file's mappings keeps other tests, which map fixtures of their own while
    /// this one runs, out of the measurement (the process-wide `RssFile` counted them too).
    private func residentKiB(mappingOf path: String) throws -> Int {
        // /proc files report a size of 0, so read to the end rather than trusting it.
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/smaps"),
              let data = try handle.readToEnd() else { throw CocoaError(.fileReadUnknown) }
        let smaps = String(decoding: data, as: UTF8.self)
        var inFile = false
        var total = 0
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-"), first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                // A mapping's header line: address range, perms, offset, device, inode, path.
                inFile = fields.count >= 6 && fields[5...].joined(separator: " ") == path
            } else if inFile, first == "Rss:", fields.count >= 2, let kib = Int(fields[1]) {
                total += kib
            }
        }
        return total
    }

    @Test func loadedTensorsLeaveTheMappingOutOfResidentMemory() throws {
        let folder = try TemporaryFolder()
        let count = 8 << 20  // 32 MiB of float32
        let tensor = try Tensor([Float](repeating: 0.5, count: count), shape: [count])
        let path = folder.file("big.safetensors")
        try SafeTensorsWriter.write([(name: "big", tensor: tensor)], to: path)
        let file = try SafeTensorsFile(path: path)
        let loaded = try file.tensor(named: "big")
        let resident = try residentKiB(mappingOf: URL(fileURLWithPath: path).resolvingSymlinksInPath().path)
        #expect(loaded.floats()[count - 1] == 0.5)
        // Without the release the mapping keeps all 32 MiB resident; allow a few pages of slack.
        #expect(resident < 1024, "the file mapping kept \(resident) KiB resident after the copy")
        // The mapping still serves later reads.
        #expect(try file.tensor(named: "big", as: .bfloat16).floats()[0] == 0.5)
    }

    /// The measurement itself: a mapping whose pages were all read counts them all, so the
    /// test above cannot pass by finding no mapping.
    @Test func aReadMappingCountsAsResident() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("pages.bin")
        let size = 4 << 20
        try Data(repeating: 7, count: size).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            Issue.record("mmap failed"); return
        }
        defer { munmap(base, size) }
        var sum = 0
        for offset in stride(from: 0, to: size, by: 4096) { sum += Int(base.load(fromByteOffset: offset, as: UInt8.self)) }
        #expect(sum == 7 * size / 4096)
        let resident = try residentKiB(mappingOf: URL(fileURLWithPath: path).resolvingSymlinksInPath().path)
        #expect(resident >= size / 1024 - 64, "only \(resident) KiB of a read 4 MiB mapping counted")
    }
}
