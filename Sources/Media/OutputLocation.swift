#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor

/// Where an output is written while it is incomplete and where it ends up. The temporary file or
/// folder sits beside the destination (`.clip.partial-<pid>-<n>.mp4`), so the final `rename` stays
/// on one file system and replaces an earlier output in a single step.
///
/// Making one only checks the destination; ``create()`` makes the temporary when the first frames
/// exist, so a run that fails or is stopped before then leaves nothing behind. While it exists the
/// temporary is listed in ``PartialOutputs``, which removes it if the process is stopped at once.
final class OutputLocation {
    /// The path the finished output gets (a PNG folder's path has no trailing `/`).
    let destination: String
    let isFolder: Bool
    private let parent: String
    private let name: String
    private let suffix: String
    /// The temporary file, or for PNG frames the temporary folder; nil until ``create()``.
    private(set) var temporary: String?
    /// Where an earlier PNG folder waits while the new one is renamed into place.
    private var aside: String?

    /// Checks that the destination's folder exists and is writable and that whatever is at the
    /// destination may be replaced (see ``check(path:format:)``). Creates nothing.
    init(path: String, format: VideoFormat) throws(MediaError) {
        isFolder = format == .pngFolder
        var trimmed = Substring(path)
        while isFolder && trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let destination = String(trimmed)
        let slash = destination.lastIndex(of: "/")
        parent = slash.map { $0 == destination.startIndex ? "/" : String(destination[..<$0]) } ?? "."
        name = slash.map { String(destination[destination.index(after: $0)...]) } ?? destination
        guard !name.isEmpty, name != ".", name != "..", name != "/" else {
            throw .destinationOccupied(path: path, detail: "give the PNG folder a name of its own, like 'frames/'")
        }
        guard name.utf8.count <= 255 else {
            throw .destinationOccupied(path: path, detail: "the name is \(name.utf8.count) bytes, more than the 255 a file name may have")
        }
        self.destination = destination
        suffix = isFolder ? "" : "." + format.rawValue
        try OutputLocation.checkFolder(parent)
        try OutputLocation.checkReplaceable(destination, isFolder: isFolder)
    }

    /// Checks `path` as an output of `format` without creating anything: its folder exists and is
    /// writable, and it is free or holds an earlier output of the same kind (a regular file, or a
    /// folder of PNG frames), never a FIFO, a device or another kind of file.
    static func check(path: String, format: VideoFormat) throws(MediaError) {
        _ = try OutputLocation(path: path, format: format)
    }

    deinit { discard() }

    /// Creates the (empty) temporary file or folder beside the destination, once.
    func create() throws(MediaError) {
        guard temporary == nil else { return }
        // A hidden name from the destination's, unless that would pass the 255 bytes a name may have.
        let base = name.utf8.count + 40 <= 255 ? name : "zoetrope"
        let stem = "\(parent)/.\(base).partial-\(getpid())-"
        for attempt in 0..<1000 {
            let candidate = "\(stem)\(attempt)\(suffix)"
            let created: Int32
            if isFolder {
                created = mkdir(candidate, 0o777)
            } else {
                let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
                created = fd >= 0 ? close(fd) : -1
            }
            if created == 0 {
                temporary = candidate
                aside = "\(parent)/.\(base).replaced-\(getpid())-\(attempt)"
                PartialOutputs.add(candidate, isFolder: isFolder)
                return
            }
            let code = errno
            guard code == EEXIST else {
                if code == EACCES || code == EROFS || code == EPERM {
                    throw .destinationNotWritable(folder: parent, reason: POSIXFiles.reason(code))
                }
                throw POSIXFiles.failure("creating", candidate, code)
            }
        }
        throw .io(operation: "creating a temporary name beside", path: destination, reason: "all 1000 names are taken")
    }

    /// The folder exists, is a folder, and may be written.
    private static func checkFolder(_ parent: String) throws(MediaError) {
        switch POSIXFiles.status(parent) {
        case .failure(let error) where error.code == ENOENT || error.code == ENOTDIR:
            throw .destinationFolderMissing(folder: parent)
        case .failure(let error):
            throw .destinationNotWritable(folder: parent, reason: POSIXFiles.reason(error.code))
        case .success(let info) where !POSIXFiles.isDirectory(info):
            throw .destinationFolderMissing(folder: parent)
        case .success:
            guard access(parent, W_OK | X_OK) == 0 else {
                throw .destinationNotWritable(folder: parent, reason: POSIXFiles.reason(errno))
            }
        }
    }

    /// An earlier output may be replaced: a regular file by a file, and a folder by a folder only
    /// when it holds nothing but `frame_NNNNN.png` files (so a mistyped path never replaces a real
    /// folder). A FIFO, a device or a socket is never replaced. A symbolic link is looked through: the
    /// rename replaces the link itself, so what it points to is never written.
    private static func checkReplaceable(_ destination: String, isFolder: Bool) throws(MediaError) {
        var info = stat()
        guard lstat(destination, &info) == 0 else {
            if errno == ENOENT { return }
            throw .destinationOccupied(path: destination, detail: POSIXFiles.reason(errno))
        }
        if (info.st_mode & S_IFMT) == S_IFLNK {
            guard case .success(let target) = POSIXFiles.status(destination) else { return }  // a dangling link
            info = target
        }
        let kind = info.st_mode & S_IFMT
        if !isFolder {
            if kind == S_IFDIR { throw .destinationOccupied(path: destination, detail: "it is a folder") }
            if kind != S_IFREG { throw .destinationOccupied(path: destination, detail: "it is \(RegularFile.kindName(kind)), not a regular file") }
            return
        }
        guard kind == S_IFDIR else {
            throw .destinationOccupied(path: destination, detail: "it is \(kind == S_IFREG ? "a file" : RegularFile.kindName(kind)), not a folder")
        }
        let strangers = try POSIXFiles.folderEntries(destination).filter { !VideoFormat.isPNGFrameName($0) }
        if let example = strangers.first {
            throw .destinationOccupied(path: destination,
                                       detail: "it holds files other than PNG frames ('\(example)')")
        }
    }

    /// Moves the finished output into place, replacing an earlier one.
    func commit() throws(MediaError) {
        guard let temporary, let aside else { throw .writerClosed }
        // Checked again: something else may have appeared at the destination while the video was made.
        try OutputLocation.checkReplaceable(destination, isFolder: isFolder)
        if isFolder, case .success = POSIXFiles.status(destination) {
            // A folder cannot be renamed over a non-empty one: move the old one aside first.
            try POSIXFiles.rename(destination, aside)
            do throws(MediaError) {
                try POSIXFiles.rename(temporary, destination)
            } catch {
                try? POSIXFiles.rename(aside, destination)
                throw error
            }
            POSIXFiles.removeFolder(aside)
        } else {
            try POSIXFiles.rename(temporary, destination)
        }
        PartialOutputs.remove(temporary)
        self.temporary = nil
    }

    /// Removes the temporary output, if there is one.
    func discard() {
        guard let temporary else { return }
        if isFolder { POSIXFiles.removeFolder(temporary) } else { unlink(temporary) }
        PartialOutputs.remove(temporary)
        self.temporary = nil
    }
}
