import Synchronization

/// A first-come first-served lock held across suspension points: the SQLite store's transactions are
/// several statements on one connection, and another task's statement must not land in the middle of
/// one (an actor would not do: it lets other calls in at every `await`).
final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var queue: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `body` holding the lock. Waiting is not cancellable: holders are single short
    /// transactions, and a cancelled caller would otherwise leave a transaction half-made.
    func withLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state in
                if state.locked {
                    state.queue.append(continuation)
                    return false
                }
                state.locked = true
                return true
            }
            if granted { continuation.resume() }
        }
    }

    private func release() {
        // Hand the lock straight to the next waiter (it stays locked), so no newcomer can overtake.
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.queue.isEmpty {
                state.locked = false
                return nil
            }
            return state.queue.removeFirst()
        }
        next?.resume()
    }
}
