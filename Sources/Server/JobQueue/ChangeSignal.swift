import Synchronization

/// Wakes every task waiting in ``wait(timeout:)`` when ``signal()`` is called: the stores' local
/// half of ``JobStore/waitForChange(timeout:)``.
///
/// A waiter returns on the first of: a signal after it began waiting, its timeout, or its task's
/// cancellation. Nothing polls; a waiter holds a continuation and one sleeping child task.
public final class ChangeSignal: Sendable {
    /// A waiter from the moment it asks (so a signal that comes before its continuation is stored
    /// still wakes it) until it is resumed.
    private enum Waiter {
        case arriving
        case waiting(CheckedContinuation<Void, Never>)
        case cancelled
    }

    private struct State {
        var nextID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes everyone waiting now.
    public func signal() {
        let woken = state.withLock { state in
            defer { state.waiters.removeAll() }
            // Arriving waiters find their entry gone and return at once.
            return state.waiters.values.compactMap { waiter -> CheckedContinuation<Void, Never>? in
                if case .waiting(let continuation) = waiter { return continuation }
                return nil
            }
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns after the next ``signal()``, after `timeout`, or when the task is cancelled.
    public func wait(timeout: Duration) async {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.waiters[state.nextID] = .arriving
            return state.nextID
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForSignal(id) }
            group.addTask { try? await Task.sleep(for: timeout) }
            // Whichever finishes first wins; cancelling the group ends the other (the sleep throws,
            // the signal wait resumes through its cancellation handler), so no task outlives the call.
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal(_ id: UInt64) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    guard case .arriving = state.waiters[id] else {
                        // Signalled (entry gone) or cancelled while arriving.
                        state.waiters[id] = nil
                        return true
                    }
                    state.waiters[id] = .waiting(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                switch state.waiters[id] {
                case .waiting(let continuation):
                    state.waiters[id] = nil
                    return continuation
                case .arriving:
                    state.waiters[id] = .cancelled
                    return nil
                case .cancelled, nil:
                    return nil
                }
            }
            continuation?.resume()
        }
    }
}
