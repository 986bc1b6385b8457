import ArgumentParser
import CPUBackend
import Foundation
import JobQueue
import Pipelines
import Server
import Tensor

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the OpenAI-compatible Videos API, the web page at /, and a worker that makes the videos.",
        discussion: """
            Jobs are kept in a SQLite file by default; with --database postgres://... several `zoetrope worker` \
            processes, on this machine or others, share the queue. See docs/server.md.
            """)

    @OptionGroup var server: ServerOptions

    @Option(help: "The address to listen on (0.0.0.0 for every interface).")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port).")
    var port = 8080

    @Option(name: .customLong("api-key"), help: "An API key clients must send as 'Authorization: Bearer KEY'; repeatable.")
    var apiKeys: [String] = []

    @Option(help: "A file of API keys, one a line (# starts a comment).")
    var apiKeysFile: String?

    @Option(help: "Videos that may be queued or running at once; more get HTTP 429.")
    var queueLimit = 64

    @Option(help: "The largest request body in MiB (uploaded images included).")
    var maxRequestMb = 25

    @Option(help: "The largest width or height a request may ask for.")
    var maxSide = 1280

    @Option(help: "The longest video a request may ask for, in seconds.")
    var maxSeconds = 120.0

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard (1...100_000).contains(queueLimit) else { throw ValidationError("--queue-limit must be between 1 and 100000") }
        guard (1...1024).contains(maxRequestMb) else { throw ValidationError("--max-request-mb must be between 1 and 1024") }
        guard (16...16384).contains(maxSide) else { throw ValidationError("--max-side must be between 16 and 16384") }
        guard maxSeconds.isFinite, maxSeconds > 0, maxSeconds <= 3600 else { throw ValidationError("--max-seconds must be between 0 and 3600") }
    }

    func run() async throws {
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.queueLimit = queueLimit
        configuration.maxRequestBytes = maxRequestMb << 20
        configuration.maxSide = maxSide
        configuration.maxSeconds = maxSeconds
        configuration.apiKeys = Set(apiKeys).union(try apiKeysFile.map(Self.readKeys) ?? [])
        server.apply(to: &configuration)
        let models = try server.modelStore()
        let store = try await server.openStore()
        let generator = configuration.workers > 0
            ? Generator(store: models, backend: CPUBackend(), cache: ModelCache(budgetBytes: configuration.modelMemoryBudget)) : nil
        do {
            try await VideoServer.serve(configuration: configuration, models: models, store: store, generator: generator,
                                        storeDescription: server.redacted(server.database))
        } catch {
            throw CommandError("zoetrope serve: \(error)")
        }
    }

    static func readKeys(_ path: String) throws -> Set<String> {
        let bytes: [UInt8]
        do { bytes = try RegularFile.read(path, limit: 1 << 20) } catch { throw CommandError("--api-keys-file \(error)") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CommandError("--api-keys-file \(path): cannot be read as UTF-8 text")
        }
        let keys = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !keys.isEmpty else { throw CommandError("--api-keys-file \(path) holds no key") }
        return Set(keys)
    }
}
