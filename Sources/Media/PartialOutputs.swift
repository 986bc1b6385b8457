#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The temporary outputs and ffmpeg processes that exist right now, so that a process stopped at
/// once (a second Ctrl-C, see the CLI's interruption handling) can remove every partial file and end
/// every ffmpeg before it exits, rather than leave them behind. Writers add and remove their own
/// entries; nothing else needs to.
public enum PartialOutputs {
    private static let lock = PThreadMutex()
    nonisolated(unsafe) private static var paths: [String: Bool] = [:]  // path: is a folder
    nonisolated(unsafe) private static var processes: Set<pid_t> = []

    static func add(_ path: String, isFolder: Bool) { lock.withLock { paths[path] = isFolder } }
    static func remove(_ path: String) { _ = lock.withLock { paths.removeValue(forKey: path) } }
    static func add(process: pid_t) { _ = lock.withLock { processes.insert(process) } }
    static func remove(process: pid_t) { _ = lock.withLock { processes.remove(process) } }

    /// The temporary outputs that exist now.
    public static var current: [String] { lock.withLock { paths.keys.sorted() } }

    /// Kills every ffmpeg a writer or reader started and removes every temporary output. For a
    /// process about to exit: the writers that own them are not told.
    public static func removeAll() {
        let (files, children) = lock.withLock { (paths, processes) }
        for child in children {
            kill(child, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(child, &status, 0)
        }
        for (path, isFolder) in files {
            if isFolder { POSIXFiles.removeFolder(path) } else { unlink(path) }
        }
        lock.withLock { paths.removeAll(); processes.removeAll() }
    }
}
