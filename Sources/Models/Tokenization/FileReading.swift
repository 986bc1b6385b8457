#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The whole contents of a file; a failure is a ``TokenizerError`` with the system's message.
func readFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw TokenizerError(.unreadable(systemMessage())) }
    defer { close(fd) }
    var status = stat()
    if fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
        throw TokenizerError(.unreadable("is a folder"))
    }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count == 0 { return bytes }
        if count < 0 {
            if errno == EINTR { continue }
            throw TokenizerError(.unreadable(systemMessage()))
        }
        bytes.append(contentsOf: chunk[0..<count])
    }
}

private func systemMessage() -> String {
    guard let message = strerror(errno) else { return "error \(errno)" }
    return String(cString: message)
}
