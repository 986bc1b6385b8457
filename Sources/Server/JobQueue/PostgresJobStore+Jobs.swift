import PostgresNIO

/// Adding, reading, listing and deleting jobs and their files.
extension PostgresJobStore {
    public func insert(_ job: VideoJob, files: [JobFile], queueLimit: Int?) async throws {
        try await transaction { connection in
            let logger = Self.logger
            if let queueLimit {
                // Inserts that check the limit take turns, so two cannot both see room for one.
                try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.insertLock))", logger: logger)
                let active = try await Self.countActive(on: connection)
                if active >= queueLimit { throw JobStoreError.queueFull(limit: queueLimit) }
            }
            let inserted = try await connection.query("""
                INSERT INTO video_jobs (\(unescaped: JobColumns.list))
                VALUES (\(job.id), \(job.status.rawValue), \(Int64(job.progress)), \(job.model), \(job.prompt), \(job.size),
                        \(job.seconds), \(job.createdAt), \(job.completedAt), \(job.expiresAt), \(job.remixedFromVideoID),
                        \(job.error?.code), \(job.error?.message), \(job.parameters), \(job.workerID), \(job.leaseUntil),
                        \(Int64(job.attempts)), \(Int64(job.completions)))
                ON CONFLICT (id) DO NOTHING
                RETURNING id
                """, logger: logger).collect()
            if inserted.isEmpty { throw JobStoreError.duplicateID(job.id) }
            for file in files { try await Self.write(file, jobID: job.id, on: connection) }
            try await Self.notify(job.id, on: connection)
        }
        changes.signal()
    }

    public func job(id: String) async throws -> VideoJob? {
        try await withConnection { connection in
            try await connection.query("SELECT \(unescaped: JobColumns.list) FROM video_jobs WHERE id = \(id)", logger: Self.logger)
                .collect().first.map(VideoJob.init(postgresRow:))
        }
    }

    public func list(after: String?, limit: Int, ascending: Bool) async throws -> JobPage {
        let limit = max(limit, 0)
        return try await withConnection { connection in
            let logger = Self.logger
            let beyond = ascending ? ">" : "<", order = ascending ? "ASC" : "DESC"
            let rows: [PostgresRow]
            if let after {
                let cursor = try await connection.query(
                    "SELECT created_at, seq FROM video_jobs WHERE id = \(after)", logger: logger).collect().first
                guard let (createdAt, seq) = try cursor?.decode((Int64, Int64).self) else { throw JobStoreError.unknownCursor(after) }
                rows = try await connection.query("""
                    SELECT \(unescaped: JobColumns.list) FROM video_jobs
                    WHERE (created_at, seq) \(unescaped: beyond) (\(createdAt), \(seq))
                    ORDER BY created_at \(unescaped: order), seq \(unescaped: order) LIMIT \(Int64(limit + 1))
                    """, logger: logger).collect()
            } else {
                rows = try await connection.query("""
                    SELECT \(unescaped: JobColumns.list) FROM video_jobs
                    ORDER BY created_at \(unescaped: order), seq \(unescaped: order) LIMIT \(Int64(limit + 1))
                    """, logger: logger).collect()
            }
            // One row past the page says whether more follow.
            return JobPage(jobs: try rows.prefix(limit).map(VideoJob.init(postgresRow:)), hasMore: rows.count > limit)
        }
    }

    public func delete(id: String) async throws -> Bool {
        // The files go with the row (ON DELETE CASCADE), in the same statement.
        let deleted = try await withConnection { connection in
            try await !connection.query("""
                WITH gone AS (DELETE FROM video_jobs WHERE id = \(id) RETURNING id)
                SELECT id, pg_notify(\(PostgresSchema.channel), id) FROM gone
                """, logger: Self.logger).collect().isEmpty
        }
        if deleted { changes.signal() }
        return deleted
    }

    public func file(jobID: String, name: String) async throws -> JobFile? {
        try await withConnection { connection in
            let row = try await connection.query(
                "SELECT content_type, bytes FROM job_files WHERE job_id = \(jobID) AND name = \(name)", logger: Self.logger
            ).collect().first
            guard let (contentType, bytes) = try row?.decode((String, ByteBuffer).self) else { return nil }
            return JobFile(name: name, contentType: contentType, bytes: Array(bytes.readableBytesView))
        }
    }

    public func activeCount() async throws -> Int {
        try await withConnection { connection in try await Self.countActive(on: connection) }
    }

    static func countActive(on connection: PostgresConnection) async throws -> Int {
        let row = try await connection.query(
            "SELECT count(*) FROM video_jobs WHERE status IN ('queued', 'in_progress')", logger: logger).collect().first
        return Int(try row?.decode(Int64.self) ?? 0)
    }

    /// Stores a file of a job, replacing one of the same name.
    static func write(_ file: JobFile, jobID: String, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO job_files (job_id, name, content_type, bytes)
            VALUES (\(jobID), \(file.name), \(file.contentType), \(ByteBuffer(bytes: file.bytes)))
            ON CONFLICT (job_id, name) DO UPDATE SET content_type = excluded.content_type, bytes = excluded.bytes
            """, logger: logger)
    }

    /// Announces a change of job `id` to every listening process (delivered when the transaction
    /// commits).
    static func notify(_ id: String, on connection: PostgresConnection) async throws {
        try await connection.query("SELECT pg_notify(\(PostgresSchema.channel), \(id))", logger: logger)
    }
}

extension VideoJob {
    /// A job from a row whose first columns are those of ``JobColumns/list``.
    init(postgresRow row: PostgresRow) throws {
        let (id, status, progress, model, prompt, size, seconds, createdAt, completedAt, expiresAt, remixedFrom,
             errorCode, errorMessage, parameters, workerID, leaseUntil, attempts, completions) = try row.decode(
            (String, String, Int64, String, String?, String, String, Int64, Int64?, Int64?, String?,
             String?, String?, String, String?, Int64?, Int64, Int64).self)
        self.init(
            id: id, status: try JobStatus.parse(status, job: id), progress: Int(progress), model: model, prompt: prompt,
            size: size, seconds: seconds, createdAt: createdAt, completedAt: completedAt, expiresAt: expiresAt,
            remixedFromVideoID: remixedFrom, error: errorCode.map { JobFailure(code: $0, message: errorMessage ?? "") },
            parameters: parameters, workerID: workerID, leaseUntil: leaseUntil, attempts: Int(attempts),
            completions: Int(completions))
    }
}
