import SQLiteNIO

/// The worker's side: claims, heartbeats, the end of a job, and the reaper. Every write after the
/// claim names the worker and requires the job still `in_progress`, so a worker that lost the job
/// (re-queued by the reaper, or deleted) matches no row and writes nothing.
extension SQLiteJobStore {
    public func claim(worker: String, leaseSeconds: Double, models: [String]?) async throws -> VideoJob? {
        let filter = models.map { " AND model IN (\(Array(repeating: "?", count: $0.count).joined(separator: ", ")))" } ?? ""
        if let models, models.isEmpty { return nil }
        // BEGIN IMMEDIATE holds the write lock from the first read: no other process can pick the
        // same queued job between the SELECT and the UPDATE.
        let job = try await transaction { store in
            try await store.rows("""
                UPDATE video_jobs
                SET status = 'in_progress', worker_id = ?, progress = 0, attempts = attempts + 1,
                    lease_until = \(SQLiteSchema.nowMilliseconds) + CAST(? * 1000 AS INTEGER)
                WHERE id = (SELECT id FROM video_jobs WHERE status = 'queued'\(filter) ORDER BY seq LIMIT 1)
                RETURNING \(JobColumns.list)
                """, [.text(worker), .float(leaseSeconds)] + (models ?? []).map { .text($0) }).first.map(VideoJob.init(sqliteRow:))
        }
        if job != nil { changes.signal() }
        return job
    }

    public func heartbeat(id: String, worker: String, progress: Int, leaseSeconds: Double) async throws -> Bool {
        try await updateHeld(id: id, worker: worker, set: """
            progress = ?, lease_until = \(SQLiteSchema.nowMilliseconds) + CAST(? * 1000 AS INTEGER)
            """, [.integer(SQLiteInt64(min(max(progress, 0), 100))), .float(leaseSeconds)])
    }

    public func complete(id: String, worker: String, files: [JobFile]) async throws -> Bool {
        let completed = try await transaction { store in
            let held = try await store.updateHeldRow(id: id, worker: worker, set: """
                status = 'completed', progress = 100, completed_at = unixepoch(), completions = completions + 1,
                lease_until = NULL
                """, [])
            // Not held: nothing was updated, so nothing is written (the transaction commits no change).
            guard held else { return false }
            for file in files { try await store.write(file, jobID: id) }
            return true
        }
        if completed { changes.signal() }
        return completed
    }

    public func fail(id: String, worker: String, failure: JobFailure) async throws -> Bool {
        try await updateHeld(id: id, worker: worker, set: """
            status = 'failed', error_code = ?, error_message = ?, lease_until = NULL
            """, [.text(failure.code), .text(failure.message)])
    }

    public func requeue(id: String, worker: String) async throws -> Bool {
        try await updateHeld(id: id, worker: worker, set: """
            status = 'queued', worker_id = NULL, progress = 0, lease_until = NULL
            """, [])
    }

    public func reapExpiredLeases() async throws -> [String] {
        let ids = try await transaction { store in
            try await store.rows("""
                UPDATE video_jobs SET status = 'queued', worker_id = NULL, progress = 0, lease_until = NULL
                WHERE status = 'in_progress' AND lease_until < \(SQLiteSchema.nowMilliseconds)
                RETURNING id
                """).compactMap { $0.column("id")?.string }
        }
        if !ids.isEmpty { changes.signal() }
        return ids
    }

    /// Applies `set` to job `id` if `worker` holds it, in its own transaction; signals a change when
    /// it did.
    private func updateHeld(id: String, worker: String, set: String, _ binds: [SQLiteData]) async throws -> Bool {
        let updated = try await transaction { store in
            try await store.updateHeldRow(id: id, worker: worker, set: set, binds)
        }
        if updated { changes.signal() }
        return updated
    }

    /// Applies `set` (with `binds` for its placeholders) to job `id` if `worker` holds it; inside a
    /// transaction.
    private func updateHeldRow(id: String, worker: String, set: String, _ binds: [SQLiteData]) async throws -> Bool {
        try await !rows("""
            UPDATE video_jobs SET \(set)
            WHERE id = ? AND worker_id = ? AND status = 'in_progress'
            RETURNING id
            """, binds + [.text(id), .text(worker)]).isEmpty
    }
}
