import Foundation
import JobQueue
import Logging
import Pipelines
import ServiceLifecycle
import Synchronization

/// Works the queue: claims the oldest queued job, runs it through ``JobRunner`` while a heartbeat
/// renews its lease and publishes its progress, and stores its outputs (or its failure). Every pass
/// also re-queues the jobs of workers whose leases ran out (they died). On a graceful shutdown
/// (SIGTERM, SIGINT) it stops claiming, lets the running job finish for
/// ``ServerConfiguration/shutdownGraceSeconds``, then cancels it and gives it back to the queue.
public struct VideoWorker: Service {
    let store: any JobStore
    let runner: JobRunner
    let configuration: ServerConfiguration
    /// Which worker this is, in the store: host, process and loop.
    public let id: String
    let logger: Logger

    init(store: any JobStore, runner: JobRunner, configuration: ServerConfiguration, index: Int, logger: Logger) {
        self.store = store; self.runner = runner; self.configuration = configuration; self.logger = logger
        var name = [UInt8](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        let host = String(decoding: name.prefix { $0 != 0 }, as: UTF8.self)
        id = "\(host)-\(getpid())-\(index)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
    }

    public func run() async throws {
        let stopping = Flag()
        await withGracefulShutdownHandler {
            var lastReap = ContinuousClock.now - .seconds(3600)
            while !stopping.isSet, !Task.isCancelled {
                if ContinuousClock.now - lastReap > .seconds(max(1, configuration.leaseSeconds / 3)) {
                    lastReap = ContinuousClock.now
                    do {
                        let reaped = try await store.reapExpiredLeases()
                        if !reaped.isEmpty { logger.warning("re-queued \(reaped.count) job(s) of dead workers: \(reaped.joined(separator: ", "))") }
                    } catch { logger.error("reaping: \(error)") }
                }
                let job: VideoJob?
                do {
                    job = try await store.claim(worker: id, leaseSeconds: configuration.leaseSeconds, models: runner.generator.store.ids)
                } catch {
                    logger.error("claiming a job: \(error)")
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                guard let job else {
                    await store.waitForChange(timeout: .seconds(1))
                    continue
                }
                await work(job, stopping: stopping)
            }
        } onGracefulShutdown: {
            stopping.set()
        }
    }

    /// Runs `job` to its end: completed, failed, deleted (its lease lost), or given back on shutdown.
    private func work(_ job: VideoJob, stopping: Flag) async {
        logger.info("\(job.id): started (attempt \(job.attempts)) \(job.size) \(job.seconds) s: \(job.prompt ?? "")")
        let start = ContinuousClock.now
        let progress = JobProgress()
        let cancel = Flag()
        let lost = Flag()
        let heartbeat = Task {
            var sent = -1
            var lastSent = ContinuousClock.now
            var shutdownAt: ContinuousClock.Instant?
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                if stopping.isSet {
                    shutdownAt = shutdownAt ?? .now
                    if let at = shutdownAt, ContinuousClock.now - at > .seconds(configuration.shutdownGraceSeconds) { cancel.set() }
                }
                let percent = progress.percent
                guard percent != sent || ContinuousClock.now - lastSent > .seconds(configuration.leaseSeconds / 4) else { continue }
                do {
                    if try await !store.heartbeat(id: job.id, worker: id, progress: percent, leaseSeconds: configuration.leaseSeconds) {
                        lost.set(); cancel.set(); return
                    }
                    sent = percent; lastSent = .now
                } catch {
                    logger.error("\(job.id): heartbeat: \(error)")
                }
            }
        }
        defer { heartbeat.cancel() }
        do {
            let inputs = try await self.inputs(of: job)
            let files = try await runner.run(job, inputs: inputs, progress: progress, isCancelled: { cancel.isSet })
            heartbeat.cancel()
            if try await store.complete(id: job.id, worker: id, files: files) {
                logger.info("\(job.id): completed in \(seconds(since: start)) s")
            } else {
                logger.warning("\(job.id): finished, but the job was deleted or re-queued meanwhile; its output is dropped")
            }
        } catch {
            heartbeat.cancel()
            await finish(job, error: error, lost: lost.isSet, stopping: stopping.isSet)
        }
    }

    private func finish(_ job: VideoJob, error: any Error, lost: Bool, stopping: Bool) async {
        do {
            if lost {
                logger.warning("\(job.id): stopped: the job was deleted or re-queued")
            } else if case GenerationError.cancelled = error, stopping {
                _ = try await store.requeue(id: job.id, worker: id)
                logger.info("\(job.id): given back to the queue at shutdown")
            } else {
                let failure = Self.failure(error)
                _ = try await store.fail(id: job.id, worker: id, failure: failure)
                logger.error("\(job.id): failed: \(failure.message)")
            }
        } catch {
            logger.error("\(job.id): recording its end: \(error)")
        }
    }

    static func failure(_ error: any Error) -> JobFailure {
        switch error {
        case let failure as JobRunner.Failure: return JobFailure(code: failure.code, message: failure.message)
        case let error as GenerationError: return JobFailure(code: "invalid_request", message: error.description)
        default: return JobFailure(code: "generation_failed", message: "\(error)")
        }
    }

    private func inputs(of job: VideoJob) async throws -> JobInputs {
        var inputs = JobInputs()
        inputs.image = try await store.file(jobID: job.id, name: "input_reference")
        if let parameters = try? JobParameters(json: job.parameters) {
            if let source = parameters.source {
                inputs.sourceVideo = try await store.file(jobID: source, name: "video")
            } else if parameters.sourceUploaded {
                inputs.sourceVideo = try await store.file(jobID: job.id, name: "source_video")
            }
        }
        return inputs
    }

    private func seconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        return String(format: "%.1f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
}

/// A flag one task sets and others read.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
