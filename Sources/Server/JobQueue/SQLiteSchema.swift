/// The SQLite store's tables (schema version 1).
enum SQLiteSchema {
    static let statements = [
        """
        CREATE TABLE IF NOT EXISTS video_jobs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- insertion order: ties in created_at, queue order
            id TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL CHECK (status IN ('queued', 'in_progress', 'completed', 'failed')),
            progress INTEGER NOT NULL DEFAULT 0,
            model TEXT NOT NULL,
            prompt TEXT,
            size TEXT NOT NULL,
            seconds TEXT NOT NULL,
            created_at INTEGER NOT NULL,            -- unix seconds
            completed_at INTEGER,                   -- unix seconds
            expires_at INTEGER,                     -- unix seconds
            remixed_from_video_id TEXT,
            error_code TEXT,
            error_message TEXT,
            parameters TEXT NOT NULL,
            worker_id TEXT,
            lease_until INTEGER,                    -- unix milliseconds
            attempts INTEGER NOT NULL DEFAULT 0,
            completions INTEGER NOT NULL DEFAULT 0
        )
        """,
        "CREATE INDEX IF NOT EXISTS video_jobs_by_status ON video_jobs (status, seq)",
        "CREATE INDEX IF NOT EXISTS video_jobs_by_creation ON video_jobs (created_at, seq)",
        """
        CREATE TABLE IF NOT EXISTS job_files (
            job_id TEXT NOT NULL REFERENCES video_jobs (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            content_type TEXT NOT NULL,
            bytes BLOB NOT NULL,
            PRIMARY KEY (job_id, name)
        )
        """,
    ]

    /// Now in unix milliseconds, by SQLite's clock (the machine's: every process sharing the file
    /// reads the same one). One statement sees one "now".
    static let nowMilliseconds = "CAST(unixepoch('subsec') * 1000 AS INTEGER)"
}
