// Compiled into every harness (scripts/fuzz.sh adds it): what the harnesses share.
#if canImport(Glibc)
import Glibc
#endif

/// The input as an array.
func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Runs `body`, ignoring what it throws: an error is the parser refusing the input, which is fine.
/// With FUZZ_VERBOSE=1 in the environment the error is printed (to check that seeds are accepted:
/// `FUZZ_VERBOSE=1 .build-fuzz/bin/fuzz-NAME Fuzz/corpus/NAME/*`).
func ignoringErrors(_ body: () throws -> Void) {
    do { try body() } catch {
        if verbose { fputs("thrown: \(error)\n", stderr) }
    }
}

/// Whether FUZZ_VERBOSE=1.
let verbose: Bool = getenv("FUZZ_VERBOSE").map { String(cString: $0) == "1" } ?? false

/// A file of this process's own under TMPDIR (else /tmp), rewritten for each input, for the parsers
/// that open a path rather than take bytes.
let scratchFolder: String = {
    let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    var template = Array("\(base)/zoetrope-fuzz-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "cannot create a scratch folder under \(base)")
    let path = String(cString: made!)
    removeAtExit(path)
    return path
}()

/// Removes the scratch folder when libFuzzer exits normally (a crash leaves it for inspection).
private func removeAtExit(_ path: String) {
    scratchToRemove = path
    atexit {
        guard let path = scratchToRemove else { return }
        // The folder holds only the files writeScratch wrote.
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafePointer(to: &entry.pointee.d_name) {
                    String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
                }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(dir)
        }
        rmdir(path)
    }
}
nonisolated(unsafe) private var scratchToRemove: String?

/// Writes `bytes` to `name` in the scratch folder (replacing it) and returns its path.
func writeScratch(_ name: String, _ bytes: [UInt8]) -> String {
    let path = scratchFolder + "/" + name
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    precondition(fd >= 0, "cannot write \(path)")
    var done = 0
    bytes.withUnsafeBytes { buffer in
        while done < buffer.count {
            let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
            precondition(n > 0, "cannot write \(path)")
            done += n
        }
    }
    close(fd)
    return path
}

/// Reads every byte of `buffer`, so that AddressSanitizer sees a read past a mapping or an allocation.
@inline(never)
func touch(_ buffer: UnsafeRawBufferPointer) -> UInt8 {
    var sum: UInt8 = 0
    for byte in buffer { sum &+= byte }
    return sum
}
