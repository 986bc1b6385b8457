#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small wrappers over the system calls the writer uses, turning `errno` into ``MediaError``.
enum POSIXFiles {
    /// The system's words for an error number.
    static func reason(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    /// The error for a failed `operation` on `path`: ENOSPC (and EDQUOT) read as a full disk.
    static func failure(_ operation: String, _ path: String, _ code: Int32) -> MediaError {
        if code == ENOSPC || code == EDQUOT { return .diskFull(path: path) }
        return .io(operation: operation, path: path, reason: reason(code))
    }

    /// The file's status, or the errno when `stat` fails.
    static func status(_ path: String) -> Result<stat, Errno> {
        var info = stat()
        return stat(path, &info) == 0 ? .success(info) : .failure(Errno(errno))
    }

    static func isDirectory(_ info: stat) -> Bool { (info.st_mode & S_IFMT) == S_IFDIR }

    /// Writes all of `bytes` to `fd`, retrying short writes and EINTR; returns the errno on failure.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        guard var next = bytes.baseAddress else { return nil }
        var left = bytes.count
        while left > 0 {
            let written = write(fd, next, left)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            next += written
            left -= written
        }
        return nil
    }

    /// The whole contents of a file.
    static func readFile(_ path: String) throws(MediaError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("opening", path, errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("reading", path, errno) }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        while offset < size {
            let count = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress.map { $0 + offset }, size - offset)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failure("reading", path, count < 0 ? errno : EIO) }
            offset += count
        }
        return bytes
    }

    /// Replaces the contents of an existing file with `bytes`.
    static func overwriteFile(_ path: String, with bytes: [UInt8]) throws(MediaError) {
        let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard fd >= 0 else { throw failure("opening", path, errno) }
        let writeError = bytes.withUnsafeBytes { writeAll(fd, $0) }
        let closeError: Int32? = close(fd) == 0 ? nil : errno
        if let code = writeError ?? closeError { throw failure("writing", path, code) }
    }

    /// The names in a folder, without `.` and `..`.
    static func folderEntries(_ path: String) throws(MediaError) -> [String] {
        guard let folder = opendir(path) else { throw failure("listing", path, errno) }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a folder this module created and the plain files in it; best effort, for cleanup.
    static func removeFolder(_ path: String) {
        if let names = try? folderEntries(path) {
            for name in names { unlink(path + "/" + name) }
        }
        rmdir(path)
    }

    /// Renames `from` to `to`, replacing a file at `to`.
    static func rename(_ from: String, _ to: String) throws(MediaError) {
        #if canImport(Glibc)
        let result = Glibc.rename(from, to)
        #else
        let result = Darwin.rename(from, to)
        #endif
        guard result == 0 else { throw failure("renaming '\(from)' to", to, errno) }
    }
}

/// An `errno` value.
struct Errno: Error, Equatable {
    let code: Int32
    init(_ code: Int32) { self.code = code }
}
