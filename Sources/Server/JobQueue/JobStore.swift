/// Where video jobs live: one protocol, two stores. ``SQLiteJobStore`` (one file, no set-up; several
/// processes on one machine may share it) and ``PostgresJobStore`` (several workers on several
/// machines). Every method is atomic on its own; the queue's guarantees are:
///
/// - a job is claimed by one worker at a time (`FOR UPDATE SKIP LOCKED` on PostgreSQL, `BEGIN
///   IMMEDIATE` on SQLite), with a lease the worker renews by heartbeats;
/// - a worker that loses its lease (the reaper re-queued the job, or the job was deleted) can no
///   longer update, complete or fail the job: every write names the worker and checks it holds the job;
/// - ``complete(id:worker:files:)`` writes the outputs and the status in one transaction, so a job is
///   completed exactly once and its files are there when it says `completed`;
/// - deleting a job deletes its files.
public protocol JobStore: Sendable {
    /// Adds a queued job with its input files. Throws ``JobStoreError/queueFull(limit:)`` when
    /// `queueLimit` jobs are already queued or in progress (checked in the same transaction).
    func insert(_ job: VideoJob, files: [JobFile], queueLimit: Int?) async throws

    /// The job `id`, or nil.
    func job(id: String) async throws -> VideoJob?

    /// Up to `limit` jobs ordered by creation (ties by insertion order), oldest first when
    /// `ascending`, starting after the job `after` (a cursor; ``JobStoreError/unknownCursor(_:)`` when
    /// it names no job); `hasMore` says whether more follow.
    func list(after: String?, limit: Int, ascending: Bool) async throws -> JobPage

    /// Deletes the job and its files; false when there was none. A worker running it loses it.
    func delete(id: String) async throws -> Bool

    /// The file `name` of job `id`, or nil.
    func file(jobID: String, name: String) async throws -> JobFile?

    /// Claims the oldest queued job for `worker`: status `in_progress`, `attempts` + 1, a lease of
    /// `leaseSeconds`. With `models`, only a job for one of them (a worker claims what it can run).
    /// Nil when none is queued.
    func claim(worker: String, leaseSeconds: Double, models: [String]?) async throws -> VideoJob?

    /// Renews `worker`'s lease on job `id` and records its progress (0 to 100). False when the worker
    /// no longer holds the job (re-queued or deleted): it must stop and write nothing.
    func heartbeat(id: String, worker: String, progress: Int, leaseSeconds: Double) async throws -> Bool

    /// Marks the job `completed` (progress 100, `completed_at` now, `completions` + 1) and stores
    /// `files`, in one transaction, if `worker` still holds it; false otherwise (nothing written).
    func complete(id: String, worker: String, files: [JobFile]) async throws -> Bool

    /// Marks the job `failed` with `failure` if `worker` still holds it; false otherwise.
    func fail(id: String, worker: String, failure: JobFailure) async throws -> Bool

    /// Gives a claimed job back to the queue (a worker shutting down): `queued`, no worker, progress 0.
    func requeue(id: String, worker: String) async throws -> Bool

    /// Re-queues every `in_progress` job whose lease has run out (its worker died); returns their ids.
    func reapExpiredLeases() async throws -> [String]

    /// Jobs that are queued or in progress.
    func activeCount() async throws -> Int

    /// Returns after the next change this store hears of (an insert, progress, a completion, a
    /// delete: from this process, and from others where the database can tell, as PostgreSQL's
    /// LISTEN/NOTIFY does), or after `timeout`, whichever comes first. Callers re-read what they watch.
    func waitForChange(timeout: Duration) async

    /// Closes the connections; the store is unusable after.
    func shutdown() async
}

extension JobStore {
    /// Claims the oldest queued job for any model.
    public func claim(worker: String, leaseSeconds: Double) async throws -> VideoJob? {
        try await claim(worker: worker, leaseSeconds: leaseSeconds, models: nil)
    }
}
