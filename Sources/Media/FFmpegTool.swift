#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which ffmpeg executable to run and where to look for it.
public struct FFmpegTool: Sendable, Equatable {
    /// A name looked up on the search path (`"ffmpeg"`), or a path containing `/` used as is.
    public var executable: String
    /// The folders to search, `:`-separated as in `PATH`; nil means this process's `PATH`.
    public var searchPath: String?

    /// `executable` looked up on `searchPath` (nil: this process's `PATH`).
    public init(executable: String = "ffmpeg", searchPath: String? = nil) {
        self.executable = executable
        self.searchPath = searchPath
    }

    /// The path of the executable that would run, or ``MediaError/ffmpegNotFound(path:)``.
    public func resolve() throws(MediaError) -> String {
        if executable.contains("/") {
            guard access(executable, X_OK) == 0 else { throw .ffmpegNotFound(path: executable) }
            return executable
        }
        let path = searchPath ?? getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (folder.isEmpty ? "." : String(folder)) + "/" + executable
            var info = stat()
            if stat(candidate, &info) == 0, !POSIXFiles.isDirectory(info), access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        throw .ffmpegNotFound(path: nil)
    }
}

/// This process's environment, for the child: read through `dlsym` because Swift 6 rejects direct
/// use of the mutable global `environ`. If that fails, the few variables ffmpeg cares about are
/// rebuilt from `getenv`.
final class ChildEnvironment {
    private var owned: [UnsafeMutablePointer<CChar>?] = []
    private let inherited: UnsafePointer<UnsafeMutablePointer<CChar>?>?

    init() {
        if let symbol = dlsym(nil, "environ"),
           let table = symbol.load(as: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?.self) {
            inherited = UnsafePointer(table)
            return
        }
        inherited = nil
        for name in ["PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR"] {
            if let value = getenv(name) { owned.append(strdup("\(name)=\(String(cString: value))")) }
        }
        owned.append(nil)
    }

    deinit { for entry in owned { free(entry) } }

    /// Calls `body` with a NULL-terminated `NAME=value` table.
    func withTable<R>(_ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        if let inherited { return body(inherited) }
        return owned.withUnsafeBufferPointer { table in
            // `owned` always holds at least the terminating nil, so the base address exists.
            guard let base = table.baseAddress else { preconditionFailure("empty environment table") }
            return body(base)
        }
    }
}
