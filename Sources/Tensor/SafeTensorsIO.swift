#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// File-system helpers for the weight readers and writer, on POSIX calls so that the tensor library
// needs no Foundation. Every failure becomes a `WeightFileError` naming the path.

/// A read-only, private memory mapping of a whole file, unmapped when released.
final class FileMapping: @unchecked Sendable {
    /// The first byte. Never written through (the mapping is `PROT_READ`).
    let base: UnsafeRawPointer
    let byteCount: Int

    /// Maps `path`. Files shorter than `minimumSize` bytes throw `.tooSmall` before mapping.
    init(path: String, minimumSize: Int) throws {
        let fd: Int32
        do { fd = try RegularFile.openForReading(path) } catch { throw WeightFileError(error) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw WeightFileError(path: path, .unreadable(errnoMessage())) }
        let size = Int(info.st_size)
        guard size >= minimumSize else { throw WeightFileError(path: path, .tooSmall(byteCount: size)) }
        guard size > 0 else { throw WeightFileError(path: path, .tooSmall(byteCount: 0)) }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw WeightFileError(path: path, .unreadable("mmap failed: \(errnoMessage())"))
        }
        base = UnsafeRawPointer(mapped)
        byteCount = size
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), byteCount) }

    /// Drops the pages holding `range` (byte offsets) from this process's resident set once their
    /// bytes were copied out, so loading a checkpoint does not count every byte twice (the copy and
    /// the mapped file page) in the process's memory. A later read of the range faults the pages
    /// back in from the file; the mapping is read-only and private, so no data is lost.
    func release(_ range: Range<Int>) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0, !range.isEmpty else { return }
        let start = range.lowerBound / page * page
        let end = min(byteCount, (range.upperBound + page - 1) / page * page)
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, Int32(MADV_DONTNEED))
    }
}

/// The system's message for the current `errno`.
func errnoMessage() -> String { String(cString: strerror(errno)) }

/// What lives at a path.
enum PathKind { case missing, file, directory, other }

func pathKind(_ path: String) -> PathKind {
    var info = stat()
    // Only a path that is not there is missing; a loop of links or a forbidden folder is something
    // else, which opening it then names.
    guard stat(path, &info) == 0 else { return errno == ENOENT || errno == ENOTDIR ? .missing : .other }
    switch info.st_mode & S_IFMT {
    case S_IFREG: return .file
    case S_IFDIR: return .directory
    default: return .other
    }
}

/// `folder/name`, without doubling a trailing slash.
func joinPath(_ folder: String, _ name: String) -> String {
    folder.hasSuffix("/") ? folder + name : folder + "/" + name
}

/// The folder part of a path ("." for a bare file name).
func parentFolder(_ path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return "." }
    return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
}

/// The last component of a path.
func fileName(_ path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return String(trimmed) }
    return String(trimmed[trimmed.index(after: slash)...])
}

/// The names in a folder (no "." or ".."), sorted.
func listFolder(_ path: String) throws -> [String] {
    guard let directory = opendir(path) else { throw WeightFileError(path: path, .unreadable(errnoMessage())) }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafePointer(to: &entry.pointee.d_name) {
            String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

/// The whole contents of a (small) file: a config, an index or a model index.
func readWholeFile(_ path: String) throws -> [UInt8] {
    do { return try RegularFile.read(path, limit: maximumJSONFileBytes) } catch { throw WeightFileError(error) }
}

/// The largest JSON file (config, index, model index) read: real ones are kilobytes to a few megabytes.
let maximumJSONFileBytes = 64 << 20

/// Reads and parses a JSON file; a syntax error names the file.
func readJSONFile(_ path: String) throws -> (value: JSONValue, text: String) {
    let bytes = try readWholeFile(path)
    do {
        let value = try bytes.withUnsafeBytes { try JSONValue(parsing: $0) }
        return (value, String(decoding: bytes, as: UTF8.self))
    } catch let error as JSONParseError {
        throw WeightFileError(path: path, .invalidJSON(error.description))
    }
}

/// `write(2)`, named apart from `AtomicFileWriter.write`.
private func posixWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(fd, bytes, count) }

/// A file written under a temporary name in the destination's folder and renamed into place on
/// `commit()`, so that readers never see a half-written file. Removed if never committed.
final class AtomicFileWriter {
    let path: String
    private let temporaryPath: String
    private var fd: Int32
    private var committed = false

    init(path: String) throws {
        self.path = path
        try checkOutputPath(path)
        // A hidden name from the file's, unless that would pass the 255 bytes a name may have.
        let name = fileName(path).utf8.count + 32 <= 255 ? fileName(path) : "safetensors"
        temporaryPath = joinPath(parentFolder(path), ".\(name).\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp")
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw WeightFileError(path: path, .writeFailed("cannot create \(temporaryPath): \(errnoMessage())"))
        }
    }

    /// Appends `count` bytes.
    func write(_ bytes: UnsafeRawPointer, count: Int) throws {
        var done = 0
        while done < count {
            let n = posixWrite(fd, bytes + done, count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw WeightFileError(path: path, .writeFailed("write failed: \(errnoMessage())"))
            }
            done += n
        }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            try write(base, count: buffer.count)
        }
    }

    /// Flushes the data to disk and renames the file into place.
    func commit() throws {
        guard fsync(fd) == 0 else { throw WeightFileError(path: path, .writeFailed("fsync failed: \(errnoMessage())")) }
        let status = close(fd)
        fd = -1
        guard status == 0 else { throw WeightFileError(path: path, .writeFailed("close failed: \(errnoMessage())")) }
        try checkOutputPath(path)  // again: something may have appeared there while the file was written
        guard rename(temporaryPath, path) == 0 else {
            throw WeightFileError(path: path, .writeFailed("cannot rename \(temporaryPath) into place: \(errnoMessage())"))
        }
        committed = true
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !committed { unlink(temporaryPath) }
    }
}

/// Throws unless `path` may receive an output file: its folder exists and is writable, its name fits
/// in 255 bytes, and it is free or a regular file (a FIFO, a device or a folder is never replaced).
func checkOutputPath(_ path: String) throws {
    let folder = parentFolder(path), name = fileName(path)
    guard !name.isEmpty, name != ".", name != "..", !path.hasSuffix("/") else {
        throw WeightFileError(path: path, .writeFailed("is a folder's path; give the file a name"))
    }
    guard name.utf8.count <= 255 else {
        throw WeightFileError(path: path, .writeFailed("the name is \(name.utf8.count) bytes, more than the 255 a file name may have"))
    }
    switch pathKind(folder) {
    case .directory:
        guard access(folder, W_OK | X_OK) == 0 else {
            throw WeightFileError(path: path, .writeFailed("its folder \(folder) cannot be written: \(errnoMessage())"))
        }
    default:
        throw WeightFileError(path: path, .writeFailed("its folder \(folder) does not exist"))
    }
    var info = stat()
    if stat(path, &info) == 0, let problem = RegularFile.kindProblem(info.st_mode) {
        throw WeightFileError(path: path, .writeFailed("\(problem), so it is not replaced"))
    }
}
