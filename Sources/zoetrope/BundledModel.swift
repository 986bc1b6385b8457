#if canImport(Glibc)
import Glibc
#endif
import Tensor

/// Where `zoetrope generate` finds a model when `--model` is not given: `$ZOETROPE_MODEL`, else the
/// bundled `models/zoetrope-tiny` of the checkout the executable was built in (found by walking up
/// from the executable, so `.build/release/zoetrope` finds the repository's), else
/// `<prefix>/share/zoetrope/models/zoetrope-tiny` next to an installed `<prefix>/bin/zoetrope`.
enum BundledModel {
    static let relativePath = "models/zoetrope-tiny"

    static func folder() throws -> String {
        if let variable = getenv("ZOETROPE_MODEL"), let path = String(validatingCString: variable), !path.isEmpty {
            return path
        }
        var searched: [String] = []
        if let executable = executablePath() {
            var directory = parent(executable)
            while !directory.isEmpty {
                for candidate in [directory + "/" + relativePath, directory + "/share/zoetrope/" + relativePath] {
                    if ModelFolder.isModelFolder(candidate) { return candidate }
                }
                searched.append(directory)
                if directory == "/" { break }
                directory = parent(directory)
            }
        }
        let place = searched.first.map { " above \($0)" } ?? ""
        throw CommandError(
            "no model given and the bundled model (\(relativePath)) was not found\(place): pass --model DIR or set ZOETROPE_MODEL")
    }

    /// This process's executable, from /proc/self/exe.
    private static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
