import Logging
import PalisadeCore
import PalisadeRecords
import PalisadeRuntime
import PalisadeTransport
import ServiceLifecycle
import Synchronization

/// The worker role (docs/WORKER.md): consumes `palisade.requests` in a consumer group, scores
/// every request on `settings.scoringTasks` lanes (each partition on one lane, in order), and
/// publishes a verdict and an observation per request; acknowledges a record only once its
/// outputs are acknowledged (at-least-once). Build it with ``buildWorker(settings:transport:logger:metrics:)``.
public final class WorkerService: Service, ReadinessCheck, Sendable {
    let settings: WorkerSettings
    let transport: any Transport
    let logger: Logger
    let metrics: WorkerMetrics
    let baselines = BaselineStore()
    let detection: WorkerDetection
    let encoding: WorkerEncoding
    /// Batches a lane may have handed to the producer and not yet settled.
    let batchesInFlight: Int
    /// At the high-water mark the poll loop first stops polling for up to this long, and pauses
    /// the consumer only if the records in flight have not fallen under the low-water mark by
    /// then (see ``pollLoop(_:lanes:)``).
    let pauseHoldMs: Int
    private let state: RunState

    init(
        settings: WorkerSettings, transport: any Transport, logger: Logger, metrics: PalisadeMetrics,
        detection: WorkerDetection = .full, encoding: WorkerEncoding = .wire, batchesInFlight: Int = 16,
        pauseHoldMs: Int = 1_000
    ) {
        self.pauseHoldMs = max(0, pauseHoldMs)
        self.detection = detection
        self.encoding = encoding
        self.batchesInFlight = max(1, batchesInFlight)
        var settings = settings
        settings.scoringTasks = max(1, settings.scoringTasks)
        self.settings = settings
        self.transport = transport
        self.logger = logger
        self.metrics = WorkerMetrics(
            registry: metrics.registry,
            topics: [settings.topic(.verdicts), settings.topic(.observations), settings.topic(.deadLetter)])
        self.state = RunState(maxInFlight: settings.maxInFlight)
    }

    /// nil once the worker consumes (after the start-up read of the baselines).
    public func notReadyReason() async -> String? {
        state.ready.load(ordering: .relaxed) ? nil : "worker: not consuming yet"
    }

    /// Asks the worker to stop as on SIGTERM: stop polling, drain, commit, close.
    public func stop() { state.stopping.store(true, ordering: .releasing) }

    /// Records taken from the consumer and not yet acknowledged.
    var inFlight: Int { state.flow.withLock { $0.inFlight } }

    /// Whether the consumer's partitions are paused now (`palisade_worker_consumer_paused`).
    var consumerPaused: Bool { state.consumerPaused.load(ordering: .relaxed) }

    /// The last consumer-lag sample (records, summed over the assigned partitions), nil before the first.
    var consumerLag: Int64? {
        let lag = state.consumerLag.load(ordering: .relaxed)
        return lag < 0 ? nil : lag
    }

    /// Counters so far (the same numbers as the Prometheus metrics), for benchmarks and tests.
    public var stats: WorkerStats {
        WorkerStats(
            consumed: metrics.consumed.value, scored: metrics.scored.value, acknowledged: metrics.acknowledged.value,
            deadLettered: metrics.deadLettered.value, produceErrors: metrics.produceErrors.value,
            pauses: metrics.pauses.value, consumerPauses: metrics.consumerPauses.value,
            revokedDropped: metrics.revokedDropped.value, acknowledgeFailed: metrics.acknowledgeFailed.value,
            inFlight: inFlight)
    }

