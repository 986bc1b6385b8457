import PostgresNIO

/// The worker's side: claims, heartbeats, the end of a job, and the reaper. Every write after the
/// claim names the worker and requires the job still `in_progress`, so a worker that lost the job
/// (re-queued by the reaper, or deleted) matches no row and writes nothing. Each is one statement
/// (or, for `complete`, one transaction) that also NOTIFYs, so the change and its announcement commit
/// together.
extension PostgresJobStore {
    public func claim(worker: String, leaseSeconds: Double, models: [String]?) async throws -> VideoJob? {
        if let models, models.isEmpty { return nil }
        let anyModel = models == nil
        let names = models ?? []
        let job = try await withConnection { connection in
            // SKIP LOCKED: a row another claimer is taking is passed over instead of waited for; the
            // outer `status = 'queued'` re-checks the row once locked.
            try await connection.query("""
                WITH claimed AS (
                    UPDATE video_jobs
                    SET status = 'in_progress', worker_id = \(worker), progress = 0, attempts = attempts + 1,
                        lease_until = \(unescaped: PostgresSchema.nowMilliseconds) + (\(leaseSeconds)::float8 * 1000)::bigint
                    WHERE id = (SELECT id FROM video_jobs WHERE status = 'queued'
                                  AND (\(anyModel) OR model = ANY(\(names)))
                                ORDER BY seq FOR UPDATE SKIP LOCKED LIMIT 1)
                      AND status = 'queued'
                    RETURNING \(unescaped: JobColumns.list)
                )
                SELECT \(unescaped: JobColumns.list), pg_notify(\(PostgresSchema.channel), id) FROM claimed
                """, logger: Self.logger).collect().first.map(VideoJob.init(postgresRow:))
        }
        if job != nil { changes.signal() }
        return job
    }

    public func heartbeat(id: String, worker: String, progress: Int, leaseSeconds: Double) async throws -> Bool {
        let progress = Int64(min(max(progress, 0), 100))
        return try await updateHeld(id: id, worker: worker, set: """
            progress = \(progress),
            lease_until = \(unescaped: PostgresSchema.nowMilliseconds) + (\(leaseSeconds)::float8 * 1000)::bigint
            """)
    }

    public func complete(id: String, worker: String, files: [JobFile]) async throws -> Bool {
        let completed = try await transaction { connection in
            let held = try await !connection.query("""
                UPDATE video_jobs
                SET status = 'completed', progress = 100, completed_at = \(unescaped: PostgresSchema.nowSeconds),
                    completions = completions + 1, lease_until = NULL
                WHERE id = \(id) AND worker_id = \(worker) AND status = 'in_progress'
                RETURNING id
                """, logger: Self.logger).collect().isEmpty
            // Not held: nothing was updated, so nothing is written.
            guard held else { return false }
            for file in files { try await Self.write(file, jobID: id, on: connection) }
            try await Self.notify(id, on: connection)
            return true
        }
        if completed { changes.signal() }
        return completed
    }

    public func fail(id: String, worker: String, failure: JobFailure) async throws -> Bool {
        try await updateHeld(id: id, worker: worker, set: """
            status = 'failed', error_code = \(failure.code), error_message = \(failure.message), lease_until = NULL
            """)
    }

    public func requeue(id: String, worker: String) async throws -> Bool {
        try await updateHeld(id: id, worker: worker, set: "status = 'queued', worker_id = NULL, progress = 0, lease_until = NULL")
    }

    public func reapExpiredLeases() async throws -> [String] {
        let ids = try await withConnection { connection in
            let rows = try await connection.query("""
                WITH reaped AS (
                    UPDATE video_jobs SET status = 'queued', worker_id = NULL, progress = 0, lease_until = NULL
                    WHERE status = 'in_progress' AND lease_until < \(unescaped: PostgresSchema.nowMilliseconds)
                    RETURNING id
                )
                SELECT id, pg_notify(\(PostgresSchema.channel), id) FROM reaped
                """, logger: Self.logger).collect()
            return try rows.map { try $0.decode(String.self) }
        }
        if !ids.isEmpty { changes.signal() }
        return ids
    }

    /// Applies `set` to job `id` if `worker` holds it, and announces it; one statement.
    private func updateHeld(id: String, worker: String, set: PostgresQuery) async throws -> Bool {
        let updated = try await withConnection { connection in
            var query = set
            // The SET clause's binds come first; the condition's follow them.
            query.sql = """
                WITH changed AS (
                    UPDATE video_jobs SET \(set.sql)
                    WHERE id = $\(set.binds.count + 1) AND worker_id = $\(set.binds.count + 2) AND status = 'in_progress'
                    RETURNING id
                )
                SELECT id, pg_notify($\(set.binds.count + 3), id) FROM changed
                """
            query.binds.append(id)
            query.binds.append(worker)
            query.binds.append(PostgresSchema.channel)
            return try await !connection.query(query, logger: Self.logger).collect().isEmpty
        }
        if updated { changes.signal() }
        return updated
    }
}
