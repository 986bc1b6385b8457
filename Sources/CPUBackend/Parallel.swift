#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CDNNL

/// Runs `body` over `0..<count` split into contiguous ranges, one per thread of the OpenMP team that
/// oneDNN also uses, so GEMMs and Zoetrope's own loops share one set of threads. Work smaller than
/// `grain` items per thread runs inline on the caller's thread.
@inline(__always)
func parallelFor(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let threads = min(ThreadTeam.size, max(1, count / max(grain, 1)))
    if threads <= 1 {
        body(0..<count)
        return
    }
    withoutActuallyEscaping(body) { escaping in
        let job = ParallelJob(count: count, body: escaping)
        withExtendedLifetime(job) {
            GOMP_parallel({ raw in
                let job = Unmanaged<ParallelJob>.fromOpaque(raw!).takeUnretainedValue()
                let thread = Int(omp_get_thread_num())
                let team = Int(omp_get_num_threads())
                let lower = job.count * thread / team
                let upper = job.count * (thread + 1) / team
                if lower < upper { job.body(lower..<upper) }
            }, Unmanaged.passUnretained(job).toOpaque(), UInt32(threads), 0)
        }
    }
}

private final class ParallelJob {
    let count: Int
    let body: (Range<Int>) -> Void
    init(count: Int, body: @escaping (Range<Int>) -> Void) {
        self.count = count
        self.body = body
    }
}

/// The size of the thread team: ZOETROPE_THREADS when it is a whole number from 1 to 4096, else
/// OMP_NUM_THREADS, else every core this process may run on (OpenMP's default).
///
/// oneDNN sizes its teams by the OpenMP setting of the thread that calls it, and OpenMP keeps that
/// setting per thread; `applyToCallingThread()` runs before every oneDNN primitive is created or
/// run, so a GEMM started from any Swift thread uses the same team size as the engine's own loops.
/// Both run on the one OpenMP runtime, and nested regions run on one thread (OpenMP's default):
/// a loop or a GEMM never starts a second team inside the first.
enum ThreadTeam {
    static let size: Int = configuredSize(environment: getenv("ZOETROPE_THREADS").map { String(cString: $0) })
        ?? max(1, Int(omp_get_max_threads()))

    /// The most threads ZOETROPE_THREADS may ask for.
    static let maximum = 4096

    /// The team size a ZOETROPE_THREADS value asks for; nil when unset or not a whole number in 1...maximum.
    static func configuredSize(environment value: String?) -> Int? {
        guard let value, let n = Int(value), (1...maximum).contains(n) else { return nil }
        return n
    }

    /// Why a ZOETROPE_THREADS value cannot be used, or nil when it is unset or valid.
    static func problem(environment value: String?) -> String? {
        guard let value, configuredSize(environment: value) == nil else { return nil }
        return "ZOETROPE_THREADS must be a whole number from 1 to \(maximum), got '\(value)'"
    }

    /// Sets the calling thread's OpenMP team size to `size` (a per-thread setting in OpenMP).
    @inline(__always)
    static func applyToCallingThread() {
        if Int(omp_get_max_threads()) != size { omp_set_num_threads(Int32(size)) }
    }
}
