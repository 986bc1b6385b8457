import ArgumentParser
import Foundation
import JobQueue
import Pipelines
import Server
import Tensor

/// What `serve` and `worker` share: the models, the job store and the worker's settings.
struct ServerOptions: ParsableArguments {
    @Option(name: .customLong("model"),
            help: "A model folder to offer, named by its folder name; repeat for several (the first is the default). Default: the bundled model.")
    var models: [String] = []

    @Option(help: "The job store: a SQLite file (sqlite:PATH or a plain path), or postgres://USER@HOST:PORT/DB for several workers.")
    var database: String = "sqlite:zoetrope-jobs.db"

    @Option(help: "Worker loops in this process (each runs one job at a time).")
    var workers: Int = 1

    @Option(help: "Seconds a worker's claim on a job lasts without a heartbeat; a dead worker's job is re-queued after it.")
    var lease: Double = 30

    @Option(help: "Seconds a running job may take to finish at shutdown before it goes back to the queue.")
    var shutdownGrace: Double = 10

    @Option(help: "GiB of model weights a worker keeps loaded between jobs.")
    var memoryBudget: Double = 8

    func validate() throws {
        guard workers >= 0, workers <= 16 else { throw ValidationError("--workers must be between 0 and 16, not \(workers)") }
        guard lease.isFinite, lease >= 2, lease <= 3600 else { throw ValidationError("--lease must be between 2 and 3600 seconds") }
        guard shutdownGrace.isFinite, shutdownGrace >= 0, shutdownGrace <= 3600 else {
            throw ValidationError("--shutdown-grace must be between 0 and 3600 seconds")
        }
        guard memoryBudget.isFinite, memoryBudget >= 0, memoryBudget <= 4096 else {
            throw ValidationError("--memory-budget must be between 0 and 4096 GiB")
        }
    }

    /// The models by folder name; two folders with one name are refused.
    func modelStore() throws -> ModelStore {
        let folders = models.isEmpty ? [try BundledModel.folder()] : models
        var sources: [String: ModelSource] = [:]
        for folder in folders {
            guard ModelFolder.isModelFolder(folder) else { throw CommandError("--model \(folder): not a model folder (no model_index.json or component folders)") }
            let name = ModelStore.name(ofFolder: folder)
            guard sources[name] == nil else { throw CommandError("--model \(folder): another model is already named \(name)") }
            sources[name] = ModelSource(folder: folder)
        }
        let store = try ModelStore(sources: sources, defaultID: ModelStore.name(ofFolder: folders[0]))
        for id in store.ids { _ = try store.defaults(for: id) }  // a broken folder fails now, not on the first request
        return store
    }

    func apply(to configuration: inout ServerConfiguration) {
        configuration.workers = workers
        configuration.leaseSeconds = lease
        configuration.shutdownGraceSeconds = shutdownGrace
        configuration.modelMemoryBudget = Int(memoryBudget * Double(1 << 30))
    }

    func openStore() async throws -> any JobStore {
        do {
            return try await JobStores.open(database)
        } catch {
            throw CommandError("--database \(redacted(database)): \(error)")
        }
    }

    /// The URL without its password.
    func redacted(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at else { return url }
        let user = url[scheme.upperBound..<at]
        guard let colon = user.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}

