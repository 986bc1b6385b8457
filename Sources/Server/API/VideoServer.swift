import Hummingbird
import JobQueue
import Logging
import Pipelines
import ServiceLifecycle

/// `zoetrope serve` put together: the API under `/v1`, the web page at `/`, and `workers` loops that
/// run jobs through `generator`, all in one service group that shuts down gracefully on SIGTERM and
/// SIGINT. With no generator (or no workers) it serves the API alone while other processes work the
/// queue; ``worker(store:generator:configuration:logger:)`` is such a process.
public enum VideoServer {
    public static func application(configuration: ServerConfiguration, models: ModelStore, store: any JobStore,
                                   generator: Generator?, logger: Logger,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let scratch = try ScratchFolder()
        let router = Router()
        router.add(middleware: ErrorEnvelopeMiddleware())
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: WebPage.html)))
        }
        router.get("healthz") { _, _ in JSONResponse.make(.object(["status": .string("ok")])) }
        let v1 = router.group("v1").add(middleware: APIKeyMiddleware(keys: configuration.apiKeys))
        VideoRoutes(store: store, requests: VideoRequests(models: models, configuration: configuration),
                    configuration: configuration, scratch: scratch).register(on: v1)
        // Listed first, so shut down last: the scratch folder goes once the workers have stopped.
        var services: [any Service] = [ScratchCleanup(scratch: scratch)]
        if let generator {
            let runner = JobRunner(generator: generator, scratch: scratch)
            services += (0..<configuration.workers).map {
                VideoWorker(store: store, runner: runner, configuration: configuration, index: $0, logger: logger) as any Service
            }
        }
        return Application(router: router,
                           configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port),
                                                                   serverName: "zoetrope"),
                           services: services,
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
                           logger: logger)
    }

    /// Runs the server until SIGTERM or SIGINT, logging where it listens; closes the store after.
    public static func serve(configuration: ServerConfiguration, models: ModelStore, store: any JobStore,
                             generator: Generator?, storeDescription: String) async throws {
        let logger = ServerLogging.logger
        let keys = configuration.apiKeys.isEmpty ? "no API key" : "\(configuration.apiKeys.count) API key(s)"
        let workers = generator == nil ? 0 : configuration.workers
        let app = try application(configuration: configuration, models: models, store: store, generator: generator,
                                  logger: logger) { port in
            logger.info("zoetrope serve: http://\(configuration.host):\(port)/ (models: \(models.ids.joined(separator: ", ")); jobs: \(storeDescription); \(workers) worker(s); \(keys))")
        }
        do {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
    }

    /// A worker process: `configuration.workers` loops on `store`, until SIGTERM or SIGINT.
    public static func runWorkers(store: any JobStore, generator: Generator, configuration: ServerConfiguration,
                                  storeDescription: String) async throws {
        let logger = ServerLogging.logger
        logger.info("zoetrope worker: models \(generator.store.ids.joined(separator: ", ")); jobs: \(storeDescription); \(configuration.workers) loop(s)")
        let scratch = try ScratchFolder()
        defer { scratch.removeAll() }
        let runner = JobRunner(generator: generator, scratch: scratch)
        let workers = (0..<max(1, configuration.workers)).map {
            VideoWorker(store: store, runner: runner, configuration: configuration, index: $0, logger: logger)
        }
        let group = ServiceGroup(configuration: .init(services: workers.map { .init(service: $0) },
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
    }
}

/// Log lines on standard error, set up once per process.
public enum ServerLogging {
    public static let logger: Logger = {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        return Logger(label: "zoetrope")
    }()
}

/// Removes the server's scratch folder at shutdown.
struct ScratchCleanup: Service {
    let scratch: ScratchFolder

    func run() async throws {
        try? await gracefulShutdown()
        scratch.removeAll()
    }
}
