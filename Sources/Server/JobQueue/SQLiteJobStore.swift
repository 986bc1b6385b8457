import Synchronization
import SQLiteNIO

/// Rows handed over one at a time by sqlite-nio's callback.
private final class RowCollector: Sendable {
    private let collected = Mutex<[SQLiteRow]>([])
    func append(_ row: SQLiteRow) { collected.withLock { $0.append(row) } }
    var rows: [SQLiteRow] { collected.withLock { $0 } }
}

/// The job store in one SQLite file: no set-up, and several processes on one machine may share it
/// (every guarantee rests on SQLite's locks and on what is in the file, none on this process's memory).
///
/// The file is in WAL mode (readers do not block the writer) with a 5 s busy timeout; every write is
/// one `BEGIN IMMEDIATE` transaction, which takes the write lock up front so two claimers cannot both
/// read the same queued job. Other processes' changes are not announced: ``waitForChange(timeout:)``
/// wakes at once for this process's changes and otherwise after its timeout.
public final class SQLiteJobStore: JobStore {
    /// The schema this build writes (`PRAGMA user_version`); a file with a newer one is refused.
    public static let schemaVersion = 1

    /// The database file.
    public let path: String

    let connection: SQLiteConnection
    private let threadPool: NIOThreadPool
    /// One connection serves every call, and a transaction is several statements on it.
    private let lock = AsyncLock()
    private let closed = Mutex(false)
    let changes = ChangeSignal()

    /// Opens the store at `path`, creating the file and its tables when missing.
    ///
    /// - Throws: ``JobStoreError/database(_:)`` when the file cannot be opened or was written by a
    ///   newer build (a newer schema version).
    public init(path: String) async throws {
        self.path = path
        // SQLite calls block their thread (up to the busy timeout), so the store has its own thread
        // rather than holding one of the shared pool's.
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: threadPool, on: MultiThreadedEventLoopGroup.singleton.any())
        } catch {
            try? await threadPool.shutdownGracefully()
            // sqlite-nio's message here only repeats the path.
            throw JobStoreError.database("SQLite \(path): cannot open or create the file (does its folder exist, and may this user write there?)")
        }
        self.threadPool = threadPool
        self.connection = connection
        do {
            try await prepare()
        } catch {
            await shutdown()
            throw Self.storeError(error, path: path)
        }
    }

    /// Connection settings, then the schema (created once, by whichever process gets there first).
    private func prepare() async throws {
        // busy_timeout replaces sqlite-nio's default busy handler, which retries forever.
        try await execute("PRAGMA busy_timeout = 5000")
        try await execute("PRAGMA foreign_keys = ON")
        let mode = try await rows("PRAGMA journal_mode = WAL").first?.column("journal_mode")?.string
        guard mode?.lowercased() == "wal" else {
            throw JobStoreError.database("SQLite \(path): cannot use write-ahead logging (journal mode \(mode ?? "unknown"))")
        }
        try await transaction { store in
            let version = try await store.rows("PRAGMA user_version").first?.column("user_version")?.integer ?? 0
            if version > Self.schemaVersion {
                throw JobStoreError.database(
                    "\(store.path) has job schema version \(version), newer than this build's \(Self.schemaVersion); use a newer zoetrope")
            }
            if version == 0 {
                for statement in SQLiteSchema.statements { try await store.execute(statement) }
                try await store.execute("PRAGMA user_version = \(Self.schemaVersion)")
            }
        }
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
        // Taking the lock waits for a transaction in flight to end.
        _ = try? await lock.withLock { try await self.connection.close() }
        try? await threadPool.shutdownGracefully()
        changes.signal()
    }

    // MARK: Running statements

    /// Runs one statement and drops its rows.
    func execute(_ sql: String, _ binds: [SQLiteData] = []) async throws {
        _ = try await rows(sql, binds)
    }

    /// Runs one statement and returns its rows.
    ///
    /// The future-based query, not sqlite-nio's async one: that one skips its statement when the task
    /// is cancelled, which inside a transaction would skip the ROLLBACK too and leave the connection
    /// holding the write lock. This one always runs, so a transaction, once begun, always ends.
    func rows(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        let collected = RowCollector()
        try await connection.query(sql, binds, logger: connection.logger) { collected.append($0) }.get()
        return collected.rows
    }

    /// Runs `body` alone on the connection (no transaction: for reads of one statement or several
    /// that need not agree).
    func reading<T: Sendable>(_ body: (SQLiteJobStore) async throws -> T) async throws -> T {
        do {
            return try await lock.withLock {
                try checkOpen()
                return try await body(self)
            }
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction: committed when it returns, rolled back when
    /// it throws.
    func transaction<T: Sendable>(_ body: (SQLiteJobStore) async throws -> T) async throws -> T {
        do {
            return try await lock.withLock {
                try checkOpen()
                try await execute("BEGIN IMMEDIATE")
                do {
                    let result = try await body(self)
                    try await execute("COMMIT")
                    return result
                } catch {
                    try? await execute("ROLLBACK")
                    throw error
                }
            }
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    private func checkOpen() throws {
        if closed.withLock({ $0 }) { throw JobStoreError.database("SQLite \(path): the store is shut down") }
    }

    /// The store's own errors pass through; SQLite's become one line naming the file.
    static func storeError(_ error: any Error, path: String) -> any Error {
        switch error {
        case let error as JobStoreError: return error
        case let error as SQLiteError: return JobStoreError.database("SQLite \(path): \(error.message)")
        default: return JobStoreError.database("SQLite \(path): \(error)")
        }
    }
}
