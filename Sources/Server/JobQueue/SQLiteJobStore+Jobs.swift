import SQLiteNIO

/// Adding, reading, listing and deleting jobs and their files.
extension SQLiteJobStore {
    public func insert(_ job: VideoJob, files: [JobFile], queueLimit: Int?) async throws {
        try await transaction { store in
            if let queueLimit {
                let active = try await store.countActive()
                if active >= queueLimit { throw JobStoreError.queueFull(limit: queueLimit) }
            }
            if try await !store.rows("SELECT 1 FROM video_jobs WHERE id = ?", [.text(job.id)]).isEmpty {
                throw JobStoreError.duplicateID(job.id)
            }
            try await store.execute("""
                INSERT INTO video_jobs (\(JobColumns.list))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, job.sqliteBinds)
            for file in files { try await store.write(file, jobID: job.id) }
        }
        changes.signal()
    }

    public func job(id: String) async throws -> VideoJob? {
        try await reading { store in
            try await store.rows("SELECT \(JobColumns.list) FROM video_jobs WHERE id = ?", [.text(id)])
                .first.map(VideoJob.init(sqliteRow:))
        }
    }

    public func list(after: String?, limit: Int, ascending: Bool) async throws -> JobPage {
        let limit = max(limit, 0)
        return try await reading { store in
            var conditions = ""
            var binds: [SQLiteData] = []
            if let after {
                let cursor = try await store.rows(
                    "SELECT created_at, seq FROM video_jobs WHERE id = ?", [.text(after)]).first
                guard let createdAt = cursor?.column("created_at")?.integer, let seq = cursor?.column("seq")?.integer else {
                    throw JobStoreError.unknownCursor(after)
                }
                let beyond = ascending ? ">" : "<"
                conditions = "WHERE created_at \(beyond) ? OR (created_at = ? AND seq \(beyond) ?)"
                binds = [.integer(createdAt), .integer(createdAt), .integer(seq)]
            }
            let order = ascending ? "ASC" : "DESC"
            // One row past the page says whether more follow.
            let rows = try await store.rows("""
                SELECT \(JobColumns.list) FROM video_jobs \(conditions)
                ORDER BY created_at \(order), seq \(order) LIMIT ?
                """, binds + [.integer(SQLiteInt64(limit + 1))])
            let jobs = try rows.prefix(limit).map(VideoJob.init(sqliteRow:))
            return JobPage(jobs: jobs, hasMore: rows.count > limit)
        }
    }

    public func delete(id: String) async throws -> Bool {
        let deleted = try await transaction { store in
            try await store.execute("DELETE FROM job_files WHERE job_id = ?", [.text(id)])
            return try await !store.rows("DELETE FROM video_jobs WHERE id = ? RETURNING id", [.text(id)]).isEmpty
        }
        if deleted { changes.signal() }
        return deleted
    }

    public func file(jobID: String, name: String) async throws -> JobFile? {
        try await reading { store in
            guard let row = try await store.rows(
                "SELECT content_type, bytes FROM job_files WHERE job_id = ? AND name = ?", [.text(jobID), .text(name)]).first
            else { return nil }
            guard let contentType = row.column("content_type")?.string, let bytes = row.column("bytes")?.blob else {
                throw JobStoreError.database("SQLite \(store.path): file \(name) of job \(jobID) is damaged")
            }
            return JobFile(name: name, contentType: contentType, bytes: Array(bytes.readableBytesView))
        }
    }

    public func activeCount() async throws -> Int {
        try await reading { store in try await store.countActive() }
    }

    func countActive() async throws -> Int {
        let row = try await rows("SELECT count(*) AS n FROM video_jobs WHERE status IN ('queued', 'in_progress')").first
        return Int(row?.column("n")?.integer ?? 0)
    }

    /// Stores a file of a job, replacing one of the same name.
    func write(_ file: JobFile, jobID: String) async throws {
        try await execute(
            "INSERT OR REPLACE INTO job_files (job_id, name, content_type, bytes) VALUES (?, ?, ?, ?)",
            [.text(jobID), .text(file.name), .text(file.contentType), .blob(ByteBuffer(bytes: file.bytes))])
    }
}

extension VideoJob {
    /// The values of ``JobColumns/list``, in order.
    var sqliteBinds: [SQLiteData] {
        func text(_ value: String?) -> SQLiteData { value.map(SQLiteData.text) ?? .null }
        func integer(_ value: Int64?) -> SQLiteData { value.map { .integer(SQLiteInt64($0)) } ?? .null }
        return [
            .text(id), .text(status.rawValue), .integer(SQLiteInt64(progress)), .text(model), text(prompt), .text(size),
            .text(seconds), integer(createdAt), integer(completedAt), integer(expiresAt), text(remixedFromVideoID),
            text(error?.code), text(error?.message), .text(parameters), text(workerID), integer(leaseUntil),
            .integer(SQLiteInt64(attempts)), .integer(SQLiteInt64(completions)),
        ]
    }

    /// A job from a row with the columns of ``JobColumns/list``.
    init(sqliteRow row: SQLiteRow) throws {
        func text(_ column: String) -> String? { row.column(column)?.string }
        func integer(_ column: String) -> Int64? { row.column(column)?.integer.map(Int64.init) }
        func required<T>(_ value: T?, _ column: String) throws -> T {
            guard let value else { throw JobStoreError.database("a video_jobs row has no \(column)") }
            return value
        }
        let id = try required(text("id"), "id")
        let error: JobFailure? = if let code = text("error_code") {
            JobFailure(code: code, message: text("error_message") ?? "")
        } else { nil }
        self.init(
            id: id, status: try JobStatus.parse(required(text("status"), "status"), job: id),
            progress: Int(try required(integer("progress"), "progress")), model: try required(text("model"), "model"),
            prompt: text("prompt"), size: try required(text("size"), "size"), seconds: try required(text("seconds"), "seconds"),
            createdAt: try required(integer("created_at"), "created_at"), completedAt: integer("completed_at"),
            expiresAt: integer("expires_at"), remixedFromVideoID: text("remixed_from_video_id"), error: error,
            parameters: try required(text("parameters"), "parameters"), workerID: text("worker_id"),
            leaseUntil: integer("lease_until"), attempts: Int(try required(integer("attempts"), "attempts")),
            completions: Int(try required(integer("completions"), "completions")))
    }
}
