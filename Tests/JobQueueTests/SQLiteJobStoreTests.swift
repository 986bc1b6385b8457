import JobQueue
import SQLiteNIO
import Testing

/// ``StoreChecks`` on SQLite, each on a file of its own, and what only the SQLite store does.
@Suite struct SQLiteJobStoreTests {
    @Test func insertAndGet() async throws { try await StoreChecks.insertAndGet(SQLiteTestDatabase()) }
    @Test func listPages() async throws { try await StoreChecks.listPages(SQLiteTestDatabase()) }
    @Test func unknownCursor() async throws { try await StoreChecks.unknownCursor(SQLiteTestDatabase()) }
    @Test func queueLimit() async throws { try await StoreChecks.queueLimit(SQLiteTestDatabase()) }
    @Test func claimOrder() async throws { try await StoreChecks.claimOrder(SQLiteTestDatabase()) }
    @Test func claimByModel() async throws { try await StoreChecks.claimByModel(SQLiteTestDatabase()) }
    @Test func claimExclusivity() async throws { try await StoreChecks.claimExclusivity(SQLiteTestDatabase()) }
    @Test func heartbeat() async throws { try await StoreChecks.heartbeat(SQLiteTestDatabase()) }
    @Test func leaseExpiry() async throws { try await StoreChecks.leaseExpiry(SQLiteTestDatabase()) }
    @Test func complete() async throws { try await StoreChecks.complete(SQLiteTestDatabase()) }
    @Test func fail() async throws { try await StoreChecks.fail(SQLiteTestDatabase()) }
    @Test func delete() async throws { try await StoreChecks.delete(SQLiteTestDatabase()) }
    @Test func requeue() async throws { try await StoreChecks.requeue(SQLiteTestDatabase()) }
    @Test func waitForLocalChange() async throws { try await StoreChecks.waitForLocalChange(SQLiteTestDatabase()) }
    @Test func reopen() async throws { try await StoreChecks.reopen(SQLiteTestDatabase()) }
    @Test func cancelledCalls() async throws { try await StoreChecks.cancelledCalls(SQLiteTestDatabase()) }

    /// The file is in WAL mode with the schema version written, and a file from a newer build is
    /// refused with one line.
    @Test func schemaVersion() async throws {
        let database = try SQLiteTestDatabase()
        let store = try await database.open()
        try await store.insert(StoreChecks.job(), files: [], queueLimit: nil)
        await store.shutdown()

        let connection = try await SQLiteConnection.open(storage: .file(path: database.path))
        let mode: String? = try await connection.query("PRAGMA journal_mode").first?.column("journal_mode")?.string
        let version: Int? = try await connection.query("PRAGMA user_version").first?.column("user_version")?.integer
        #expect(mode == "wal")
        #expect(version == SQLiteJobStore.schemaVersion)
        _ = try await connection.query("PRAGMA user_version = 99")
        try await connection.close()

        let expected = JobStoreError.database(
            "\(database.path) has job schema version 99, newer than this build's \(SQLiteJobStore.schemaVersion); use a newer zoetrope")
        await #expect(throws: expected) { _ = try await SQLiteJobStore(path: database.path) }
        await database.destroy()
    }

    /// Two stores on one file stand for two processes: one sees the other's writes at once.
    @Test func twoStoresShareTheFile() async throws {
        let database = try SQLiteTestDatabase()
        try await database.withStore { first in
            let second = try await database.open()
            let job = StoreChecks.job()
            try await first.insert(job, files: [], queueLimit: nil)
            let claimed = try await second.claim(worker: "other-process", leaseSeconds: 60)
            #expect(claimed?.id == job.id)
            #expect(try await first.job(id: job.id)?.workerID == "other-process")
            #expect(try await first.claim(worker: "this-process", leaseSeconds: 60) == nil)
            await second.shutdown()
        }
    }

    @Test func unopenableFileIsOneLine() async throws {
        let path = "/nonexistent-folder-\(VideoJob.newID())/jobs.db"
        await #expect(throws: JobStoreError.database(
            "SQLite \(path): cannot open or create the file (does its folder exist, and may this user write there?)")) {
            _ = try await SQLiteJobStore(path: path)
        }
    }

    @Test func shutDownStoreThrows() async throws {
        let database = try SQLiteTestDatabase()
        let store = try await database.open()
        await store.shutdown()
        await #expect(throws: JobStoreError.database("SQLite \(database.path): the store is shut down")) {
            _ = try await store.job(id: "video_x")
        }
        await store.shutdown()  // a second shutdown is harmless
        await database.destroy()
    }
}
