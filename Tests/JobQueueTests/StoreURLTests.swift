import JobQueue
import Testing

@Suite struct StoreURLTests {
    @Test func fullPostgresURL() throws {
        let url = try PostgresURL("postgres://zoe:p%40ss%3Aword@db.example.com:6543/video%20jobs?sslmode=require")
        #expect(url.endpoint == .tcp(host: "db.example.com", port: 6543))
        #expect(url.username == "zoe" && url.password == "p@ss:word" && url.database == "video jobs")
        #expect(url.sslMode == .require)
        #expect(url.displayName == "PostgreSQL zoe@db.example.com:6543/video jobs")
    }

    @Test func postgresDefaults() throws {
        let url = try PostgresURL("postgresql://localhost")
        #expect(url.endpoint == .tcp(host: "localhost", port: 5432))
        #expect(url.username == "postgres" && url.password == nil && url.database == nil && url.sslMode == .disable)
        let ipv6 = try PostgresURL("postgres://u@[::1]:5433/db")
        #expect(ipv6.endpoint == .tcp(host: "::1", port: 5433) && ipv6.database == "db")
        let emptyPassword = try PostgresURL("postgres://u:@h/db")
        #expect(emptyPassword.password == "")
    }

    @Test func unixSocket() throws {
        let folder = try PostgresURL("postgres://zoe@/jobs?host=/var/run/postgresql")
        #expect(folder.endpoint == .unixSocket(path: "/var/run/postgresql/.s.PGSQL.5432"))
        let file = try PostgresURL("postgres:///jobs?host=/tmp/.s.PGSQL.6000")
        #expect(file.endpoint == .unixSocket(path: "/tmp/.s.PGSQL.6000") && file.database == "jobs")
        let port = try PostgresURL("postgres://:7000/jobs?host=/tmp/")
        #expect(port.endpoint == .unixSocket(path: "/tmp/.s.PGSQL.7000"))
    }

    @Test(arguments: [
        ("mysql://u@h/db", "a PostgreSQL URL starts with postgres:// or postgresql:// in \"mysql://u@h/db\""),
        ("postgres://h:99999/db", "the port \"99999\" is not a number from 1 to 65535 in \"postgres://h:99999/db\""),
        ("postgres://h/db?sslmode=maybe", "sslmode \"maybe\" is not one of disable, prefer, require, verify-full in \"postgres://h/db?sslmode=maybe\""),
        ("postgres://h/db?pool=3", "unknown parameter \"pool\" (known: sslmode, host) in \"postgres://h/db?pool=3\""),
        ("postgres:///db", "no host (write postgres://host/db, or ?host=/socket/folder) in \"postgres:///db\""),
        ("postgres://u:secret@h:x/db", "the port \"x\" is not a number from 1 to 65535 in \"postgres://u:***@h:x/db\""),
    ])
    func badPostgresURL(url: String, reason: String) {
        #expect(throws: JobStoreError.invalidURL(reason)) { try PostgresURL(url) }
    }

    @Test func locations() throws {
        #expect(try JobStores.location(of: "sqlite:///var/lib/zoetrope/jobs.db") == .sqlite(path: "/var/lib/zoetrope/jobs.db"))
        #expect(try JobStores.location(of: "sqlite:jobs.db") == .sqlite(path: "jobs.db"))
        #expect(try JobStores.location(of: "SQLITE:data/jobs.db") == .sqlite(path: "data/jobs.db"))
        #expect(try JobStores.location(of: "  /tmp/jobs.db \n") == .sqlite(path: "/tmp/jobs.db"))
        #expect(try JobStores.location(of: "jobs.db") == .sqlite(path: "jobs.db"))
        #expect(try JobStores.location(of: "postgres://u@h/db") == .postgres(url: "postgres://u@h/db"))
        #expect(try JobStores.location(of: "postgresql://u@h/db") == .postgres(url: "postgresql://u@h/db"))
    }

    @Test(arguments: [
        ("", "the URL is empty"),
        ("mysql://u@h/db", "unknown scheme \"mysql\" (use postgres://, sqlite: or a file path)"),
        ("sqlite://jobs.db", "write sqlite:///absolute/path.db (three slashes) or sqlite:relative/path.db, not \"sqlite://jobs.db\""),
        ("sqlite:", "\"sqlite:\" names no file"),
        ("postgres://h:0/db", "the port \"0\" is not a number from 1 to 65535 in \"postgres://h:0/db\""),
    ])
    func badLocation(url: String, reason: String) async {
        await #expect(throws: JobStoreError.invalidURL(reason)) { _ = try await JobStores.open(url) }
    }

    @Test func opensSQLiteByPath() async throws {
        let database = try SQLiteTestDatabase()
        let store = try await JobStores.open(database.path)
        #expect(store is SQLiteJobStore)
        try await store.insert(StoreChecks.job(), files: [], queueLimit: nil)
        await store.shutdown()
        let again = try await JobStores.open("sqlite://" + database.path)
        #expect(try await again.activeCount() == 1)
        await again.shutdown()
        await database.destroy()
    }

    /// Nothing listens on port 1: the store fails at once with a line naming the server.
    @Test func unreachableServer() async throws {
        do {
            _ = try await PostgresJobStore(url: "postgres://postgres@127.0.0.1:1/zoetrope")
            Issue.record("connected to port 1")
        } catch let error as JobStoreError {
            guard case .database(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.hasPrefix("PostgreSQL postgres@127.0.0.1:1/zoetrope: "))
            #expect(!message.contains("\n"))
        }
    }

    @Test func newIDs() {
        let ids = (0..<100).map { _ in VideoJob.newID() }
        #expect(Set(ids).count == 100)
        for id in ids {
            #expect(id.hasPrefix("video_") && id.count == 38)
            #expect(id.dropFirst(6).allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
    }
}
