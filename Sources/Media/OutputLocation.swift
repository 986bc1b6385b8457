#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an output is written while it is incomplete and where it ends up. The temporary file or
/// folder sits beside the destination (`.clip.partial-<pid>-<n>.mp4`), so the final `rename` stays
/// on one file system and replaces an earlier output in a single step.
struct OutputLocation {
    /// The path the finished output gets (a PNG folder's path has no trailing `/`).
    let destination: String
    /// The temporary file, or for PNG frames the temporary folder.
    let temporary: String
    let isFolder: Bool
    /// Where an earlier PNG folder waits while the new one is renamed into place.
    private let aside: String

    /// Checks the destination folder and creates the (empty) temporary file or folder.
    init(path: String, format: VideoFormat) throws(MediaError) {
        isFolder = format == .pngFolder
        var trimmed = Substring(path)
        while isFolder && trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let destination = String(trimmed)
        let slash = destination.lastIndex(of: "/")
        let parent = slash.map { $0 == destination.startIndex ? "/" : String(destination[..<$0]) } ?? "."
        let name = slash.map { String(destination[destination.index(after: $0)...]) } ?? destination
        guard !name.isEmpty, name != ".", name != "..", name != "/" else {
            throw .destinationOccupied(path: path, detail: "give the PNG folder a name of its own, like 'frames/'")
        }
        self.destination = destination

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
        try OutputLocation.checkReplaceable(destination, isFolder: isFolder)

        let suffix = isFolder ? "" : "." + format.rawValue
        let stem = "\(parent)/.\(name).partial-\(getpid())-"
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
                aside = "\(parent)/.\(name).replaced-\(getpid())-\(attempt)"
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

    /// An earlier output may be replaced: a file by a file, and a folder by a folder only when it
    /// holds nothing but `frame_NNNNN.png` files (so a mistyped path never replaces a real folder).
    private static func checkReplaceable(_ destination: String, isFolder: Bool) throws(MediaError) {
        guard case .success(let info) = POSIXFiles.status(destination) else { return }
        let existingIsFolder = POSIXFiles.isDirectory(info)
        if !isFolder {
            if existingIsFolder { throw .destinationOccupied(path: destination, detail: "it is a folder") }
            return
        }
        guard existingIsFolder else { throw .destinationOccupied(path: destination, detail: "it is a file, not a folder") }
        let strangers = try POSIXFiles.folderEntries(destination).filter { !VideoFormat.isPNGFrameName($0) }
        if let example = strangers.first {
            throw .destinationOccupied(path: destination,
                                       detail: "it holds files other than PNG frames ('\(example)')")
        }
    }

    /// Moves the finished output into place, replacing an earlier one.
    func commit() throws(MediaError) {
        guard isFolder, case .success = POSIXFiles.status(destination) else {
            try POSIXFiles.rename(temporary, destination)
            return
        }
        // A folder cannot be renamed over a non-empty one: move the old one aside first.
        try OutputLocation.checkReplaceable(destination, isFolder: true)
        try POSIXFiles.rename(destination, aside)
        do throws(MediaError) {
            try POSIXFiles.rename(temporary, destination)
        } catch {
            try? POSIXFiles.rename(aside, destination)
            throw error
        }
        POSIXFiles.removeFolder(aside)
    }

    /// Removes the temporary output.
    func discard() {
        if isFolder { POSIXFiles.removeFolder(temporary) } else { unlink(temporary) }
    }
}
