import Logging
import PalisadeRuntime
import PalisadeTransport
import ServiceLifecycle
import Synchronization

/// Moves accepted records from the buffer to the producer: `produceConcurrency` workers, each
/// taking up to `produceBatchRecords` records and awaiting their acknowledgement. Batches are
/// taken and enqueued in turn, so they are published in buffer order; only the waits for
/// acknowledgements overlap.
///
/// At-least-once: a record leaves the buffer only when acknowledged. Records whose produce failed
/// with a retriable error go back to the front of the queue and are produced again after a
/// backoff (so a broker outage longer than librdkafka's own retries loses nothing while the
/// process lives); a non-retriable error drops them, counted and logged.
///
/// Graceful shutdown (a `Service`): the HTTP listeners stop first (the application shuts its
/// services down in reverse order); then the buffer closes, the workers produce what is left
/// within `shutdownDrainTimeoutMs`, and the producer flushes within `shutdownFlushTimeoutMs`.
public final class CapturePipeline: Service, ReadinessCheck {
    let buffer: CaptureBuffer
    let producer: any TransportProducer
    /// Serializes "take a batch, enqueue it" across the produce workers.
    let enqueueTurn = Turnstile()
    let metrics: MirrorMetrics
    let configuration: MirrorConfiguration
    let topic: String
    let logger: Logger
    let shedLog: LogThrottle
    let failureLog: LogThrottle
    private let health = Mutex(Health())
    private let pastDeadline = Atomic<Bool>(false)

    private struct Health {
        /// The last produce call had failures (retriable or not) and none succeeded since.
        var failing: String?
    }

    init(
        configuration: MirrorConfiguration, producer: any TransportProducer, metrics: MirrorMetrics, logger: Logger
    ) {
        self.configuration = configuration
        self.buffer = CaptureBuffer(
            limits: .init(maxRecords: configuration.bufferMaxRecords, maxBytes: configuration.bufferMaxBytes))
        self.producer = producer
        self.metrics = metrics
        self.topic = PalisadeTopic.requests.name(prefix: configuration.topicPrefix)
        self.logger = logger
        self.shedLog = LogThrottle(interval: .milliseconds(configuration.logIntervalMs))
        self.failureLog = LogThrottle(interval: .milliseconds(configuration.logIntervalMs))
    }

    /// Buffers encoded records (values of `palisade.requests`); false when they were shed.
    func submit(_ values: [[UInt8]], listener: MirrorMetrics.Listener) -> BufferState.Admission {
        let records = values.map { OutgoingRecord(topic: topic, key: nil, value: $0) }
        let admission = buffer.offer(records)
        if admission == .accepted {
            updateDepthGauges()
        } else {
            metrics.shedRecords.increment(by: Int64(records.count))
            let depth = buffer.depth
            shedLog.event { suppressed in
                logger.warning(
                    "shedding: buffer full or shutting down, answering 503",
                    metadata: [
                        "listener": "\(listener.rawValue)", "buffer_records": "\(depth.records)",
                        "buffer_bytes": "\(depth.bytes)", "shed_requests_since_last_log": "\(suppressed)",
                        "reason": "\(admission == .closed ? "shutting_down" : "buffer_full")",
                    ])
            }
        }
        return admission
    }

    /// Records waiting to be produced, and the buffer's bound in records (a health view).
    public var bufferFill: (records: Int, maxRecords: Int) { (buffer.depth.records, buffer.limits.maxRecords) }

    public func notReadyReason() async -> String? {
        if buffer.isClosed { return "shutting down" }
        if let failing = health.withLock({ $0.failing }) { return "transport failing: \(failing)" }
        let depth = buffer.depth
        let limits = buffer.limits
        if depth.records >= limits.maxRecords || depth.bytes >= limits.maxBytes { return "buffer full" }
        return nil
    }

