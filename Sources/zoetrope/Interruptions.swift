import Media
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Set by the first SIGINT, SIGTERM or SIGHUP: the generation stops at the next step and the
/// partial output is removed.
let interrupted = Atomic<Bool>(false)

/// Signals received so far, and the last one.
private let signalsReceived = Atomic<Int>(0)
private let lastSignal = Atomic<Int32>(0)
/// Posted by the signal handler (sem_post is async-signal-safe); the watcher thread waits on it.
nonisolated(unsafe) private let wakeUp: UnsafeMutablePointer<sem_t> = {
    let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    sem_init(semaphore, 0, 0)
    return semaphore
}()
private let installed = Atomic<Bool>(false)
/// Set once the watcher has begun stopping at once: from then on only it may end the process.
private let stoppingAtOnce = Atomic<Bool>(false)

/// How generating commands stop: the first SIGINT (Ctrl-C), SIGTERM or SIGHUP asks the generation to
/// stop at the next step, after which the command removes its partial output and exits 1; a second
/// one stops at once: every ffmpeg is killed, every partial output removed (``PartialOutputs``) and
/// the process exits with 128 + the signal's number, even in the middle of a long step.
///
/// The handler itself only counts and wakes a watcher thread, which does the work outside the
/// signal context.
enum Interruptions {
    static func install() {
        guard !installed.exchange(true, ordering: .relaxed) else { return }
        // Every global the handler touches is initialised here, never first inside the handler.
        _ = wakeUp
        _ = (signalsReceived.load(ordering: .relaxed), lastSignal.load(ordering: .relaxed), interrupted.load(ordering: .relaxed))
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number) { number in
                lastSignal.store(number, ordering: .relaxed)
                interrupted.store(true, ordering: .relaxed)
                signalsReceived.add(1, ordering: .relaxed)
                sem_post(wakeUp)
            }
        }
        // Killing ffmpeg wakes the main thread from a write with EPIPE, and it would then exit 1 by
        // its own error path while the watcher still cleans up; an exit that starts once the watcher
        // is stopping waits here for the watcher's own exit instead.
        atexit {
            if stoppingAtOnce.load(ordering: .relaxed) { while true { pause() } }
        }
        _ = stoppingAtOnce.load(ordering: .relaxed)
        var thread = pthread_t()
        _ = pthread_create(&thread, nil, { _ in
            Interruptions.watch()
            return nil
        }, nil)
        pthread_detach(thread)
    }

    private static func watch() -> Never {
        var announced = false
        while true {
            while sem_wait(wakeUp) != 0 {}
            let count = signalsReceived.load(ordering: .relaxed)
            if count >= 2 {
                stoppingAtOnce.store(true, ordering: .relaxed)
                PartialOutputs.removeAll()
                writeError("\nstopped at once; the partial output was removed\n")
                _exit(128 + lastSignal.load(ordering: .relaxed))
            }
            if !announced {
                announced = true
                writeError("\nstopping after this step (press Ctrl-C again to stop at once)\n")
            }
        }
    }
}
