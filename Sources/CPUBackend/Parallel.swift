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

/// The size of the thread team (OMP_NUM_THREADS, else the number of cores).
enum ThreadTeam {
    static let size: Int = max(1, Int(omp_get_max_threads()))
}