    public func run() async throws {
        let drainTimeout = Duration.milliseconds(configuration.shutdownDrainTimeoutMs)
        let flushTimeout = Duration.milliseconds(configuration.shutdownFlushTimeoutMs)
        var producerShutDown = false
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<configuration.produceConcurrency {
                group.addTask {
                    await self.work()
                    return true
                }
            }
            // Graceful shutdown: close the buffer (workers produce what it holds and end), and
            // give them `drainTimeout`.
            group.addTask {
                try? await gracefulShutdown()
                self.buffer.close()
                self.logger.info("mirror draining", metadata: ["buffer_records": "\(self.buffer.depth.records)"])
                try? await Task.sleep(for: drainTimeout)
                return false
            }
            var workers = configuration.produceConcurrency
            while let isWorker = await group.next() {
                guard isWorker else { break }
                workers -= 1
                if workers == 0 { break }
            }
            if workers > 0 {
                // The deadline passed: stop the producer so sends still waiting for
                // acknowledgements return (their records fail with `closed`), then stop the workers.
                pastDeadline.store(true, ordering: .relaxed)
                await producer.shutdown(timeout: flushTimeout)
                producerShutDown = true
            }
            group.cancelAll()
        }
        let left = buffer.removeQueued()
        if !left.isEmpty {
            metrics.dropped[.shutdown]?.increment(by: Int64(left.count))
            logger.error(
                "shutdown deadline passed with records still buffered; they are dropped",
                metadata: ["records": "\(left.count)"])
        }
        updateDepthGauges()
        if !producerShutDown { await producer.shutdown(timeout: flushTimeout) }
        logger.info("mirror pipeline stopped")
    }

    /// One produce worker: take, produce, settle, until the buffer is closed and empty.
    private func work() async {
        var backoffMs = configuration.produceRetryBackoffMs
        while true {
            // Taking a batch and handing it to the producer happen in turn across workers, so
            // batches are published in buffer order (a request's records keep their order within
            // a partition); the acknowledgements are awaited concurrently.
            await enqueueTurn.acquire()
            guard let batch = await buffer.next(max: configuration.produceBatchRecords) else {
                enqueueTurn.release()
                break
            }
            let start = ContinuousClock.now
            let pending = await producer.enqueue(batch: batch)
            enqueueTurn.release()
            let results = await pending.results()
            let elapsed = (ContinuousClock.now - start).components
            metrics.produceLatency.recordNanoseconds(
                elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
            var delivered: [OutgoingRecord] = []
            var retry: [OutgoingRecord] = []
            var dropped: [OutgoingRecord] = []
            var lastError: TransportError?
            delivered.reserveCapacity(batch.count)
            for (record, result) in zip(batch, results) {
                switch result {
                case .success: delivered.append(record)
                case .failure(let error):
                    lastError = error
                    if error.isRetriable { retry.append(record) } else { dropped.append(record) }
                }
            }
            if results.count < batch.count { retry.append(contentsOf: batch[results.count...]) }
            if !delivered.isEmpty {
                metrics.produced.increment(by: Int64(delivered.count))
                buffer.finish(delivered)
            }
            if !dropped.isEmpty {
                metrics.produceErrors[false]?.increment(by: Int64(dropped.count))
                let reason: MirrorMetrics.DropReason =
                    pastDeadline.load(ordering: .relaxed) ? .shutdown : .produceFailed
                metrics.dropped[reason]?.increment(by: Int64(dropped.count))
                buffer.finish(dropped)
            }
            if let lastError {
                health.withLock { $0.failing = lastError.code.name }
                let (retried, droppedCount) = (retry.count, dropped.count)
                failureLog.event { suppressed in
                    logger.warning(
                        "produce failed",
                        metadata: [
                            "error": "\(lastError)", "retrying": "\(retried)", "dropped": "\(droppedCount)",
                            "failures_since_last_log": "\(suppressed)", "topic": "\(topic)",
                        ])
                }
            } else {
                health.withLock { $0.failing = nil }
            }
            if !retry.isEmpty {
                metrics.produceErrors[true]?.increment(by: Int64(retry.count))
                buffer.requeue(retry)
                try? await Task.sleep(for: .milliseconds(backoffMs))
                backoffMs = min(backoffMs * 2, 5_000)
            } else {
                backoffMs = configuration.produceRetryBackoffMs
            }
            updateDepthGauges()
        }
    }

    func updateDepthGauges() {
        let depth = buffer.depth
        metrics.bufferRecords.record(depth.records)
        metrics.bufferBytes.record(depth.bytes)
    }
}