    public func run() async throws {
        let producer = try transport.makeProducer()
        let consumer = try transport.makeGroupConsumer(group: settings.group, topics: [settings.topic(.requests)])
        logger.info(
            "worker starting",
            metadata: [
                "group": "\(settings.group)", "topic": "\(settings.topic(.requests))",
                "scoring_tasks": "\(settings.scoringTasks)",
            ])
        var reader: (any CompactedTopicReader)?
        if settings.baselinesEnabled { reader = await startBaselines() }

        let lanes = (0..<settings.scoringTasks).map { _ in Lane() }
        let lanesReader = reader
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for lane in lanes {
                    group.addTask { await self.score(lane) }
                    group.addTask { await self.send(lane, producer: producer, consumer: consumer) }
                }
                group.addTask { await self.followBaselines(lanesReader) }
                group.addTask { await self.followLag(consumer) }
                state.ready.store(true, ordering: .relaxed)
                await pollLoop(consumer, lanes: lanes)
                state.ready.store(false, ordering: .relaxed)
                for lane in lanes { lane.input.finish() }
                await drain()
                state.stopping.store(true, ordering: .releasing)
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.stop()
        }
        do {
            try await consumer.commit()
        } catch {
            logger.info("final commit failed (offsets are also committed on close)", metadata: ["error": "\(error)"])
        }
        await consumer.close()
        await producer.shutdown(timeout: .milliseconds(settings.producerFlushTimeoutMs))
        await reader?.close()
        logger.info("worker stopped", metadata: ["in_flight_abandoned": "\(inFlight)"])
    }

    // MARK: Poll loop

    private func pollLoop(_ consumer: any GroupConsumer, lanes: [Lane]) async {
        var consumerPaused = false
        var errorBackoff = Duration.milliseconds(settings.retryBackoffMs)
        let errorLog = RateLimitedLog(interval: .seconds(10))
        while !state.stopping.load(ordering: .acquiring), !Task.isCancelled {
            let events: [ConsumerEvent]
            do {
                events = try await consumer.poll(
                    maxRecords: settings.pollMaxRecords, timeout: .milliseconds(settings.pollTimeoutMs))
                errorBackoff = .milliseconds(settings.retryBackoffMs)
            } catch {
                if error.code == .closed { break }
                if errorLog.shouldLog() {
                    logger.warning("consumer poll failed; retrying", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: errorBackoff)
                errorBackoff = min(errorBackoff * 2, .milliseconds(settings.retryBackoffMaxMs))
                continue
            }
            var generations = state.generations
            var perLane = [[Taken]](repeating: [], count: lanes.count)
            if lanes.count == 1 { perLane[0].reserveCapacity(events.count) }
            var count = 0
            var newest: Int64 = 0
            for event in events {
                switch event {
                case .record(let record):
                    let lane = Int(UInt32(bitPattern: record.partition)) % lanes.count
                    perLane[lane].append(Taken(record: record, generation: generations[record.partition, default: 0]))
                    count += 1
                    newest = max(newest, record.timestampMs)
                case .assigned(let partitions):
                    logger.info("partitions assigned", metadata: ["partitions": "\(partitions.map(\.partition))"])
                case .revoked(let partitions):
                    state.revoke(partitions.map(\.partition))
                    generations = state.generations
                    logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.partition))"])
                }
            }
            if count > 0 {
                metrics.consumed.increment(by: Int64(count))
                if newest > 0 { metrics.lag.set(Double(max(0, WallClock.nowMilliseconds() - newest))) }
                state.taken(count)
                for (i, taken) in perLane.enumerated() where !taken.isEmpty { lanes[i].input.push(taken) }
            }
            metrics.inFlight.set(Double(inFlight))
            // Backpressure: follow the flow-control machine's decision. At the high-water mark,
            // first just stop polling (librdkafka keeps its bounded prefetch): a paused partition
            // is fetched again only ~0.5 s after its resume (librdkafka 2.0.2), which capped a
            // backlogged lane at ~22 k records/s. Only if the records in flight stay above the
            // low-water mark for `pauseHoldMs` (outputs really lag) is the consumer paused, so that
            // it can go on polling — serving rebalances — while its outputs are unavailable.
            var wantPaused = state.flow.withLock { $0.paused }
            if wantPaused, !consumerPaused {
                // Consumption stops (counted once, whether it ends in a consumer pause or not).
                metrics.pauses.increment()
                metrics.paused.set(1.0)
                if pauseHoldMs > 0 { wantPaused = await holdPolling() }
            }
            if wantPaused != consumerPaused {
                do {
                    if wantPaused {
                        try await consumer.pause()
                        metrics.consumerPauses.increment()
                        logger.info("consumption paused: outputs lag", metadata: ["in_flight": "\(inFlight)"])
                    } else {
                        try await consumer.resume()
                        logger.info("consumption resumed", metadata: ["in_flight": "\(inFlight)"])
                    }
                    consumerPaused = wantPaused
                    state.consumerPaused.store(consumerPaused, ordering: .relaxed)
                    metrics.consumerPaused.set(consumerPaused ? 1.0 : 0.0)
                } catch {
                    logger.warning("pause/resume failed", metadata: ["error": "\(error)"])
                }
            }
            if !consumerPaused { metrics.paused.set(0.0) }
        }
    }

    /// Stops polling until the flow-control machine resumes (returns false) or for at most
    /// `pauseHoldMs` (returns true: still paused, pause the consumer), checking every
    /// millisecond; on shutdown returns false at once (the loop ends, no pause needed).
    private func holdPolling() async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(pauseHoldMs)
        while state.flow.withLock({ $0.paused }) {
            if clock.now >= deadline { return true }
            if state.stopping.load(ordering: .acquiring) || Task.isCancelled { return false }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return false
    }

    /// Waits for in-flight records to be acknowledged, at most `drainTimeoutMs`.
    private func drain() async {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(settings.drainTimeoutMs)
        while inFlight > 0, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        if inFlight > 0 {
            logger.warning(
                "drain timed out; unacknowledged records will be redelivered", metadata: ["in_flight": "\(inFlight)"])
        }
    }

    // MARK: Lanes

    /// Scoring stage of a lane: synchronous detection over each batch, outputs to the send stage.
    private func score(_ lane: Lane) async {
        let processor = RequestProcessor(settings: settings, detection: detection, encoding: encoding)
        while let batches = await lane.input.next() {
            // One poll's records at a time, each handed to the send stage as soon as it is scored:
            // sending and acknowledging overlap the scoring of the rest, so the records in flight
            // fall steadily instead of only after everything queued (up to `maxInFlight`) is scored.
            for batch in batches {
                let snapshot = baselines.snapshot
                let now = WallClock.nowMilliseconds()
                let generations = state.generations
                var scored: [Scored] = []
                scored.reserveCapacity(batch.count)
                var dropped = 0
                var tally = ScoringTally()
                for taken in batch {
                    if generations[taken.record.partition, default: 0] != taken.generation {
                        dropped += 1
                        continue
                    }
                    let result = processor.process(taken.record, baselines: snapshot, nowMs: now)
                    count(result, into: &tally)
                    scored.append(Scored(taken: taken, outputs: result.outputs))
                }
                tally.flush(to: metrics)
                if dropped > 0 {
                    metrics.revokedDropped.increment(by: Int64(dropped))
                    state.finished(dropped)
                }
                if !scored.isEmpty { lane.output.push(scored) }
            }
        }
        lane.output.finish()
    }

    /// Counts one result: per-record latency and classes at once, the counters into `tally`
    /// (added to the metrics once per batch).
    private func count(_ result: ProcessedRecord, into tally: inout ScoringTally) {
        switch result.outcome {
        case .scored(let attack, let classes, let published, let baselineHits):
            tally.scored += 1
            metrics.scoringLatency.recordNanoseconds(result.scoringNanos)
            if attack { tally.attacks += 1 }
            for c in classes { metrics.hit(c) }
            if published { tally.verdictsPublished += 1 } else { tally.verdictsSkipped += 1 }
            tally.baselineHits += Int64(baselineHits)
        case .deadLettered(let reason):
            metrics.deadLettered.increment()
            if state.deadLetterLog.shouldLog() {
                logger.warning("record dead-lettered", metadata: ["reason": "\(reason.prefix(200))"])
            }
        }
    }

    /// Send stage of a lane: hands everything scored so far to the producer as one batch, in
    /// order, without waiting for its acknowledgements — up to `batchesInFlight` batches are in
    /// flight at once (and at most `maxInFlight` records) — while ``settle(_:producer:consumer:)`` awaits them in
    /// order, retries failed outputs and acknowledges the inputs.
    private func send(_ lane: Lane, producer: any TransportProducer, consumer: any GroupConsumer) async {
        let sent = WorkQueue<SentBatch>()
        let window = BatchWindow(limit: batchesInFlight)
        await withDiscardingTaskGroup { group in
            group.addTask { await self.settle(sent, window: window, producer: producer, consumer: consumer) }
            while let batches = await lane.output.next() {
                await window.acquire()
                var batch = SentBatch()
                // Sized once: grown by appending, each array was reallocated and copied ~10 times
                // for a poll's worth of records.
                var items = 0
                var outputs = 0
                for scored in batches {
                    items += scored.count
                    for item in scored { outputs += item.outputs.count }
                }
                batch.items.reserveCapacity(items)
                batch.outputs.reserveCapacity(outputs)
                batch.owner.reserveCapacity(outputs)
                for scored in batches {
                    for item in scored {
                        for output in item.outputs {
                            batch.outputs.append(output)
                            batch.owner.append(batch.items.count)
                        }
                        // Only where the record is, for its acknowledgement: its bytes are
                        // released with the scored batch, not held until the outputs are delivered.
                        let record = item.taken.record
                        batch.items.append(
                            ConsumedRecord(
                                topic: record.topic, partition: record.partition, offset: record.offset, key: nil,
                                value: nil, timestampMs: record.timestampMs))
                    }
                }
                batch.pending = await producer.enqueue(batch: batch.outputs)
                sent.push(batch)
            }
            sent.finish()
        }
    }

    /// Awaits each sent batch in order: retries its failed outputs until delivered (or shutdown),
    /// then acknowledges its inputs — per partition only the last record, which stores the same
    /// offset as acknowledging each in turn. A partition stops at its first record with
    /// undelivered outputs (acknowledging a later one would commit past it), for the rest of the run.
    private func settle(
        _ sent: WorkQueue<SentBatch>, window: BatchWindow, producer: any TransportProducer,
        consumer: any GroupConsumer
    ) async {
        let errorLog = RateLimitedLog(interval: .seconds(10))
        var blocked: Set<Int32> = []
        while let batches = await sent.next() {
            for batch in batches {
                let pending = await deliver(batch, producer: producer, errorLog: errorLog)
                var undelivered = Set(pending.map { batch.owner[$0] })
                // Per partition: its last record to acknowledge and how many records it stands
                // for. A batch holds a few partitions' records: a short list searched in turn, by
                // index (no record copied, no hashing per record).
                var last = SettleList()
                for i in batch.items.indices {
                    let partition = batch.items[i].partition
                    if !blocked.isEmpty, blocked.contains(partition) { continue }
                    if !undelivered.isEmpty, undelivered.remove(i) != nil {
                        blocked.insert(partition)
                        continue
                    }
                    last.note(partition: partition, index: i)
                }
                for entry in last.entries where !blocked.contains(entry.partition) {
                    do {
                        try consumer.acknowledge(batch.items[entry.index])
                        metrics.acknowledged.increment(by: Int64(entry.count))
                    } catch {
                        metrics.acknowledgeFailed.increment(by: Int64(entry.count))
                        if error.code != .notAssigned, errorLog.shouldLog() {
                            logger.warning("acknowledge failed", metadata: ["error": "\(error)"])
                        }
                    }
                }
                state.finished(batch.items.count)
                window.release()
            }
        }
    }

    /// The batch's results; failed outputs are sent again with backoff until delivered or the
    /// task is cancelled (shutdown after the drain timeout). Returns the indices still undelivered.
    private func deliver(_ batch: SentBatch, producer: any TransportProducer, errorLog: RateLimitedLog) async -> [Int] {
        var results = await batch.pending.results()
        var pending = Array(batch.outputs.indices)
        var backoff = Duration.milliseconds(settings.retryBackoffMs)
        while true {
            var failed: [Int] = []
            var lastError: TransportError?
            // Delivered outputs per topic (a batch has two or three topics: one metric update each).
            var delivered: [(topic: String, count: Int64)] = []
            for (index, result) in zip(pending, results) {
                switch result {
                case .success:
                    let topic = batch.outputs[index].topic
                    if let i = delivered.firstIndex(where: { $0.topic == topic }) {
                        delivered[i].count += 1
                    } else {
                        delivered.append((topic, 1))
                    }
                case .failure(let error):
                    failed.append(index)
                    lastError = error
                }
            }
            for (topic, count) in delivered { metrics.produced[topic]?.increment(by: count) }
            pending = failed
            guard !failed.isEmpty else { return [] }
            metrics.produceErrors.increment(by: Int64(failed.count))
            if errorLog.shouldLog() {
                logger.warning(
                    "outputs not delivered; retrying (consumption pauses while they wait)",
                    metadata: ["failed": "\(failed.count)", "error": "\(lastError.map { "\($0)" } ?? "")"])
            }
            // Give up only on shutdown (after the drain timeout): the inputs stay
            // unacknowledged and are redelivered.
            if Task.isCancelled { return pending }
            do { try await Task.sleep(for: backoff) } catch { return pending }
            backoff = min(backoff * 2, .milliseconds(settings.retryBackoffMaxMs))
            metrics.produceRetries.increment()
            results = await producer.send(batch: pending.map { batch.outputs[$0] })
        }
    }

    // MARK: Consumer lag

    /// Samples the consumer's lag (high watermark − acknowledged position, summed over the
    /// assigned partitions) every second into `palisade_worker_consumer_lag`.
    private func followLag(_ consumer: any GroupConsumer) async {
        while !state.stopping.load(ordering: .acquiring), !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(1)) } catch { return }
            guard let lags = try? await consumer.lag() else { continue }
            let total = lags.reduce(0) { $0 + $1.lag }
            state.consumerLag.store(total, ordering: .relaxed)
            metrics.consumerLag.set(Double(total))
            metrics.assignedPartitions.set(Double(lags.count))
        }
    }

    // MARK: Baselines

    /// Reads `palisade.baselines` from the beginning (bounded by `baselineCatchUpTimeoutMs`).
    /// Returns the reader to follow changes with, or nil if the read failed (retried later).
    private func startBaselines() async -> (any CompactedTopicReader)? {
        do {
            let reader = try transport.makeCompactedReader(topic: settings.topic(.baselines))
            do {
                let view = try await reader.catchUp(timeout: .milliseconds(settings.baselineCatchUpTimeoutMs))
                for (key, value) in view { applyBaseline(key: key, value: value) }
                logger.info("baselines loaded", metadata: ["endpoints": "\(baselines.count)"])
                return reader
            } catch {
                await reader.close()
                throw error
            }
        } catch {
            logger.warning(
                "could not read palisade.baselines; scoring without baselines until it can",
                metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func followBaselines(_ initial: (any CompactedTopicReader)?) async {
        guard settings.baselinesEnabled else { return }
        var reader = initial
        var backoff = Duration.milliseconds(settings.retryBackoffMs)
        while !state.stopping.load(ordering: .acquiring), !Task.isCancelled {
            guard let current = reader else {
                do { try await Task.sleep(for: backoff) } catch { return }
                backoff = min(backoff * 2, .seconds(30))
                reader = await startBaselines()
                continue
            }
            do {
                let records = try await current.poll(maxRecords: 1_000, timeout: .milliseconds(200))
                for record in records { applyBaseline(key: record.key, value: record.value) }
            } catch {
                if error.code == .closed { return }
                logger.warning("baseline poll failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: backoff)
            }
        }
        if initial == nil { await reader?.close() }
    }

    private func applyBaseline(key: [UInt8]?, value: [UInt8]?) {
        do {
            try baselines.apply(key: key, value: value)
            metrics.baselineUpdates.increment()
            metrics.baselines.set(Double(baselines.count))
        } catch {
            metrics.baselineErrors.increment()
            logger.warning("unreadable baseline record", metadata: ["error": "\(error)"])
        }
    }
}

/// Counters of one scored batch, added to the metrics together.
struct ScoringTally {
    var scored: Int64 = 0
    var attacks: Int64 = 0
    var verdictsPublished: Int64 = 0
    var verdictsSkipped: Int64 = 0
    var baselineHits: Int64 = 0

    func flush(to metrics: WorkerMetrics) {
        if scored > 0 { metrics.scored.increment(by: scored) }
        if attacks > 0 { metrics.attacks.increment(by: attacks) }
        if verdictsPublished > 0 { metrics.verdictsPublished.increment(by: verdictsPublished) }
        if verdictsSkipped > 0 { metrics.verdictsSkipped.increment(by: verdictsSkipped) }
        if baselineHits > 0 { metrics.baselineHits.increment(by: baselineHits) }
    }
}

/// A worker's counters at one moment.
public struct WorkerStats: Sendable, Equatable {
    public var consumed: Int64
    public var scored: Int64
    public var acknowledged: Int64
    public var deadLettered: Int64
    public var produceErrors: Int64
    /// Times the in-flight limit stopped consumption (holds; `palisade_worker_pauses_total`).
    public var pauses: Int64
    /// Times the consumer's partitions were really paused (`palisade_worker_consumer_pauses_total`).
    public var consumerPauses: Int64
    /// Queued records of revoked partitions left to their new owner (a rebalance took partitions away).
    public var revokedDropped: Int64
    /// Acknowledgements refused because the partition had moved away.
    public var acknowledgeFailed: Int64
    public var inFlight: Int
}

/// A record taken from the consumer, with its partition's revocation generation at that time.
struct Taken: Sendable {
    var record: ConsumedRecord
    var generation: UInt64
}

/// Bounds the batches a lane has handed to the producer and not yet settled: the send stage
/// acquires a slot per batch, the settling task releases it. One waiter (the send stage); a
/// cancelled wait returns at once (shutdown).
final class BatchWindow: Sendable {
    private struct State {
        var open = 0
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    let limit: Int

    init(limit: Int) { self.limit = max(1, limit) }

    func acquire() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let go = state.withLock { state -> Bool in
                    if state.open < limit || Task.isCancelled {
                        state.open += 1
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if go { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                if state.waiter != nil { state.open += 1 }
                return state.waiter
            }
            waiter?.resume()
        }
    }

    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter  // the slot passes to the waiter
            }
            state.open -= 1
            return nil
        }
        waiter?.resume()
    }
}

/// A lane's batch handed to the producer: the inputs, their outputs (`owner[i]` = the input of
/// output `i`) and the pending acknowledgements.
struct SentBatch: Sendable {
    var items: [ConsumedRecord] = []
    var outputs: [OutgoingRecord] = []
    var owner: [Int] = []
    var pending = PendingBatch(results: [])
}

/// Per partition of a settled batch: the index of its last record and how many records it
/// stands for, in order of first appearance.
struct SettleList {
    private(set) var entries: [(partition: Int32, index: Int, count: Int)] = []
    /// The entry of the partition seen last: records of one partition tend to come together.
    private var recent = 0

    mutating func note(partition: Int32, index: Int) {
        let found =
            recent < entries.count && entries[recent].partition == partition
            ? recent : entries.firstIndex { $0.partition == partition }
        guard let slot = found else {
            recent = entries.count
            entries.append((partition, index, 1))
            return
        }
        entries[slot].index = index
        entries[slot].count += 1
        recent = slot
    }
}

/// A scored record and the outputs to publish for it.
struct Scored: Sendable {
    var taken: Taken
    var outputs: [OutgoingRecord]
}

/// One scoring task and its send stage.
final class Lane: Sendable {
    let input = WorkQueue<[Taken]>()
    let output = WorkQueue<[Scored]>()
}

/// State shared by the poll loop and the lanes during one run.
final class RunState: Sendable {
    let flow: Mutex<FlowControl>
    let stopping = Atomic<Bool>(false)
    let ready = Atomic<Bool>(false)
    /// The consumer's partitions are paused (set by the poll loop after the transport paused them).
    let consumerPaused = Atomic<Bool>(false)
    /// The last lag sample (-1 before the first).
    let consumerLag = Atomic<Int64>(-1)
    /// Per partition: bumped on every revocation; records taken before are not processed.
    private let revocations = Mutex<[Int32: UInt64]>([:])
    let deadLetterLog = RateLimitedLog(interval: .seconds(10))

    init(maxInFlight: Int) {
        flow = Mutex(FlowControl(maxInFlight: maxInFlight))
    }

    func taken(_ count: Int) { _ = flow.withLock { $0.taken(count) } }
    func finished(_ count: Int) { _ = flow.withLock { $0.finished(count) } }

    /// Every partition's generation now (one lock per scored batch instead of one per record).
    var generations: [Int32: UInt64] { revocations.withLock { $0 } }

    func revoke(_ partitions: [Int32]) {
        revocations.withLock { g in for p in partitions { g[p, default: 0] += 1 } }
    }
}

/// Logs at most once per interval (the rest is counted in metrics).
final class RateLimitedLog: Sendable {
    private let last = Mutex<ContinuousClock.Instant?>(nil)
    private let interval: Duration

    init(interval: Duration) { self.interval = interval }

    func shouldLog() -> Bool {
        let now = ContinuousClock.now
        return last.withLock { last in
            if let previous = last, now - previous < interval { return false }
            last = now
            return true
        }
    }
}
