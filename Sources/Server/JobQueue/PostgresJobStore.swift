import Synchronization
import PostgresNIO

/// The job store on PostgreSQL, for several workers on several machines.
///
/// Claims take the oldest queued row with `FOR UPDATE SKIP LOCKED`, so concurrent claimers never wait
/// on each other nor get the same job; leases are measured by the database's clock. Every change is
/// announced with `NOTIFY zoetrope_jobs, '<id>'`, and ``waitForChange(timeout:)`` wakes on those
/// heard over a dedicated LISTEN connection (reconnected when it drops; waiters fall back to their
/// timeouts meanwhile) as well as on this process's own changes.
public final class PostgresJobStore: JobStore {
    /// Where the store connects.
    public let url: PostgresURL

    let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let listener: PostgresChangeListener
    let changes: ChangeSignal
    private let closed = Mutex(false)
    /// How long a call waits for a pooled connection before it fails (the pool itself retries forever).
    let connectionWait: Duration = .seconds(15)
    static let logger: Logger = {
        var logger = Logger(label: "zoetrope.jobqueue.postgres")
        logger.logLevel = .error
        return logger
    }()

    /// Connects to the database at `url` and creates the tables when missing.
    ///
    /// - Throws: ``JobStoreError/invalidURL(_:)`` for a URL it cannot use, ``JobStoreError/database(_:)``
    ///   when the server cannot be reached or has a newer schema.
    public init(url: String) async throws {
        let parsed = try PostgresURL(url)
        let connectionConfiguration: PostgresConnection.Configuration
        do {
            connectionConfiguration = try parsed.connectionConfiguration()
        } catch {
            throw JobStoreError.invalidURL("cannot set up TLS for \(parsed.displayName): \(error)")
        }
        self.url = parsed
        // The schema is made on a connection of its own, outside the pool: it fails at once when the
        // server is unreachable, where the pool would keep retrying.
        try await Self.createSchema(configuration: connectionConfiguration, name: parsed.displayName)

        let client = PostgresClient(configuration: parsed.clientConfiguration())
        self.client = client
        self.runTask = Task { await client.run() }
        let changes = ChangeSignal()
        self.changes = changes
        self.listener = PostgresChangeListener(
            configuration: connectionConfiguration, channel: PostgresSchema.channel, changes: changes, logger: Self.logger)
        // Listening before init returns: a change made right after must be heard.
        await listener.start()
    }

    public func waitForChange(timeout: Duration) async {
        await changes.wait(timeout: timeout)
    }

    public func shutdown() async {
        let wasClosed = closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        await listener.stop()
        // Cancelling run() closes the pool's connections and ends the task.
        runTask.cancel()
        await runTask.value
        changes.signal()
    }

    private static func createSchema(configuration: PostgresConnection.Configuration, name: String) async throws {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: PostgresConnection.defaultEventLoopGroup.any(), configuration: configuration, id: 0, logger: logger).get()
        } catch {
            throw storeError(error, name: name)
        }
        do {
            try await connection.withTransaction(logger: logger) { connection in
                // Several processes may start at once: one creates the tables, the others wait here
                // and then find them.
                try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.schemaLock))", logger: logger)
                for statement in PostgresSchema.statements {
                    try await connection.query(statement, logger: logger)
                }
                let rows = try await connection.query("SELECT max(version) FROM zoetrope_schema", logger: logger).collect()
                let version = try rows.first?.decode(Int64?.self) ?? nil
                if let version, version > PostgresSchema.version {
                    throw JobStoreError.database(
                        "\(name) has job schema version \(version), newer than this build's \(PostgresSchema.version); use a newer zoetrope")
                }
                if version == nil {
                    try await connection.query("INSERT INTO zoetrope_schema (version) VALUES (\(PostgresSchema.version))", logger: logger)
                }
            }
        } catch {
            try? await connection.close()
            throw storeError(error, name: name)
        }
        try? await connection.close()
    }

    // MARK: Running statements

    /// Runs `body` on a pooled connection; fails when none comes within ``connectionWait``.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        if closed.withLock({ $0 }) { throw JobStoreError.database("\(url.displayName): the store is shut down") }
        let leased = LeaseFlag()
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    try await self.client.withConnection { connection in
                        leased.set()
                        return try await body(connection)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: self.connectionWait)
                    if !leased.isSet {
                        throw JobStoreError.database("\(self.url.displayName): no connection within \(self.connectionWait)")
                    }
                    return nil
                }
                // The first result that is not the timer's is the answer; leaving the group cancels
                // the timer (and, when the timer threw, the lease request).
                while let result = try await group.next() {
                    if let result {
                        group.cancelAll()
                        return result
                    }
                }
                throw JobStoreError.database("\(url.displayName): the query ended without a result")
            }
        } catch {
            throw Self.storeError(error, name: url.displayName)
        }
    }

    /// Runs `body` in one transaction on a pooled connection.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection { connection in
            try await connection.withTransaction(logger: Self.logger) { connection in try await body(connection) }
        }
    }

    /// The store's own errors pass through; the server's become one line with its message.
    static func storeError(_ error: any Error, name: String) -> any Error {
        switch error {
        case let error as JobStoreError:
            return error
        case let error as PostgresTransactionError:
            if let inner = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError {
                return storeError(inner, name: name)
            }
            return JobStoreError.database("\(name): the transaction failed")
        case let error as PSQLError:
            return JobStoreError.database("\(name): \(describe(error))")
        case is CancellationError:
            return error
        default:
            return JobStoreError.database("\(name): \(oneLine(String(describing: error)))")
        }
    }

    /// PSQLError's own description hides the server's message (it is printed only by
    /// `String(reflecting:)`, with the query and more), so the line is built from its parts.
    private static func describe(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return oneLine(message + state)
        }
        if let underlying = error.underlying {
            return oneLine("\(error.code): \(underlying)")
        }
        return oneLine("\(error.code)")
    }

    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}

/// Set once a pooled connection is leased, so the wait's timer knows not to fire.
private final class LeaseFlag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
