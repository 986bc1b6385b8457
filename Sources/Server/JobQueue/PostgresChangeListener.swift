import Synchronization
import PostgresNIO

/// Holds a connection of its own in `LISTEN` on the store's channel and signals `changes` for every
/// notification. When the connection drops (or stops answering its pings) it reconnects with a
/// growing pause; meanwhile waiters fall back to their timeouts. It never throws and never traps.
final class PostgresChangeListener: Sendable {
    private let configuration: PostgresConnection.Configuration
    private let channel: String
    private let changes: ChangeSignal
    private let logger: Logger
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// How often an idle LISTEN connection is checked (a half-open TCP connection sends no error).
    static let pingInterval: Duration = .seconds(30)

    init(configuration: PostgresConnection.Configuration, channel: String, changes: ChangeSignal, logger: Logger) {
        self.configuration = configuration
        self.channel = channel
        self.changes = changes
        self.logger = logger
    }

    /// Starts listening; returns once the first attempt is listening or has failed (then it retries
    /// in the background).
    func start() async {
        let firstAttempt = OneShot()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            firstAttempt.set(continuation)
            let task = Task { await self.listenForever(firstAttempt: firstAttempt) }
            self.task.withLock { $0 = task }
        }
    }

    /// Stops listening and closes the connection.
    func stop() async {
        let task = self.task.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
    }

    private func listenForever(firstAttempt: OneShot) async {
        var failures = 0
        var listenedBefore = false
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    on: PostgresConnection.defaultEventLoopGroup.any(), configuration: configuration, id: 1, logger: logger).get()
                do {
                    try await listen(on: connection) {
                        failures = 0
                        // Changes made while it was away went unheard: let waiters re-read.
                        if listenedBefore { self.changes.signal() }
                        listenedBefore = true
                        firstAttempt.fire()
                    }
                } catch {
                    logger.debug("LISTEN \(channel) ended: \(error)")
                }
                try? await connection.close()
            } catch {
                logger.debug("LISTEN \(channel) cannot connect: \(error)")
            }
            firstAttempt.fire()
            failures += 1
            // 0.5 s, 1 s, 2 s, ... up to 10 s between attempts; cancellation ends the pause.
            let pause = Duration.milliseconds(min(500 << min(failures - 1, 5), 10_000))
            try? await Task.sleep(for: pause)
        }
    }

    /// Listens until the connection fails or the task is cancelled; `onListening` runs once the
    /// server has confirmed the LISTEN.
    private func listen(on connection: PostgresConnection, onListening: () -> Void) async throws {
        try await connection.listen(on: channel) { notifications in
            onListening()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await _ in notifications { self.changes.signal() }
                }
                group.addTask {
                    while true {
                        try await Task.sleep(for: Self.pingInterval)
                        try await connection.query("SELECT 1", logger: self.logger)
                    }
                }
                // Either ends only by failing (or by cancellation): then stop the other too.
                try await group.next()
                group.cancelAll()
            }
        }
    }
}

/// Resumes a continuation once, whoever calls ``fire()`` first (the listener's first attempt, which
/// may succeed or fail).
private final class OneShot: Sendable {
    private let continuation = Mutex<CheckedContinuation<Void, Never>?>(nil)

    func set(_ continuation: CheckedContinuation<Void, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func fire() {
        let continuation = self.continuation.withLock { stored in
            defer { stored = nil }
            return stored
        }
        continuation?.resume()
    }
}
