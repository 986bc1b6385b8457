import ArgumentParser
import CPUBackend
import JobQueue
import Pipelines
import Server

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Work the job queue of a `zoetrope serve` without serving HTTP.",
        discussion: """
            Give it the server's --database (PostgreSQL to run workers on other machines, or the server's SQLite file on \
            this one) and the same --model folders. SIGTERM or Ctrl-C stops it gracefully: the running job finishes \
            within --shutdown-grace seconds or goes back to the queue; a worker that dies loses its job to another \
            worker once its --lease runs out.
            """)

    @OptionGroup var server: ServerOptions

    func run() async throws {
        var configuration = ServerConfiguration()
        server.apply(to: &configuration)
        configuration.workers = max(1, configuration.workers)
        let models = try server.modelStore()
        let store = try await server.openStore()
        let generator = Generator(store: models, backend: CPUBackend(), cache: ModelCache(budgetBytes: configuration.modelMemoryBudget))
        do {
            try await VideoServer.runWorkers(store: store, generator: generator, configuration: configuration,
                                             storeDescription: server.redacted(server.database))
        } catch {
            throw CommandError("zoetrope worker: \(error)")
        }
    }
}
