import Foundation
import JobQueue
import Testing

/// The behaviour every store owes ``JobStore``'s guarantees, run by the SQLite and the PostgreSQL
/// suites alike on a database of the test's own.
enum StoreChecks {
    static func job(createdAt: Int64 = 1_750_000_000, prompt: String? = "a red ball over the sea") -> VideoJob {
        VideoJob(id: VideoJob.newID(), model: "zoetrope-tiny", prompt: prompt, size: "256x256", seconds: "2",
                 createdAt: createdAt, parameters: #"{"steps":4,"seed":\#(createdAt)}"#)
    }

    static func insert(_ jobs: [VideoJob], into store: any JobStore) async throws {
        for job in jobs { try await store.insert(job, files: [], queueLimit: nil) }
    }

    /// A job reads back as written, every field; an unknown id reads as nil.
    static func insertAndGet(_ database: some TestDatabase) async throws {
        try await database.withStore { store in
            var full = job(prompt: nil)
            full.expiresAt = 1_750_003_600
            full.remixedFromVideoID = "video_0123456789abcdef0123456789abcdef"
            full.error = JobFailure(code: "none", message: "kept verbatim: 'quotes', \"double\", ünïcode")
            full.parameters = #"{"prompt":"it's \"quoted\"","frames":17}"#
            let plain = job()
            let upload = JobFile(name: "input_reference", contentType: "image/png", bytes: [0x89, 0x50, 0x4E, 0x47, 0, 255])
            try await store.insert(full, files: [upload], queueLimit: nil)
            try await store.insert(plain, files: [], queueLimit: nil)

            #expect(try await store.job(id: full.id) == full)
            #expect(try await store.job(id: plain.id) == plain)
            #expect(try await store.job(id: VideoJob.newID()) == nil)
            #expect(try await store.file(jobID: full.id, name: "input_reference") == upload)
            #expect(try await store.file(jobID: plain.id, name: "input_reference") == nil)
            #expect(try await store.activeCount() == 2)
            await #expect(throws: JobStoreError.duplicateID(plain.id)) {
                try await store.insert(plain, files: [], queueLimit: nil)
            }
        }
    }

    /// Pages follow creation time, ties by insertion order, both ways; `hasMore` is false on the last.
    static func listPages(_ database: some TestDatabase) async throws {
        try await database.withStore { store in
            // Inserted out of creation order, with ties, so neither insertion nor id order passes.
            let times: [Int64] = [300, 100, 200, 100, 300, 200, 100]
            let jobs = times.map { job(createdAt: $0) }
            try await insert(jobs, into: store)
            let oldestFirst = jobs.enumerated().sorted { ($0.element.createdAt, $0.offset) < ($1.element.createdAt, $1.offset) }
                .map(\.element.id)

            for ascending in [true, false] {
                let expected = ascending ? oldestFirst : oldestFirst.reversed()
                var seen: [String] = []
                var cursor: String?
                var pages = 0
                while true {
                    let page = try await store.list(after: cursor, limit: 3, ascending: ascending)
                    pages += 1
                    seen += page.jobs.map(\.id)
                    #expect(page.hasMore == (seen.count < expected.count))
                    guard page.hasMore, let last = page.jobs.last else { break }
                    cursor = last.id
                }
                #expect(seen == expected)
                #expect(pages == 3)  // 3 + 3 + 1
                let whole = try await store.list(after: nil, limit: 7, ascending: ascending)
                #expect(whole.jobs.map(\.id) == expected && !whole.hasMore)
                let afterLast = try await store.list(after: expected.last, limit: 3, ascending: ascending)
                #expect(afterLast.jobs.isEmpty && !afterLast.hasMore)
            }
            let none = try await store.list(after: nil, limit: 0, ascending: true)
            #expect(none.jobs.isEmpty && none.hasMore)
        }
    }

