/// Where a job is, with the OpenAI Videos API's names (`cancelled` does not exist there: a deleted
/// job is gone).
public enum JobStatus: String, Sendable, Equatable, CaseIterable {
    case queued
    case inProgress = "in_progress"
    case completed
    case failed
}

/// Why a job failed, as the API reports it inside the video object (`error: {code, message}`).
public struct JobFailure: Sendable, Equatable {
    public var code: String
    public var message: String

    public init(code: String, message: String) { self.code = code; self.message = message }
}

/// One video job as the store keeps it: what the API shows of it, the server's own parameters for the
/// worker (an opaque JSON text the store never reads), and the queue's bookkeeping.
public struct VideoJob: Sendable, Equatable {
    /// `video_` and 32 hexadecimal digits, made by ``VideoJob/newID()``.
    public var id: String
    public var status: JobStatus
    /// 0 to 100.
    public var progress: Int
    public var model: String
    public var prompt: String?
    /// `WIDTHxHEIGHT`, e.g. `256x256`.
    public var size: String
    /// The duration in seconds as the API writes it (a string: `"2"`, `"2.5"`).
    public var seconds: String
    /// Unix seconds.
    public var createdAt: Int64
    public var completedAt: Int64?
    public var expiresAt: Int64?
    public var remixedFromVideoID: String?
    public var error: JobFailure?
    /// What the worker runs, as the server wrote it (JSON text); the store keeps it verbatim.
    public var parameters: String

    /// The worker that holds the job while it is `in_progress`.
    public var workerID: String?
    /// Unix milliseconds until which the worker's claim holds; past it, the reaper re-queues the job.
    public var leaseUntil: Int64?
    /// How many times the job has been claimed (more than 1 after a re-queue).
    public var attempts: Int
    /// How many times the job has been completed: 0 or 1, whatever workers die or re-queue.
    public var completions: Int

    public init(id: String, status: JobStatus = .queued, progress: Int = 0, model: String, prompt: String?, size: String,
                seconds: String, createdAt: Int64, completedAt: Int64? = nil, expiresAt: Int64? = nil,
                remixedFromVideoID: String? = nil, error: JobFailure? = nil, parameters: String,
                workerID: String? = nil, leaseUntil: Int64? = nil, attempts: Int = 0, completions: Int = 0) {
        self.id = id; self.status = status; self.progress = progress; self.model = model; self.prompt = prompt
        self.size = size; self.seconds = seconds; self.createdAt = createdAt; self.completedAt = completedAt
        self.expiresAt = expiresAt; self.remixedFromVideoID = remixedFromVideoID; self.error = error
        self.parameters = parameters; self.workerID = workerID; self.leaseUntil = leaseUntil
        self.attempts = attempts; self.completions = completions
    }

    /// A new job id: `video_` and 32 hexadecimal digits from the system's random source.
    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
        return "video_" + digits.joined()
    }
}

/// A file that belongs to a job: an upload it was made from (`input_reference`) or an output
/// (`video`, `thumbnail`, `spritesheet`). Deleted with the job.
public struct JobFile: Sendable, Equatable {
    public var name: String
    public var contentType: String
    public var bytes: [UInt8]

    public init(name: String, contentType: String, bytes: [UInt8]) {
        self.name = name; self.contentType = contentType; self.bytes = bytes
    }
}

/// Why the store refused an operation, in one sentence.
public enum JobStoreError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The queue already holds `limit` jobs that are queued or in progress.
    case queueFull(limit: Int)
    /// An insert with an id that exists.
    case duplicateID(String)
    /// `after` names no job.
    case unknownCursor(String)
    /// The database URL cannot be used.
    case invalidURL(String)
    /// The database failed; the message says how.
    case database(String)

    public var description: String {
        switch self {
        case .queueFull(let limit): return "the queue is full (\(limit) jobs waiting or running); try again later"
        case .duplicateID(let id): return "a job \"\(id)\" exists already"
        case .unknownCursor(let id): return "no video \"\(id)\" to list after"
        case .invalidURL(let reason): return "database URL: \(reason)"
        case .database(let reason): return "job store: \(reason)"
        }
    }
}

/// A page of jobs, in the order asked for.
public struct JobPage: Sendable, Equatable {
    public var jobs: [VideoJob]
    public var hasMore: Bool

    public init(jobs: [VideoJob], hasMore: Bool) { self.jobs = jobs; self.hasMore = hasMore }
}
