#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a path to read names, checked with `stat` before ffmpeg opens it, so that a FIFO or a device
/// is refused instead of blocking ffmpeg (and this process) forever.
enum MediaInput: Equatable {
    /// A regular file this process can open for reading.
    case file
    /// A folder (read as numbered PNG frames).
    case folder

    /// The kind of `path`, following symbolic links; throws for a missing path, one that is neither a
    /// regular file nor a folder, and a file that cannot be opened.
    init(path: String) throws(MediaError) {
        let info: stat
        switch POSIXFiles.status(path) {
        case .success(let found):
            info = found
        case .failure(let error) where error.code == ENOENT || error.code == ENOTDIR || path.isEmpty:
            throw .inputMissing(path: path)
        case .failure(let error):
            throw .io(operation: "looking up", path: path, reason: POSIXFiles.reason(error.code))
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            self = .folder
        case S_IFREG:
            // ffmpeg would say "Permission denied" too, but not which file it could not open.
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard fd >= 0 else { throw .io(operation: "opening", path: path, reason: POSIXFiles.reason(errno)) }
            close(fd)
            self = .file
        case S_IFIFO: throw .inputNotAFileOrFolder(path: path, kind: "a FIFO (named pipe)")
        case S_IFCHR: throw .inputNotAFileOrFolder(path: path, kind: "a character device")
        case S_IFBLK: throw .inputNotAFileOrFolder(path: path, kind: "a block device")
        case S_IFSOCK: throw .inputNotAFileOrFolder(path: path, kind: "a socket")
        default: throw .inputNotAFileOrFolder(path: path, kind: "not a regular file")
        }
    }

    /// Whether `path` names a regular file (following symbolic links).
    static func isRegularFile(_ path: String) -> Bool {
        guard case .success(let info) = POSIXFiles.status(path) else { return false }
        return (info.st_mode & S_IFMT) == S_IFREG
    }
}
