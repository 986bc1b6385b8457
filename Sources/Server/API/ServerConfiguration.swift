/// How `zoetrope serve` and `zoetrope worker` run: where they listen, what they accept, and how
/// their worker holds jobs. Every limit has a default a single machine can live with.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Bearer tokens accepted on `/v1`; empty: no authentication.
    public var apiKeys: Set<String> = []
    /// The largest request body (an uploaded image included).
    public var maxRequestBytes = 25 << 20
    /// Jobs that may be queued or running at once; a create beyond it gets a 429.
    public var queueLimit = 64
    /// The largest width or height a request may ask for.
    public var maxSide = 1280
    /// The longest video a request may ask for, in seconds (an extension's whole length included).
    public var maxSeconds = 120.0
    /// The `openai-poll-after-ms` a client polling an unfinished video is told.
    public var pollAfterMilliseconds = 1000
    /// Worker loops this process runs (0: API only, another process works the queue).
    public var workers = 1
    /// How long a worker's claim on a job lasts without a heartbeat; a dead worker's job is re-queued after it.
    public var leaseSeconds = 30.0
    /// How long a worker shutting down lets its running job finish before giving it back to the queue.
    public var shutdownGraceSeconds = 10.0
    /// The bytes of model weights a worker keeps loaded between jobs.
    public var modelMemoryBudget = 8 << 30

    public init() {}
}
