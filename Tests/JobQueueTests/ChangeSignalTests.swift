import JobQueue
import Testing

@Suite struct ChangeSignalTests {
    let clock = ContinuousClock()

    @Test func signalWakesEveryWaiter() async throws {
        let signal = ChangeSignal()
        let waiters = (0..<5).map { _ in Task { await clock.measure { await signal.wait(timeout: .seconds(30)) } } }
        try await Task.sleep(for: .milliseconds(200))
        signal.signal()
        for waiter in waiters { #expect(await waiter.value < .seconds(5)) }
    }

    @Test func timeoutEndsTheWait() async {
        let waited = await clock.measure { await ChangeSignal().wait(timeout: .milliseconds(200)) }
        #expect(waited >= .milliseconds(190) && waited < .seconds(5))
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
        let waiter = Task { await clock.measure { await signal.wait(timeout: .seconds(30)) } }
        try await Task.sleep(for: .milliseconds(100))
        waiter.cancel()
        #expect(await waiter.value < .seconds(5))

        let alreadyCancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await clock.measure { await signal.wait(timeout: .seconds(30)) }
        }
        #expect(await alreadyCancelled.value < .seconds(5))
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
