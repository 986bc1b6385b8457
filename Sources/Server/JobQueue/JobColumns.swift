/// The `video_jobs` columns both stores read, in this order, so one SELECT list serves every query
/// that returns jobs (the two schemas use the same column names).
enum JobColumns {
    static let list = """
        id, status, progress, model, prompt, size, seconds, created_at, completed_at, expires_at, \
        remixed_from_video_id, error_code, error_message, parameters, worker_id, lease_until, attempts, completions
        """
}

extension JobStatus {
    /// Parses a status column; a value no build writes means a damaged database, and says so.
    static func parse(_ raw: String, job id: String) throws -> JobStatus {
        guard let status = JobStatus(rawValue: raw) else {
            throw JobStoreError.database("job \(id) has an unknown status \"\(raw)\"")
        }
        return status
    }
}