    static func unknownCursor(_ database: some TestDatabase) async throws {
        try await database.withStore { store in
            try await insert([job()], into: store)
            let missing = VideoJob.newID()
            await #expect(throws: JobStoreError.unknownCursor(missing)) {
                _ = try await store.list(after: missing, limit: 10, ascending: false)
            }
        }
    }

    /// The limit counts queued and running jobs, not finished ones.
    static func queueLimit(_ database: some TestDatabase) async throws {
        try await database.withStore { store in
            let first = job(), second = job(), third = job()
            try await store.insert(first, files: [], queueLimit: 2)
            try await store.insert(second, files: [], queueLimit: 2)
            await #expect(throws: JobStoreError.queueFull(limit: 2)) {
                try await store.insert(third, files: [], queueLimit: 2)
            }
            #expect(try await store.job(id: third.id) == nil)
            #expect(try await store.activeCount() == 2)

            let claimed = try #require(try await store.claim(worker: "w1", leaseSeconds: 60))
            #expect(try await store.activeCount() == 2)  // running still counts
            #expect(try await store.complete(id: claimed.id, worker: "w1", files: []))
            #expect(try await store.activeCount() == 1)
            try await store.insert(third, files: [], queueLimit: 2)
            #expect(try await store.activeCount() == 2)
        }
    }

    /// Claims take the oldest queued job (by insertion), mark it and lease it; nil when none is queued.
    static func claimOrder(_ database: some TestDatabase) async throws {
        try await database.withStore { store in
            // Creation times run backwards: the queue is insertion order, not created_at.
            let jobs = [job(createdAt: 30), job(createdAt: 20), job(createdAt: 10)]
            try await insert(jobs, into: store)
            let before = nowMilliseconds()
            var claimed: [VideoJob] = []
            while let next = try await store.claim(worker: "worker-a", leaseSeconds: 60) { claimed.append(next) }
            let after = nowMilliseconds()
            #expect(claimed.map(\.id) == jobs.map(\.id))
            for job in claimed {
                #expect(job.status == .inProgress && job.workerID == "worker-a" && job.attempts == 1 && job.progress == 0)
                let lease = try #require(job.leaseUntil)
                // 60 s from the claim, by the database's clock (the same machine's here, to the millisecond
                // or second it keeps): between 60 s after the first claim began and after the last ended.
                #expect(lease >= before + 60_000 - 1_000 && lease <= after + 60_000 + 1_000)
                #expect(try await store.job(id: job.id) == job)
            }
            #expect(try await store.activeCount() == 3)
        }
    }

    /// A worker claims only jobs for the models it has: the oldest of those, skipping older jobs of others.
    static func claimByModel(_ database: some TestDatabase) async throws {
        try await database.withStore { store in
            var other = job(createdAt: 10)
            other.model = "wan-1.3b"
            let mine = job(createdAt: 20), later = job(createdAt: 30)
            try await insert([other, mine, later], into: store)
            #expect(try await store.claim(worker: "w", leaseSeconds: 60, models: []) == nil)
            #expect(try await store.claim(worker: "w", leaseSeconds: 60, models: ["zoetrope-tiny"])?.id == mine.id)
            #expect(try await store.claim(worker: "w", leaseSeconds: 60, models: ["zoetrope-tiny", "x"])?.id == later.id)
            #expect(try await store.claim(worker: "w", leaseSeconds: 60, models: ["zoetrope-tiny"]) == nil)
            #expect(try await store.job(id: other.id)?.status == .queued)
            #expect(try await store.claim(worker: "w", leaseSeconds: 60, models: ["wan-1.3b"])?.id == other.id)
        }
    }

    /// Concurrent claimers, on one store and on two (two processes): every job claimed exactly once.
    static func claimExclusivity(_ database: some TestDatabase) async throws {
        try await database.withStore { store in
            let other = try await database.open()
            let jobs = (0..<24).map { _ in job() }
            try await insert(jobs, into: store)
            let claims = try await withThrowingTaskGroup(of: [String].self) { group in
                for (index, claimer) in [store, store, other, other].enumerated() {
                    group.addTask {
                        var mine: [String] = []
                        while let job = try await claimer.claim(worker: "w\(index)", leaseSeconds: 60) {
                            #expect(job.workerID == "w\(index)")
                            mine.append(job.id)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            await other.shutdown()
            let all = claims.flatMap { $0 }
            #expect(all.count == jobs.count)
            #expect(Set(all) == Set(jobs.map(\.id)))
            for id in all { #expect(try await store.job(id: id)?.attempts == 1) }
        }
    }

    /// A heartbeat renews the lease and records progress, only for the holder.
    static func heartbeat(_ database: some TestDatabase) async throws {
        try await database.withStore { store in
            try await insert([job()], into: store)
            let claimed = try #require(try await store.claim(worker: "w1", leaseSeconds: 1))
            #expect(try await store.heartbeat(id: claimed.id, worker: "w1", progress: 40, leaseSeconds: 120))
            let beaten = try #require(try await store.job(id: claimed.id))
            #expect(beaten.progress == 40 && beaten.status == .inProgress)
            #expect(try #require(beaten.leaseUntil) - #require(claimed.leaseUntil) > 100_000)

            #expect(try await !store.heartbeat(id: claimed.id, worker: "w2", progress: 90, leaseSeconds: 120))
            #expect(try await !store.heartbeat(id: VideoJob.newID(), worker: "w1", progress: 90, leaseSeconds: 120))
            #expect(try await store.job(id: claimed.id)?.progress == 40)
            #expect(try await store.heartbeat(id: claimed.id, worker: "w1", progress: 250, leaseSeconds: 120))
            #expect(try await store.job(id: claimed.id)?.progress == 100)  // clamped to 0...100
        }
    }

    /// A lease that runs out is reaped; the old worker can then write nothing, the next one can.
    static func leaseExpiry(_ database: some TestDatabase) async throws {
        try await database.withStore { store in
            let lapsing = job(), live = job()
            try await insert([lapsing, live], into: store)
            // Leases of 10 minutes while nothing may be reaped (the parallel suite on 2 cores has
            // stalled tests for over a minute), then a second's lease that is left to run out.
            let first = try #require(try await store.claim(worker: "dead", leaseSeconds: 600))
            let second = try #require(try await store.claim(worker: "alive", leaseSeconds: 600))
            #expect(first.id == lapsing.id && second.id == live.id)
            #expect(try await store.reapExpiredLeases().isEmpty)  // not yet
            #expect(try await store.heartbeat(id: first.id, worker: "dead", progress: 30, leaseSeconds: 1))

            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await store.reapExpiredLeases() == [lapsing.id])
            let requeued = try #require(try await store.job(id: lapsing.id))
            #expect(requeued.status == .queued && requeued.workerID == nil && requeued.progress == 0 && requeued.leaseUntil == nil)
            #expect(try await store.job(id: live.id)?.status == .inProgress)

            let video = JobFile(name: "video", contentType: "video/mp4", bytes: [1, 2, 3])
            #expect(try await !store.heartbeat(id: lapsing.id, worker: "dead", progress: 80, leaseSeconds: 60))
            #expect(try await !store.complete(id: lapsing.id, worker: "dead", files: [video]))
            #expect(try await !store.fail(id: lapsing.id, worker: "dead", failure: JobFailure(code: "x", message: "late")))
            #expect(try await !store.requeue(id: lapsing.id, worker: "dead"))
            #expect(try await store.job(id: lapsing.id) == requeued)
            #expect(try await store.file(jobID: lapsing.id, name: "video") == nil)

            let retried = try #require(try await store.claim(worker: "next", leaseSeconds: 60))
            #expect(retried.id == lapsing.id && retried.attempts == 2)
            #expect(try await store.complete(id: lapsing.id, worker: "next", files: [video]))
            #expect(try await store.job(id: lapsing.id)?.completions == 1)
            #expect(try await !store.heartbeat(id: lapsing.id, worker: "dead", progress: 1, leaseSeconds: 60))
        }
    }

    /// Completion stores the outputs with the status, once; a second completion changes nothing.
    static func complete(_ database: some TestDatabase) async throws {
        try await database.withStore { store in
            let upload = JobFile(name: "input_reference", contentType: "image/png", bytes: [9, 9])
            try await store.insert(job(), files: [upload], queueLimit: nil)
            let claimed = try #require(try await store.claim(worker: "w1", leaseSeconds: 60))
            let video = JobFile(name: "video", contentType: "video/mp4", bytes: (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            let thumbnail = JobFile(name: "thumbnail", contentType: "image/webp", bytes: [0x52, 0x49, 0x46, 0x46])

            #expect(try await !store.complete(id: claimed.id, worker: "w2", files: [video]))
            #expect(try await store.file(jobID: claimed.id, name: "video") == nil)

            let beforeCompletion = nowMilliseconds() / 1000
            #expect(try await store.complete(id: claimed.id, worker: "w1", files: [video, thumbnail]))
            let afterCompletion = nowMilliseconds() / 1000
            let done = try #require(try await store.job(id: claimed.id))
            #expect(done.status == .completed && done.progress == 100 && done.completions == 1 && done.leaseUntil == nil)
            let completedAt = try #require(done.completedAt)
            #expect(completedAt >= beforeCompletion - 1 && completedAt <= afterCompletion + 1)
            #expect(try await store.file(jobID: claimed.id, name: "video") == video)
            #expect(try await store.file(jobID: claimed.id, name: "thumbnail") == thumbnail)
            #expect(try await store.file(jobID: claimed.id, name: "input_reference") == upload)

            #expect(try await !store.complete(id: claimed.id, worker: "w1", files: [thumbnail]))
            #expect(try await !store.fail(id: claimed.id, worker: "w1", failure: JobFailure(code: "late", message: "too late")))
            #expect(try await store.job(id: claimed.id) == done)
            #expect(try await store.claim(worker: "w1", leaseSeconds: 60) == nil)
        }
    }

    static func fail(_ database: some TestDatabase) async throws {
        try await database.withStore { store in
            try await insert([job()], into: store)
            let claimed = try #require(try await store.claim(worker: "w1", leaseSeconds: 60))
            let failure = JobFailure(code: "generation_failed", message: "the model ran out of memory")
            #expect(try await !store.fail(id: claimed.id, worker: "w2", failure: failure))
            #expect(try await store.fail(id: claimed.id, worker: "w1", failure: failure))
            let failed = try #require(try await store.job(id: claimed.id))
            #expect(failed.status == .failed && failed.error == failure && failed.completions == 0 && failed.leaseUntil == nil)
            #expect(try await store.activeCount() == 0)
            #expect(try await !store.complete(id: claimed.id, worker: "w1", files: []))
        }
    }

    /// Deleting removes the job and its files; the worker running it loses it and writes nothing.
    static func delete(_ database: some TestDatabase) async throws {
        try await database.withStore { store in
            let upload = JobFile(name: "input_reference", contentType: "image/jpeg", bytes: [1, 2, 3, 4])
            let doomed = job(), kept = job()
            try await store.insert(doomed, files: [upload], queueLimit: nil)
            try await store.insert(kept, files: [upload], queueLimit: nil)
            let claimed = try #require(try await store.claim(worker: "w1", leaseSeconds: 60))
            #expect(claimed.id == doomed.id)

            #expect(try await store.delete(id: doomed.id))
            #expect(try await store.job(id: doomed.id) == nil)
            #expect(try await store.file(jobID: doomed.id, name: "input_reference") == nil)
            #expect(try await !store.heartbeat(id: doomed.id, worker: "w1", progress: 50, leaseSeconds: 60))
            #expect(try await !store.complete(id: doomed.id, worker: "w1", files: [JobFile(name: "video", contentType: "video/mp4", bytes: [7])]))
            #expect(try await store.file(jobID: doomed.id, name: "video") == nil)
            #expect(try await !store.delete(id: doomed.id))

            #expect(try await store.job(id: kept.id) == kept)
            #expect(try await store.file(jobID: kept.id, name: "input_reference") == upload)
            #expect(try await store.list(after: nil, limit: 10, ascending: true).jobs.map(\.id) == [kept.id])
        }
    }

    /// A worker shutting down gives its job back; only the holder can.
    static func requeue(_ database: some TestDatabase) async throws {
        try await database.withStore { store in
            try await insert([job()], into: store)
            let claimed = try #require(try await store.claim(worker: "w1", leaseSeconds: 60))
            #expect(try await store.heartbeat(id: claimed.id, worker: "w1", progress: 60, leaseSeconds: 60))
            #expect(try await !store.requeue(id: claimed.id, worker: "w2"))
            #expect(try await store.requeue(id: claimed.id, worker: "w1"))
            let back = try #require(try await store.job(id: claimed.id))
            #expect(back.status == .queued && back.workerID == nil && back.progress == 0 && back.leaseUntil == nil && back.attempts == 1)
            #expect(try await !store.requeue(id: claimed.id, worker: "w1"))
            let again = try #require(try await store.claim(worker: "w2", leaseSeconds: 60))
            #expect(again.id == claimed.id && again.attempts == 2 && again.workerID == "w2")
        }
    }

    /// A waiter wakes at once on this process's change, and after its timeout when nothing happens.
    static func waitForLocalChange(_ database: some TestDatabase) async throws {
        try await database.withStore { store in
            let clock = ContinuousClock()
            let quiet = await clock.measure { await store.waitForChange(timeout: .milliseconds(300)) }
            #expect(quiet >= .milliseconds(250))

            let woken = try await elapsedUntilWoken(store, timeout: .seconds(600)) {
                try await store.insert(job(), files: [], queueLimit: nil)
            }
            #expect(woken < .seconds(300))
            let claimWoken = try await elapsedUntilWoken(store, timeout: .seconds(600)) {
                _ = try await store.claim(worker: "w1", leaseSeconds: 60)
            }
            #expect(claimWoken < .seconds(300))

            // A cancelled waiter returns at once, well before its timeout.
            let cancelled = Task { await clock.measure { await store.waitForChange(timeout: .seconds(600)) } }
            try await Task.sleep(for: .milliseconds(100))
            cancelled.cancel()
            #expect(await cancelled.value < .seconds(300))
        }
    }

    /// Jobs survive the store: a new store on the same database (a restarted server) finds them and
    /// goes on with the queue.
    static func reopen(_ database: some TestDatabase) async throws {
        try await database.withStore { store in
            let jobs = [job(), job(), job()]
            try await store.insert(jobs[0], files: [JobFile(name: "input_reference", contentType: "image/png", bytes: [5])], queueLimit: nil)
            try await insert(Array(jobs[1...]), into: store)
            let running = try #require(try await store.claim(worker: "before-restart", leaseSeconds: 0.1))
            await store.shutdown()

            let reopened = try await database.open()
            #expect(try await reopened.list(after: nil, limit: 10, ascending: true).jobs.map(\.id) == jobs.map(\.id))
            #expect(try await reopened.file(jobID: jobs[0].id, name: "input_reference")?.bytes == [5])
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await reopened.reapExpiredLeases() == [running.id])
            let resumed = try await [reopened.claim(worker: "after", leaseSeconds: 60), reopened.claim(worker: "after", leaseSeconds: 60),
                                     reopened.claim(worker: "after", leaseSeconds: 60)].map { $0?.id }
            #expect(resumed == jobs.map(\.id))
            await reopened.shutdown()
        }
    }

    /// Calls cancelled part-way through leave no transaction open: every job that went in went in
    /// whole, and the store takes writes after.
    static func cancelledCalls(_ database: some TestDatabase) async throws {
        try await database.withStore { store in
            let upload = JobFile(name: "input_reference", contentType: "image/png", bytes: [1])
            // Cancelled at staggered moments, so some land between a transaction's statements.
            let tasks = (0..<60).map { index in
                Task {
                    let insert = Task { try await store.insert(job(), files: [upload, upload], queueLimit: 1_000) }
                    try? await Task.sleep(for: .microseconds(index * 100))
                    insert.cancel()
                    _ = try? await insert.value
                }
            }
            for task in tasks { await task.value }

            let survivor = job()
            try await store.insert(survivor, files: [upload], queueLimit: nil)
            let jobs = try await store.list(after: nil, limit: 100, ascending: true).jobs
            #expect(jobs.last?.id == survivor.id)
            #expect(try await store.activeCount() == jobs.count)
            for job in jobs { #expect(try await store.file(jobID: job.id, name: "input_reference") == upload) }
        }
    }

    /// Runs `change` while a task waits on `store`; how long the wait took.
    static func elapsedUntilWoken(_ store: any JobStore, timeout: Duration, change: @Sendable () async throws -> Void) async throws -> Duration {
        let clock = ContinuousClock()
        let waiter = Task { await clock.measure { await store.waitForChange(timeout: timeout) } }
        // Let the waiter start waiting first (a change before it waits is not its to hear).
        try await Task.sleep(for: .milliseconds(200))
        try await change()
        return await waiter.value
    }

    /// The wall clock in unix milliseconds.
    static func nowMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
