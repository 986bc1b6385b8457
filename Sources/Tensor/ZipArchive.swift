/// The table of contents of a zip archive held in memory (a mapped file), as `torch.save` writes
/// them: stored (uncompressed) entries, with ZIP64 records for archives or entries past 4 GiB.
///
/// Reading starts from the end-of-central-directory record (and its ZIP64 form when present), walks
/// the central directory, and checks each entry's local header to find where its data starts. Every
/// offset and size is validated with overflow-checked arithmetic against the archive's length, so
/// an entry's ``ZipEntry/dataRange`` always lies inside the archive. Compressed or encrypted
/// entries, multi-disk archives and duplicate names are refused.
struct ZipArchive {
    /// Every entry, in central-directory order.
    let entries: [ZipEntry]
    private let indexByName: [String: Int]

    /// The entry called `name`, or nil.
    func entry(named name: String) -> ZipEntry? { indexByName[name].map { entries[$0] } }

    /// Reads the directory of the archive in `bytes`; errors name `path`.
    init(bytes: UnsafeRawBufferPointer, path: String) throws {
        var reader = ZipDirectoryReader(bytes: bytes, path: path)
        entries = try reader.readEntries()
        var indexByName: [String: Int] = [:]
        for (i, entry) in entries.enumerated() {
            guard indexByName[entry.name] == nil else {
                throw reader.failure("holds two entries named \(quoted(entry.name))")
            }
            indexByName[entry.name] = i
        }
        self.indexByName = indexByName
    }

    /// Whether `bytes` begins like a zip archive (a local file header or an empty archive's end record).
    static func looksLikeZip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 4 else { return false }
        let signature = bytes.loadUnaligned(as: UInt32.self).littleEndian
        return signature == ZipSignature.localHeader || signature == ZipSignature.endOfDirectory
    }
}

/// One stored file inside a zip archive.
struct ZipEntry: Equatable {
    /// The name, as written in the central directory.
    let name: String
    /// Where the entry's bytes lie in the archive (validated to be inside it).
    let dataRange: Range<Int>
}

/// Record signatures (little-endian "PK.." words).
enum ZipSignature {
    static let localHeader: UInt32 = 0x0403_4B50
    static let centralHeader: UInt32 = 0x0201_4B50
    static let endOfDirectory: UInt32 = 0x0605_4B50
    static let zip64EndOfDirectory: UInt32 = 0x0606_4B50
    static let zip64Locator: UInt32 = 0x0706_4B50
}

/// The walk over the records; kept apart so that ``ZipArchive`` holds only the result.
private struct ZipDirectoryReader {
    let bytes: UnsafeRawBufferPointer
    let path: String

    func failure(_ message: String) -> WeightFileError {
        WeightFileError(path: path, .checkpoint("zip archive: " + message))
    }

    /// `count` bytes at `offset` as a little-endian integer, or a failure naming `what` when they lie
    /// outside the archive.
    func read<T: FixedWidthInteger>(_: T.Type, at offset: Int, _ what: String) throws -> T {
        let (end, overflow) = offset.addingReportingOverflow(MemoryLayout<T>.size)
        guard offset >= 0, !overflow, end <= bytes.count else {
            throw failure("\(what) at byte \(offset) runs past the end of the file (\(bytes.count) bytes)")
        }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// `a + b`, or a failure when it overflows.
    func sum(_ a: Int, _ b: Int, _ what: String) throws -> Int {
        let (total, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw failure("\(what) overflows") }
        return total
    }

    /// A 64-bit size or offset from the file, as an `Int` no larger than the archive.
    func fileOffset(_ value: UInt64, _ what: String) throws -> Int {
        guard value <= UInt64(bytes.count) else {
            throw failure("\(what) \(value) lies past the end of the file (\(bytes.count) bytes)")
        }
        return Int(value)
    }

    /// The central directory's place and entry count, from the end record (ZIP64 when present).
    func directoryBounds() throws -> (offset: Int, size: Int, count: UInt64) {
        // The end record is 22 bytes plus a comment of up to 65,535, so it starts in the last 65,557.
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        var end = bytes.count - 22
        while end >= lowest {
            if try read(UInt32.self, at: end, "end record") == ZipSignature.endOfDirectory { break }
            end -= 1
        }
        guard end >= lowest else {
            throw failure("has no end-of-central-directory record (the file is not a zip archive or is truncated)")
        }
        let disk = try read(UInt16.self, at: end + 4, "end record")
        let directoryDisk = try read(UInt16.self, at: end + 6, "end record")
        guard disk == 0 && directoryDisk == 0 else { throw failure("spans several disks, which is not supported") }
        var count = UInt64(try read(UInt16.self, at: end + 10, "end record"))
        var size = UInt64(try read(UInt32.self, at: end + 12, "end record"))
        var offset = UInt64(try read(UInt32.self, at: end + 16, "end record"))
        // A ZIP64 locator sits just before the end record; its record holds the 64-bit values.
        if end >= 20, try read(UInt32.self, at: end - 20, "ZIP64 locator") == ZipSignature.zip64Locator {
            let record = try fileOffset(try read(UInt64.self, at: end - 12, "ZIP64 locator"), "the ZIP64 end record's offset")
            guard try read(UInt32.self, at: record, "ZIP64 end record") == ZipSignature.zip64EndOfDirectory else {
                throw failure("the ZIP64 locator points at byte \(record), which holds no ZIP64 end record")
            }
            count = try read(UInt64.self, at: record + 32, "ZIP64 end record")
            size = try read(UInt64.self, at: record + 40, "ZIP64 end record")
            offset = try read(UInt64.self, at: record + 48, "ZIP64 end record")
        } else if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            throw failure("the end record asks for ZIP64 values but there is no ZIP64 locator")
        }
        let start = try fileOffset(offset, "the central directory's offset")
        let length = try fileOffset(size, "the central directory's size")
        guard try sum(start, length, "the central directory's end") <= bytes.count else {
            throw failure("the central directory (\(length) bytes at byte \(start)) runs past the end of the file (\(bytes.count) bytes)")
        }
        return (start, length, count)
    }

