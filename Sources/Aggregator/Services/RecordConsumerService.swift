import Logging
import PalisadeLearn
import PalisadeTransport
import ServiceLifecycle

/// Consumes `palisade.verdicts` and `palisade.observations` as one member of the group
/// `palisade-aggregators`, acknowledging a record only once what it changed is in SQLite:
///
/// - verdicts: each polled batch is judged and written in one transaction, then acknowledged;
///   a failed write is retried (with backoff) before anything is acknowledged;
/// - observations: learned into the catalog at once, acknowledged when the next catalog snapshot
///   holding them is written (every `catalogFlushIntervalMs` or `catalogFlushObservations`, and
///   at shutdown).
///
/// Malformed records are counted, logged once per interval, and acknowledged in order with the
/// rest (they would never decode better). Duplicates (redeliveries) are skipped by request id.
struct RecordConsumerService: Service {
    let core: AggregatorCore
    let consumer: any GroupConsumer
    let codecs: AggregatorCodecs
    let config: AggregatorConfiguration
    let clock: MillisClock
    let logger: Logger
    let malformedLog = RateLimitedLog()
    let errorLog = RateLimitedLog()

    func run() async throws {
        let verdictTopic = config.topic(.verdicts)
        var held = HeldOffsets()
        var heldSince = ContinuousClock.now
        let interval = Duration.milliseconds(config.catalogFlushIntervalMs)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let timeout = held.isEmpty ? config.pollTimeoutMs : min(config.pollTimeoutMs, config.catalogFlushIntervalMs)
            let events: [ConsumerEvent]
            do {
                events = try await consumer.poll(maxRecords: config.pollMaxRecords, timeout: .milliseconds(timeout))
            } catch {
                if error.code == .closed { break }
                if let skipped = errorLog.shouldLog() {
                    logger.warning("poll failed", metadata: ["error": "\(error)", "unlogged": "\(skipped)"])
                }
                try? await Task.sleep(for: .milliseconds(500))
                continue
            }
            var verdictRecords: [ConsumedRecord] = []
            var verdicts: [VerdictRecord] = []
            var observations: [EndpointObservation] = []
            for event in events {
                guard case .record(let record) = event else { continue }
                if record.topic == verdictTopic {
                    verdictRecords.append(record)
                    if let value = decode(record, codecs.verdicts.decode) { verdicts.append(value) }
                } else {
                    if held.isEmpty { heldSince = .now }
                    held.add(record)
                    if let value = decode(record, codecs.observations.decode) { observations.append(value) }
                }
            }
            if !observations.isEmpty { await core.learn(observations) }
            if !verdictRecords.isEmpty {
                guard await persist(verdicts) else { break }
                acknowledge(verdictRecords)
            }
            if !held.isEmpty,
                held.records >= config.catalogFlushObservations || ContinuousClock.now - heldSince >= interval
            {
                if await flush(&held) == false { try? await Task.sleep(for: .milliseconds(500)) }
            }
        }
        if !held.isEmpty { _ = await flush(&held) }
        await consumer.close()
    }

    private func decode<Value>(_ record: ConsumedRecord, _ decode: ([UInt8]) throws -> Value) -> Value? {
        do {
            guard let bytes = record.value else { throw MalformedRecord(reason: "tombstone (no value)") }
            return try decode(bytes)
        } catch {
            core.metrics.malformed.increment()
            if let skipped = malformedLog.shouldLog() {
                logger.info(
                    "skipped a malformed record",
                    metadata: [
                        "topic": "\(record.topic)", "partition": "\(record.partition)", "offset": "\(record.offset)",
                        "error": "\(error)", "unlogged": "\(skipped)",
                    ])
            }
            return nil
        }
    }

    private func acknowledge(_ records: [ConsumedRecord]) {
        for record in records {
            do { try consumer.acknowledge(record) } catch {
                logger.debug("acknowledgement refused (partition moved)", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Absorbs the batch; on a write failure retries until it is durable. False when cancelled
    /// before that (the batch is then not acknowledged and will be redelivered).
    private func persist(_ records: [VerdictRecord]) async -> Bool {
        do {
            try await core.absorb(records)
            return true
        } catch {
            logger.error("storing verdicts failed; retrying", metadata: ["error": "\(error)"])
        }
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled {
            try? await Task.sleep(for: backoff)
            do {
                try await core.retryPendingWrite()
                return true
            } catch {
                backoff = min(backoff * 2, .seconds(5))
                if let skipped = errorLog.shouldLog() {
                    logger.error(
                        "storing verdicts still fails", metadata: ["error": "\(error)", "unlogged": "\(skipped)"])
                }
            }
        }
        return false
    }

    private func flush(_ held: inout HeldOffsets) async -> Bool {
        do {
            try await core.flushCatalog(now: clock())
        } catch {
            if let skipped = errorLog.shouldLog() {
                logger.error("storing the catalog failed", metadata: ["error": "\(error)", "unlogged": "\(skipped)"])
            }
            return false
        }
        acknowledge(held.latest)
        held = HeldOffsets()
        return true
    }
}

/// Observation records learned but not yet acknowledged: only the latest per partition is kept
/// (acknowledging it commits everything before it), without key or value, so memory stays bounded
/// by the partition count whatever the throughput between two catalog snapshots.
struct HeldOffsets {
    private var byPartition: [TopicPartition: ConsumedRecord] = [:]
    private(set) var records = 0

    var isEmpty: Bool { records == 0 }

    mutating func add(_ record: ConsumedRecord) {
        var stripped = record
        stripped.key = nil
        stripped.value = nil
        if let held = byPartition[record.topicPartition], held.offset > record.offset { return }
        byPartition[record.topicPartition] = stripped
        records += 1
    }

    var latest: [ConsumedRecord] { byPartition.values.sorted { $0.topicPartition < $1.topicPartition } }
}

struct MalformedRecord: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}
