#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opening input files safely: only regular files are read, a FIFO or a device is refused without
/// blocking on it (opening a FIFO for reading waits for a writer forever), and every refusal says
/// what the path is instead. Every reader of weights, configs, tokenizers, noise and board files
/// opens through here.
public enum RegularFile {
    /// Why `path` cannot be read as a regular file (following symbolic links), or nil when it is one:
    /// "does not exist", "is a folder", "is a FIFO (named pipe)", "is a loop of symbolic links", ...
    public static func problem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return missingReason(errno) }
        return kindProblem(info.st_mode)
    }

    /// Opens `path` read-only and close-on-exec after checking, on the open descriptor, that it is a
    /// regular file. The open itself does not block: it is non-blocking until the check passes.
    public static func openForReading(_ path: String) throws(RegularFileError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw RegularFileError(path: path, reason: missingReason(errno)) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = "cannot be read: " + systemReason(errno)
            close(fd)
            throw RegularFileError(path: path, reason: reason)
        }
        if let problem = kindProblem(info.st_mode) {
            close(fd)
            throw RegularFileError(path: path, reason: problem)
        }
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        return fd
    }

    /// The whole contents of the regular file `path`, refusing one larger than `limit` bytes (a
    /// config or tokenizer is megabytes; a huge file named like one is a mistake, not a reason to
    /// fill memory).
    public static func read(_ path: String, limit: Int) throws(RegularFileError) -> [UInt8] {
        let fd = try openForReading(path)
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, Int(info.st_size) > limit {
            throw RegularFileError(path: path, reason: "is \(info.st_size) bytes, more than the \(limit) bytes such a file may have")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { readBytes(fd, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw RegularFileError(path: path, reason: "cannot be read: " + systemReason(errno))
            }
            guard bytes.count + count <= limit else {
                throw RegularFileError(path: path, reason: "is more than the \(limit) bytes such a file may have")
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// What a path whose `stat` or `open` failed with `code` is.
    static func missingReason(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "does not exist"
        case ENOTDIR: return "does not exist (a part of the path is not a folder)"
        case ELOOP: return "is a loop of symbolic links"
        case ENAMETOOLONG: return "is too long a path"
        case EACCES: return "cannot be opened: permission denied"
        default: return "cannot be opened: " + systemReason(code)
        }
    }

    /// Nil for a regular file, else what the file type is instead.
    static func kindProblem(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "is a folder, not a file"
        default: return "is \(kindName(mode)), not a regular file"
        }
    }

    /// "a regular file", "a folder", "a FIFO (named pipe)", "a character device", ... for a `stat` mode.
    public static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: return "a regular file"
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }

    static func systemReason(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}

/// A path that could not be opened as a regular file: "path: is a FIFO (named pipe), not a regular file".
public struct RegularFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    /// What the path is, or why it cannot be opened, as a phrase that follows the path.
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// `read(2)`, named apart from ``RegularFile/read(_:limit:)``.
private func readBytes(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
