import Foundation
import Synchronization

/// A private temporary folder for one server process: uploads to decode, videos being encoded. Names
/// are the server's own (a counter), never a client's; the folder is removed at shutdown.
final class ScratchFolder: Sendable {
    let path: String
    private let counter = Counter()

    /// A new folder under `TMPDIR` (or /tmp), readable only by this user.
    init() throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/zoetrope-serve-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw APIError(.internalServerError, "cannot make a scratch folder in \(base): \(String(cString: strerror(errno)))", type: "server_error")
        }
        path = String(cString: made)
    }

    /// A fresh path in the folder ending in `suffix`, not created.
    func newPath(suffix: String) -> String { "\(path)/\(counter.next())\(suffix)" }

    /// Writes `bytes` to a fresh file and returns its path.
    func write(_ bytes: [UInt8], suffix: String) throws -> String {
        let file = newPath(suffix: suffix)
        guard FileManager.default.createFile(atPath: file, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw APIError(.internalServerError, "cannot write a scratch file in \(path) (is the disk full?)", type: "server_error")
        }
        return file
    }

    func remove(_ file: String) { unlink(file) }

    /// Removes the folder and what is left in it.
    func removeAll() { try? FileManager.default.removeItem(atPath: path) }
}

private final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
