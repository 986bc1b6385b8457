import JobQueue
import PostgresNIO
import Testing

/// ``StoreChecks`` on PostgreSQL, each on a fresh database, and what only the PostgreSQL store does
/// (NOTIFY between processes, a LISTEN connection that drops).
///
/// Needs a server: `export ZOETROPE_TEST_POSTGRES=$(bash scripts/start-postgres.sh)`. CI sets it;
/// without it the suite is reported as skipped, not silently passed.
@Suite(.enabled(if: PostgresTestDatabase.baseURL != nil, "ZOETROPE_TEST_POSTGRES is not set (see scripts/start-postgres.sh)"))
struct PostgresJobStoreTests {
    @Test func insertAndGet() async throws { try await StoreChecks.insertAndGet(PostgresTestDatabase.make()) }
    @Test func listPages() async throws { try await StoreChecks.listPages(PostgresTestDatabase.make()) }
    @Test func unknownCursor() async throws { try await StoreChecks.unknownCursor(PostgresTestDatabase.make()) }
    @Test func queueLimit() async throws { try await StoreChecks.queueLimit(PostgresTestDatabase.make()) }
    @Test func claimOrder() async throws { try await StoreChecks.claimOrder(PostgresTestDatabase.make()) }
    @Test func claimByModel() async throws { try await StoreChecks.claimByModel(PostgresTestDatabase.make()) }
    @Test func claimExclusivity() async throws { try await StoreChecks.claimExclusivity(PostgresTestDatabase.make()) }
    @Test func heartbeat() async throws { try await StoreChecks.heartbeat(PostgresTestDatabase.make()) }
    @Test func leaseExpiry() async throws { try await StoreChecks.leaseExpiry(PostgresTestDatabase.make()) }
    @Test func complete() async throws { try await StoreChecks.complete(PostgresTestDatabase.make()) }
    @Test func fail() async throws { try await StoreChecks.fail(PostgresTestDatabase.make()) }
    @Test func delete() async throws { try await StoreChecks.delete(PostgresTestDatabase.make()) }
    @Test func requeue() async throws { try await StoreChecks.requeue(PostgresTestDatabase.make()) }
    @Test func waitForLocalChange() async throws { try await StoreChecks.waitForLocalChange(PostgresTestDatabase.make()) }
    @Test func reopen() async throws { try await StoreChecks.reopen(PostgresTestDatabase.make()) }
    @Test func cancelledCalls() async throws { try await StoreChecks.cancelledCalls(PostgresTestDatabase.make()) }

    /// A change made through another store (another process) wakes this store's waiter, by NOTIFY:
    /// an insert, a claim, progress, a completion, a delete.
    @Test func notifyWakesOtherProcess() async throws {
        let database = try await PostgresTestDatabase.make()
        try await database.withStore { store in
            let other = try await database.open()
            let job = StoreChecks.job()
            let changes: [(String, @Sendable () async throws -> Void)] = [
                ("insert", { try await other.insert(job, files: [], queueLimit: nil) }),
                ("claim", { _ = try await other.claim(worker: "remote", leaseSeconds: 60) }),
                ("heartbeat", { _ = try await other.heartbeat(id: job.id, worker: "remote", progress: 10, leaseSeconds: 60) }),
                ("complete", { _ = try await other.complete(id: job.id, worker: "remote", files: []) }),
                ("delete", { _ = try await other.delete(id: job.id) }),
            ]
            for (name, change) in changes {
                let woken = try await StoreChecks.elapsedUntilWoken(store, timeout: .seconds(600), change: change)
                #expect(woken < .seconds(300), "\(name) did not wake the other store: \(woken)")
            }
            #expect(try await store.job(id: job.id) == nil)
            await other.shutdown()
        }
    }