    mutating func readEntries() throws -> [ZipEntry] {
        let (start, size, count) = try directoryBounds()
        // Each central header takes at least 46 bytes, so the count is bounded by the directory's size.
        guard count <= UInt64(size / 46) else {
            throw failure("the end record lists \(count) entries, more than a central directory of \(size) bytes can hold")
        }
        var entries: [ZipEntry] = []
        var cursor = start
        let directoryEnd = start + size
        for _ in 0..<Int(count) {
            let (entry, next) = try centralEntry(at: cursor, directoryEnd: directoryEnd, directoryStart: start)
            entries.append(entry)
            cursor = next
        }
        return entries
    }

    /// The entry whose central header starts at `offset`, and where the next header starts.
    func centralEntry(at offset: Int, directoryEnd: Int, directoryStart: Int) throws -> (ZipEntry, Int) {
        guard try sum(offset, 46, "a central header's end") <= directoryEnd,
              try read(UInt32.self, at: offset, "central header") == ZipSignature.centralHeader else {
            throw failure("no central directory header at byte \(offset) (the directory is corrupt)")
        }
        let flags = try read(UInt16.self, at: offset + 8, "central header")
        let method = try read(UInt16.self, at: offset + 10, "central header")
        var compressedSize = UInt64(try read(UInt32.self, at: offset + 20, "central header"))
        var size = UInt64(try read(UInt32.self, at: offset + 24, "central header"))
        let nameLength = Int(try read(UInt16.self, at: offset + 28, "central header"))
        let extraLength = Int(try read(UInt16.self, at: offset + 30, "central header"))
        let commentLength = Int(try read(UInt16.self, at: offset + 32, "central header"))
        var localOffset = UInt64(try read(UInt32.self, at: offset + 42, "central header"))
        let nameStart = offset + 46
        let extraStart = nameStart + nameLength
        let next = extraStart + extraLength + commentLength
        guard next <= directoryEnd else {
            throw failure("the central header at byte \(offset) runs past the end of the directory")
        }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<extraStart]), as: UTF8.self)
        guard method == 0 else {
            throw failure("entry \(quoted(name)) is compressed (method \(method)); only stored entries, as torch.save writes, are read")
        }
        guard flags & 1 == 0 else { throw failure("entry \(quoted(name)) is encrypted") }
        // ZIP64 extra field (id 1): the 64-bit values of the fields that hold 0xFFFFFFFF, in order.
        var field = extraStart
        while field + 4 <= extraStart + extraLength {
            let id = try read(UInt16.self, at: field, "extra field")
            let length = Int(try read(UInt16.self, at: field + 2, "extra field"))
            let dataEnd = field + 4 + length
            guard dataEnd <= extraStart + extraLength else {
                throw failure("entry \(quoted(name)) has an extra field that runs past its header")
            }
            if id == 1 {
                var cursor = field + 4
                func next64() throws -> UInt64 {
                    guard cursor + 8 <= dataEnd else {
                        throw failure("entry \(quoted(name)) has a ZIP64 field too short for its values")
                    }
                    defer { cursor += 8 }
                    return try read(UInt64.self, at: cursor, "ZIP64 field")
                }
                if size == 0xFFFF_FFFF { size = try next64() }
                if compressedSize == 0xFFFF_FFFF { compressedSize = try next64() }
                if localOffset == 0xFFFF_FFFF { localOffset = try next64() }
            }
            field = dataEnd
        }
        guard size == compressedSize else {
            throw failure("entry \(quoted(name)) is stored but its sizes differ (\(compressedSize) and \(size))")
        }
        let local = try fileOffset(localOffset, "entry \(quoted(name))'s local header offset")
        guard try sum(local, 30, "a local header's end") <= directoryStart,
              try read(UInt32.self, at: local, "local header") == ZipSignature.localHeader else {
            throw failure("entry \(quoted(name)) points at byte \(local), which holds no local file header")
        }
        let localNameLength = Int(try read(UInt16.self, at: local + 26, "local header"))
        let localExtraLength = Int(try read(UInt16.self, at: local + 28, "local header"))
        let dataStart = local + 30 + localNameLength + localExtraLength
        let byteCount = try fileOffset(size, "entry \(quoted(name))'s size")
        let dataEnd = try sum(dataStart, byteCount, "entry \(quoted(name))'s end")
        // Stored data lies between its local header and the central directory.
        guard dataEnd <= directoryStart else {
            throw failure("entry \(quoted(name)) (\(byteCount) bytes at byte \(dataStart)) runs past the start of the central directory (byte \(directoryStart))")
        }
        let localName = UnsafeRawBufferPointer(rebasing: bytes[(local + 30)..<(local + 30 + localNameLength)])
        guard localName.elementsEqual(bytes[nameStart..<extraStart]) else {
            throw failure("entry \(quoted(name))'s local header names another file")
        }
        return (ZipEntry(name: name, dataRange: dataStart..<dataEnd), next)
    }
}
