#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to a pipe whose reader has exited must fail with EPIPE instead of killing this process.
/// The disposition is process-wide and set once; the child gets the default back.
private let sigpipeIgnored: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

/// Held from creating a pipe until its child is spawned. Glibc's `pipe2(O_CLOEXEC)` is not visible
/// to Swift, so the descriptors are marked close-on-exec just after `pipe`; the lock keeps another
/// writer's or reader's ffmpeg from inheriting them in between (which would hold the pipe open and
/// keep this ffmpeg, or this reader, from ever seeing the end of its input).
private let spawnLock = PThreadMutex()

/// A running ffmpeg with one pipe to this process: its stdin, which a writer fills, or its stdout,
/// which a reader drains; the other standard stream is `/dev/null`. Its stderr goes to an unlinked
/// temporary file (no second pipe to drain, so no deadlock), read back when it fails.
final class FFmpegProcess {
    /// Which of ffmpeg's standard streams is the pipe.
    enum PipedStream { case stdin, stdout }

    private let pid: pid_t
    private let piped: PipedStream
    /// This process's end of the pipe, or -1 once closed.
    private var pipeEnd: Int32
    private let errorLog: Int32
    private var exitStatus: Int32?

    /// Starts `executable` (a path) with `arguments` (argv[1...]), its `piped` stream a pipe to this
    /// process; nothing goes through a shell.
    init(executable: String, arguments: [String], piped: PipedStream = .stdin) throws(MediaError) {
        _ = sigpipeIgnored
        spawnLock.lock()
        defer { spawnLock.unlock() }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw POSIXFiles.failure("creating a pipe for", executable, errno) }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        let errorLog = FFmpegProcess.makeErrorLog()
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        // ends[0] is the read end: ffmpeg's stdin for a writer, this process's for a reader.
        let (childEnd, ourEnd) = piped == .stdin ? (ends[0], ends[1]) : (ends[1], ends[0])
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
            close(childEnd)
        }
        if piped == .stdin {
            posix_spawn_file_actions_adddup2(&actions, childEnd, 0)
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, childEnd, 1)
        }
        if errorLog >= 0 {
            posix_spawn_file_actions_adddup2(&actions, errorLog, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        // Its own process group: Ctrl-C on the terminal reaches only Zoetrope, which stops at the next
        // step and removes the partial output, rather than ffmpeg too, which would end the file early.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let result = ChildEnvironment().withTable { environment in
            argv.withUnsafeBufferPointer { argvTable in
                guard let argvBase = argvTable.baseAddress else { return EINVAL }
                return posix_spawn(&pid, executable, &actions, &attributes, argvBase, environment)
            }
        }
        guard result == 0 else {
            close(ourEnd)
            if errorLog >= 0 { close(errorLog) }
            if result == ENOENT { throw .ffmpegNotFound(path: executable) }
            throw .io(operation: "starting", path: executable, reason: POSIXFiles.reason(result))
        }
        self.pid = pid
        PartialOutputs.add(process: pid)
        self.piped = piped
        self.pipeEnd = ourEnd
        self.errorLog = errorLog
    }

    deinit {
        if pipeEnd >= 0 { close(pipeEnd) }
        if exitStatus == nil {
            kill(pid, SIGKILL)
            _ = waitForExit()
        }
        if errorLog >= 0 { close(errorLog) }
    }

    /// Sends `bytes` to ffmpeg's stdin. If ffmpeg has stopped reading (EPIPE), waits for it and
    /// reports how it ended.
    func write(_ bytes: UnsafeRawBufferPointer, destination: String) throws(MediaError) {
        guard piped == .stdin, pipeEnd >= 0 else { throw .writerClosed }
        guard let code = POSIXFiles.writeAll(pipeEnd, bytes) else { return }
        closePipe()
        if code == EPIPE {
            let status = waitForExit()
            throw failure(status: status, destination: destination)
                ?? .ffmpegFailed(status: "stopped reading frames", lastLine: lastErrorLine())
        }
        kill(pid, SIGKILL)
        _ = waitForExit()
        throw POSIXFiles.failure("sending frames to ffmpeg for", destination, code)
    }

    /// Fills `buffer` from ffmpeg's stdout, retrying short reads and EINTR; returns how many bytes
    /// came, fewer than asked only at the end of the output, or the errno when reading fails.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
        guard piped == .stdout, pipeEnd >= 0, let base = buffer.baseAddress else { return .success(0) }
        var filled = 0
        while filled < buffer.count {
            let count = systemRead(pipeEnd, base + filled, buffer.count - filled)
            if count < 0 && errno == EINTR { continue }
            if count < 0 { return .failure(Errno(errno)) }
            if count == 0 { break }
            filled += count
        }
        return .success(filled)
    }

    /// Closes this end of the pipe and waits for ffmpeg; true when it exited with status 0.
    func finishReading() -> Bool {
        closePipe()
        return waitForExit() == 0
    }

    /// Closes stdin (end of the video) and waits for ffmpeg; throws unless it exits with status 0.
    func finish(destination: String) throws(MediaError) {
        closePipe()
        let status = waitForExit()
        if let error = failure(status: status, destination: destination) { throw error }
    }

    /// Stops ffmpeg at once and waits for it.
    func terminate() {
        closePipe()
        if exitStatus == nil { kill(pid, SIGKILL) }
        _ = waitForExit()
    }

    private func closePipe() {
        if pipeEnd >= 0 { close(pipeEnd) }
        pipeEnd = -1
    }

    private func waitForExit() -> Int32 {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { status = -1; break }
        }
        exitStatus = status
        PartialOutputs.remove(process: pid)
        return status
    }

    /// The error for a wait status, or nil for a clean exit.
    private func failure(status: Int32, destination: String) -> MediaError? {
        // ffmpeg exits 0 even when writing the file failed ("Error writing trailer ...: No space left
        // on device"), so what it said counts as much as how it exited.
        let said = errorLogTail()
        if said.contains("No space left on device") || said.contains("Disk quota exceeded") {
            return .diskFull(path: destination)
        }
        let line = lastErrorLine()
        if status == 0 {
            guard FFmpegProcess.writeFailures.contains(where: { said.contains($0) }) else { return nil }
            return .ffmpegFailed(status: "could not write the file", lastLine: line)
        }
        let signal = status & 0x7f
        let description = status == -1 ? "could not be waited for"
            : signal == 0 ? "exited with status \((status >> 8) & 0xff)"
            : "was killed by signal \(signal)"
        return .ffmpegFailed(status: description, lastLine: line)
    }

    /// What ffmpeg prints, with an exit status of 0, when it could not write its output.
    private static let writeFailures = ["Error writing trailer", "Error closing file", "av_interleaved_write_frame()",
                                        "Error submitting a packet to the muxer", "Input/output error"]

    /// The last `limit` bytes ffmpeg wrote to stderr.
    private func errorLogTail(limit: Int = 65_536) -> String {
        guard errorLog >= 0 else { return "" }
        let size = Int(lseek(errorLog, 0, SEEK_END))
        guard size > 0 else { return "" }
        let length = min(size, limit)
        var tail = [UInt8](repeating: 0, count: length)
        let count = tail.withUnsafeMutableBytes { pread(errorLog, $0.baseAddress, length, off_t(size - length)) }
        guard count > 0 else { return "" }
        return String(decoding: tail[0..<count], as: UTF8.self)
    }

    /// The last informative line ffmpeg wrote to stderr.
    func lastErrorLine() -> String {
        let lines = errorLogTail(limit: 4096)
            .split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { $0.trimmingSpaces }
            .filter { !$0.isEmpty && !FFmpegProcess.isConsequence($0) }
        return lines.last ?? ""
    }

    /// Whether `line` is one ffmpeg prints after the line that says what went wrong.
    private static func isConsequence(_ line: String) -> Bool {
        line == "Conversion failed!" || line == "Error marking filters as finished"
            || line.hasPrefix("Cannot determine format of input stream")
    }

    /// An unlinked, close-on-exec temporary file for ffmpeg's stderr, or -1.
    private static func makeErrorLog() -> Int32 {
        let folder = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(folder)/zoetrope-ffmpeg-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { name in name.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else { return -1 }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { name in if let path = name.baseAddress { _ = unlink(path) } }
        return fd
    }
}

/// `read(2)`, named apart from ``FFmpegProcess/read(into:)``.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

/// A plain pthread mutex (the project avoids Foundation; `Synchronization.Mutex` needs macOS 15).
final class PThreadMutex: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