    /// Several stores starting at once on an empty database: one creates the schema, none fails.
    @Test func concurrentSchemaCreation() async throws {
        let database = try await PostgresTestDatabase.make()
        let stores = try await withThrowingTaskGroup(of: (any JobStore).self) { group in
            for _ in 0..<4 { group.addTask { try await database.open() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        try await stores[0].insert(StoreChecks.job(), files: [], queueLimit: nil)
        for store in stores { #expect(try await store.activeCount() == 1) }
        for store in stores { await store.shutdown() }
        await database.destroy()
    }

    /// The LISTEN connection killed by the server: waits fall back to their timeouts, the store goes
    /// on working, and once it has reconnected a remote change wakes it again.
    @Test func listenConnectionDrops() async throws {
        let database = try await PostgresTestDatabase.make()
        try await database.withStore { store in
            let other = try await database.open()
            let killed = try await Self.terminateListeners(in: database.name)
            #expect(killed == 2)  // one per store

            let quiet = await ContinuousClock().measure { await store.waitForChange(timeout: .milliseconds(300)) }
            #expect(quiet >= .milliseconds(250))  // no wake-up came from the dead connection
            try await other.insert(StoreChecks.job(), files: [], queueLimit: nil)
            #expect(try await store.activeCount() == 1)

            // The listeners come back within a few seconds (their first retry is after 0.5 s).
            var listening = 0
            for _ in 0..<100 where listening < 2 {
                try await Task.sleep(for: .milliseconds(100))
                listening = try await Self.listenerCount(in: database.name)
            }
            #expect(listening == 2)
            let woken = try await StoreChecks.elapsedUntilWoken(store, timeout: .seconds(600)) {
                try await other.insert(StoreChecks.job(), files: [], queueLimit: nil)
            }
            #expect(woken < .seconds(300))
            await other.shutdown()
        }
    }

    @Test func newerSchemaIsRefused() async throws {
        let database = try await PostgresTestDatabase.make()
        let store = try await database.open()
        await store.shutdown()
        try await PostgresTestDatabase.admin(database: database.name) { connection in
            try await connection.query("UPDATE zoetrope_schema SET version = 42", logger: PostgresTestDatabase.logger)
        }
        let name = try PostgresURL(database.url).displayName
        await #expect(throws: JobStoreError.database("\(name) has job schema version 42, newer than this build's 1; use a newer zoetrope")) {
            _ = try await database.open()
        }
        await database.destroy()
    }

    @Test func serverErrorIsOneReadableLine() async throws {
        let missing = PostgresTestDatabase(name: "zoetrope_missing", url: try Self.url(database: "zoetrope_no_such_database"))
        do {
            _ = try await missing.open()
            Issue.record("opened a database that does not exist")
        } catch let error as JobStoreError {
            guard case .database(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("database \"zoetrope_no_such_database\" does not exist"))
            #expect(!message.contains("\n"))
        }
    }

    @Test func opensThroughJobStores() async throws {
        let database = try await PostgresTestDatabase.make()
        let store = try await JobStores.open(database.url)
        #expect(store is PostgresJobStore)
        await store.shutdown()
        await database.destroy()
    }

    /// Kills the backends in LISTEN on `database`; how many.
    private static func terminateListeners(in database: String) async throws -> Int {
        var count = 0
        try await PostgresTestDatabase.admin { connection in
            let rows = try await connection.query("""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = \(database) AND query LIKE 'LISTEN%'
                """, logger: PostgresTestDatabase.logger).collect()
            count = rows.count
        }
        return count
    }

    private static func listenerCount(in database: String) async throws -> Int {
        var count = 0
        try await PostgresTestDatabase.admin { connection in
            let rows = try await connection.query("""
                SELECT count(*) FROM pg_stat_activity WHERE datname = \(database) AND query LIKE 'LISTEN%'
                """, logger: PostgresTestDatabase.logger).collect()
            count = Int(try rows.first?.decode(Int64.self) ?? 0)
        }
        return count
    }

    private static func url(database: String) throws -> String {
        let base = try #require(PostgresTestDatabase.baseURL)
        return try PostgresTestDatabase.url(base, database: database)
    }
}
