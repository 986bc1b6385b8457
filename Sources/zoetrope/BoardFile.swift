#if canImport(Glibc)
import Glibc
#endif
import CPUBackend
import Media
import Pipelines

/// A storyboard file as the CLI reads it: the board, and the folder its relative paths start from.
struct BoardFile {
    let path: String
    let board: Storyboard
    let folder: String

    /// The largest board file read (a board is a few kilobytes; this bounds a hostile one).
    static let maximumBytes = 4 << 20

    init(path: String) throws {
        self.path = path
        let text = try Self.readText(path)
        do {
            board = try Storyboard(json: text)
        } catch let error as StoryboardError {
            throw CommandError("\(path): \(error)")
        }
        let slash = path.lastIndex(of: "/")
        folder = slash.map { String(path[..<$0]) } ?? "."
    }

    /// `name` from the board: as it is when absolute, else relative to the board's folder.
    func resolve(_ name: String) -> String {
        name.hasPrefix("/") ? name : (folder.isEmpty ? "/" : folder) + "/" + name
    }

    /// The model folder: --model, else the board's (relative to the board), else the bundled one.
    func modelFolder(_ options: GenerationOptions) throws -> String {
        if let model = options.model { return model }
        if let model = board.model { return resolve(model) }
        return try BundledModel.folder()
    }

    /// A generator for the options' or the board's model.
    func generator(_ options: GenerationOptions) throws -> Generator {
        let source = ModelSource(folder: try modelFolder(options), transformer: options.transformer, vae: options.vae,
                                 textEncoder: options.textEncoder)
        return Generator(store: try ModelStore(single: source), precision: try options.wanPrecision(), backend: CPUBackend())
    }

    /// The settings every window shares: the command line's, else the board's, else the model's, checked.
    func baseRequest(_ options: GenerationOptions, generator: Generator) throws -> ValidatedRequest {
        let request = GenerationRequest(
            prompt: board.cards[0].prompt, negativePrompt: options.negativePrompt ?? board.negativePrompt,
            width: options.width ?? board.width, height: options.height ?? board.height, fps: options.fps ?? board.fps,
            steps: options.steps ?? board.steps, guidance: options.guidance ?? board.guidance,
            shift: options.shift ?? board.shift, sampler: options.sampler ?? board.sampler, seed: options.seed ?? board.seed)
        do {
            return try generator.validate(request)
        } catch let error as GenerationError {
            throw CommandError("\(path): \(error)")
        }
    }

    /// Reads the file as UTF-8 text, refusing what is not a regular file or is too large.
    private static func readText(_ path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { throw CommandError("cannot read the board \(path): \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw CommandError("the board \(path) is not a regular file") }
        guard info.st_size <= maximumBytes else {
            throw CommandError("the board \(path) is \(info.st_size) bytes, more than the \(maximumBytes) a board may have")
        }
        guard let file = fopen(path, "rb") else { throw CommandError("cannot read the board \(path): \(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        let count = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        guard count == bytes.count else { throw CommandError("cannot read the board \(path): it changed while being read") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw CommandError("the board \(path) is not UTF-8 text") }
        return text
    }
}
