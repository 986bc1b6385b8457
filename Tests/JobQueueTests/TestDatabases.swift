import Foundation
import JobQueue
import PostgresNIO

/// A database of its own for one test, on which stores can be opened (several at once stand for
/// several processes sharing it).
protocol TestDatabase: Sendable {
    func open() async throws -> any JobStore
    /// Removes the database (every store on it shut down first).
    func destroy() async
}

extension TestDatabase {
    /// Runs `body` with a store on this database; shuts it down and removes the database after.
    func withStore(_ body: (any JobStore) async throws -> Void) async throws {
        let store: any JobStore
        do {
            store = try await open()
        } catch {
            await destroy()
            throw error
        }
        do {
            try await body(store)
        } catch {
            await store.shutdown()
            await destroy()
            throw error
        }
        await store.shutdown()
        await destroy()
    }
}

/// A SQLite file in a fresh temporary folder.
struct SQLiteTestDatabase: TestDatabase {
    let folder: String
    var path: String { folder + "/jobs.db" }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoetrope-jobs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func open() async throws -> any JobStore { try await SQLiteJobStore(path: path) }

    func destroy() async { try? FileManager.default.removeItem(atPath: folder) }
}

/// A fresh database on the server named by `ZOETROPE_TEST_POSTGRES` (tests run in parallel, and
/// queue order and counts must be each test's own).
struct PostgresTestDatabase: TestDatabase {
    /// The server the tests may use; the Postgres suite is skipped without it.
    static let baseURL: String? = ProcessInfo.processInfo.environment["ZOETROPE_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

    let name: String
    let url: String

    static func make() async throws -> PostgresTestDatabase {
        guard let baseURL else { throw JobStoreError.invalidURL("ZOETROPE_TEST_POSTGRES is not set") }
        let name = "zoetrope_t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await admin { try await $0.query("CREATE DATABASE \(unescaped: name)", logger: logger) }
        return PostgresTestDatabase(name: name, url: try url(baseURL, database: name))
    }

    func open() async throws -> any JobStore { try await PostgresJobStore(url: url) }

    func destroy() async {
        try? await Self.admin { try await $0.query("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)", logger: Self.logger) }
    }

    /// Runs `body` on a connection to the server's database named in `ZOETROPE_TEST_POSTGRES`.
    static func admin(database: String? = nil, _ body: (PostgresConnection) async throws -> Void) async throws {
        guard let baseURL else { return }
        let parsed = try PostgresURL(database.map { try url(baseURL, database: $0) } ?? baseURL)
        guard case .tcp(let host, let port) = parsed.endpoint else {
            throw JobStoreError.invalidURL("the tests reach PostgreSQL over TCP only")
        }
        let configuration = PostgresConnection.Configuration(
            host: host, port: port, username: parsed.username, password: parsed.password, database: parsed.database, tls: .disable)
        let connection = try await PostgresConnection.connect(
            on: PostgresConnection.defaultEventLoopGroup.any(), configuration: configuration, id: 99, logger: logger).get()
        do {
            try await body(connection)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    static let logger = Logger(label: "zoetrope.jobqueue.tests")

    /// `base` with its database replaced by `database`.
    static func url(_ base: String, database: String) throws -> String {
        guard var components = URLComponents(string: base) else { throw JobStoreError.invalidURL("cannot parse \(base)") }
        components.path = "/" + database
        guard let url = components.string else { throw JobStoreError.invalidURL("cannot rebuild \(base)") }
        return url
    }
}
