import JobQueue
import Testing

/// The waits are told apart by a long timeout (600 s) against a generous bound (300 s): the whole test
/// suite runs in parallel on 2 cores, where model tests holding both cooperative threads delayed a wake
/// by over a minute.
@Suite struct ChangeSignalTests {
    let clock = ContinuousClock()

    @Test func signalWakesEveryWaiter() async throws {
        let signal = ChangeSignal()
        let waiters = (0..<5).map { _ in Task { await clock.measure { await signal.wait(timeout: .seconds(600)) } } }
        try await Task.sleep(for: .milliseconds(200))
        signal.signal()
        for waiter in waiters { #expect(await waiter.value < .seconds(300)) }
    }

    @Test func timeoutEndsTheWait() async {
        let waited = await clock.measure { await ChangeSignal().wait(timeout: .milliseconds(200)) }
        #expect(waited >= .milliseconds(190))  // and it returned: a wait that ignored its timeout would hang here
    }

    /// A signal before the wait began is not remembered: the waiter sleeps to its timeout.
    @Test func earlierSignalDoesNotWake() async {
        let signal = ChangeSignal()
        signal.signal()
        let waited = await clock.measure { await signal.wait(timeout: .milliseconds(200)) }
        #expect(waited >= .milliseconds(190))
    }

    @Test func cancellationEndsTheWait() async throws {
        let signal = ChangeSignal()
        let waiter = Task { await clock.measure { await signal.wait(timeout: .seconds(600)) } }
        try await Task.sleep(for: .milliseconds(100))
        waiter.cancel()
        #expect(await waiter.value < .seconds(300))

        let alreadyCancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await clock.measure { await signal.wait(timeout: .seconds(600)) }
        }
        #expect(await alreadyCancelled.value < .seconds(300))
    }

    /// Many waits, signals and timeouts racing: every wait returns (none is lost or resumed twice,
    /// which would trap).
    @Test func racingWaitsAllReturn() async {
        let signal = ChangeSignal()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask { await signal.wait(timeout: .milliseconds(index % 7 * 5)) }
                if index % 3 == 0 { group.addTask { signal.signal() } }
            }
            group.addTask {
                // Whoever is still waiting after the racing ends is woken here.
                try? await Task.sleep(for: .milliseconds(100))
                signal.signal()
            }
        }
    }
}
