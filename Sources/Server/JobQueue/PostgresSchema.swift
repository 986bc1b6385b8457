import PostgresNIO

/// The PostgreSQL store's tables (schema version 1) and the names it shares with other processes.
enum PostgresSchema {
    static let version: Int64 = 1

    /// The LISTEN/NOTIFY channel; a notification's payload is the job's id.
    static let channel = "zoetrope_jobs"

    /// `pg_advisory_xact_lock` keys (arbitrary, fixed: every process must use the same).
    static let schemaLock: Int64 = 0x7A6F_6574_0001  // "zoet" 1
    static let insertLock: Int64 = 0x7A6F_6574_0002

    static let statements: [PostgresQuery] = [
        "CREATE TABLE IF NOT EXISTS zoetrope_schema (version bigint NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS video_jobs (
            seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- insertion order: ties in created_at, queue order
            id text PRIMARY KEY,
            status text NOT NULL CHECK (status IN ('queued', 'in_progress', 'completed', 'failed')),
            progress bigint NOT NULL DEFAULT 0,
            model text NOT NULL,
            prompt text,
            size text NOT NULL,
            seconds text NOT NULL,
            created_at bigint NOT NULL,             -- unix seconds
            completed_at bigint,                    -- unix seconds
            expires_at bigint,                      -- unix seconds
            remixed_from_video_id text,
            error_code text,
            error_message text,
            parameters text NOT NULL,
            worker_id text,
            lease_until bigint,                     -- unix milliseconds, by the database's clock
            attempts bigint NOT NULL DEFAULT 0,
            completions bigint NOT NULL DEFAULT 0
        )
        """,
        "CREATE INDEX IF NOT EXISTS video_jobs_queued ON video_jobs (seq) WHERE status = 'queued'",
        "CREATE INDEX IF NOT EXISTS video_jobs_leased ON video_jobs (lease_until) WHERE status = 'in_progress'",
        "CREATE INDEX IF NOT EXISTS video_jobs_by_creation ON video_jobs (created_at, seq)",
        """
        CREATE TABLE IF NOT EXISTS job_files (
            job_id text NOT NULL REFERENCES video_jobs (id) ON DELETE CASCADE,
            name text NOT NULL,
            content_type text NOT NULL,
            bytes bytea NOT NULL,
            PRIMARY KEY (job_id, name)
        )
        """,
    ]

    /// Now in unix milliseconds by the database's clock, which every worker shares (their own clocks
    /// may disagree, and a lease must mean the same to all of them).
    static let nowMilliseconds = "(extract(epoch FROM now()) * 1000)::bigint"
    static let nowSeconds = "extract(epoch FROM now())::bigint"
}
