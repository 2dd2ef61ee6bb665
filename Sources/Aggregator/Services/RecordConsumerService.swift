import Logging
import PalisadeLearn
import PalisadePolicy
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
/// With a ``Handover`` (Kafka: several aggregators share the partitions), each verdict batch
/// also goes to the state changelog with the decisions it made, and each catalog flush's trees
/// with an offset checkpoint, acknowledged before the records are; a partition assigned to this
/// member first takes over its state from the changelog (behaviour events of a verdict
/// partition, trees of an observation partition), and a revoked observation partition's trees
/// leave the catalog (``StateChangelog``).
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
    var handover: Handover? = nil
    let malformedLog = RateLimitedLog()
    let errorLog = RateLimitedLog()

    /// The state changelog's producer and reader (``StateChangelog``).
    struct Handover: Sendable {
        let producer: any TransportProducer
        let makeReader: @Sendable () throws -> any CompactedTopicReader
    }

    func run() async throws {
        let verdictTopic = config.topic(.verdicts)
        var held = HeldOffsets()
        var heldSince = ContinuousClock.now
        let interval = Duration.milliseconds(config.catalogFlushIntervalMs)
        // observation partitions owned, and the partition each host+method tree was learned from
        var ownedObservations: Set<Int32> = []
        var treePartitions: [EndpointCatalog.HostMethod: Int32] = [:]
        // observation records up to these offsets were learned by the previous owner
        var learnedUpTo: [Int32: Int64] = [:]
        var changelog =
            handover == nil
            ? nil
            : StateChangelog(
                topic: config.topic(.aggregatorState), epoch: core.epoch,
                spanMs: Int64(config.stateChangelogSpanSecs) * 1_000)
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
            var verdictSources: [ConsumedRecord] = []
            var observations: [EndpointObservation] = []
            var assigned: [Int32] = []
            var assignedObservations: [Int32] = []
            // assignment changes first: a partition's records follow its assignment
            for event in events {
                switch event {
                case .assigned(let partitions):
                    assigned += partitions.filter { $0.topic == verdictTopic }.map(\.partition)
                    assignedObservations += partitions.filter { $0.topic != verdictTopic }.map(\.partition)
                case .revoked(let partitions):
                    changelog?.forget(partitions.filter { $0.topic == verdictTopic }.map(\.partition))
                    let revoked = Set(partitions.filter { $0.topic != verdictTopic }.map(\.partition))
                    guard handover != nil, !revoked.isEmpty else { continue }
                    ownedObservations.subtract(revoked)
                    for partition in revoked { learnedUpTo[partition] = nil }
                    let moved = treePartitions.filter { revoked.contains($0.value) }.map(\.key)
                    for tree in moved { treePartitions[tree] = nil }
                    await core.dropTrees(moved.sorted())
                case .record: break
                }
            }
            if !assigned.isEmpty || !assignedObservations.isEmpty, let handover, var log = changelog {
                ownedObservations.formUnion(assignedObservations)
                let taken = await takeOver(
                    verdicts: assigned, observations: assignedObservations, changelog: &log, handover: handover)
                for (tree, partition) in taken.trees { treePartitions[tree] = partition }
                learnedUpTo.merge(taken.learnedUpTo) { max($0, $1) }
                changelog = log
            }
            for case .record(let record) in events {
                if record.topic == verdictTopic {
                    verdictRecords.append(record)
                    if let value = decode(record, codecs.verdicts.decode) {
                        verdicts.append(value)
                        verdictSources.append(record)
                    }
                    continue
                }
                if held.isEmpty { heldSince = .now }
                held.add(record)
                // learned by the previous owner (in the adopted trees): acknowledged with the rest
                if let upTo = learnedUpTo[record.partition], record.offset <= upTo { continue }
                if let value = decode(record, codecs.observations.decode) {
                    observations.append(value)
                    if handover != nil {
                        treePartitions[.init(host: value.endpoint.host, method: value.endpoint.method)] =
                            record.partition
                    }
                }
            }
            if !observations.isEmpty { await core.learn(observations) }
            if !verdictRecords.isEmpty {
                guard let absorbed = await persist(verdicts) else { break }
                if let handover, var log = changelog {
                    let fresh = absorbed.fresh.map {
                        (
                            partition: verdictSources[$0.index].partition, offset: verdictSources[$0.index].offset,
                            event: $0.event
                        )
                    }
                    var out = log.records(for: fresh, now: clock())
                    changelog = log
                    let decisionsTopic = config.topic(.decisions)
                    out += absorbed.upserts.map {
                        OutgoingRecord(topic: decisionsTopic, key: $0.key, value: codecs.decisions.encode($0))
                    }
                    guard await send(out, with: handover.producer) else { break }
                }
                acknowledge(verdictRecords)
            }
            if !held.isEmpty,
                held.records >= config.catalogFlushObservations || ContinuousClock.now - heldSince >= interval
            {
                let written = await flush(&held, changelog: changelog, trees: treePartitions, owned: ownedObservations)
                if written == false { try? await Task.sleep(for: .milliseconds(500)) }
            }
        }
        if !held.isEmpty {
            _ = await flush(&held, changelog: changelog, trees: treePartitions, owned: ownedObservations)
        }
        await consumer.close()
        if let handover { await handover.producer.shutdown(timeout: .seconds(5)) }
    }

    /// Takes over the state of partitions just assigned, before any of their records is
    /// processed: reads the changelog to its end, replays the verdict partitions' events not seen
    /// here, adopts the observation partitions' host+method trees. Tried three times; after that
    /// the partitions' state starts here (logged). Returns the trees adopted, with their partition.
    private func takeOver(
        verdicts: [Int32], observations: [Int32], changelog: inout StateChangelog, handover: Handover
    ) async -> (trees: [(EndpointCatalog.HostMethod, Int32)], learnedUpTo: [Int32: Int64]) {
        for attempt in 1...3 {
            do {
                let reader = try handover.makeReader()
                let view: [[UInt8]: [UInt8]]
                do {
                    view = try await reader.catchUp(timeout: .milliseconds(config.stateRestoreTimeoutMs))
                } catch {
                    await reader.close()
                    throw error
                }
                await reader.close()
                let (events, damaged) = changelog.restore(from: view, partitions: Set(verdicts))
                let replayed = try await core.replay(events, since: clock() - changelog.spanMs)
                var adopted: [(EndpointCatalog.HostMethod, Int32)] = []
                var damagedTrees = 0
                let trees = StateChangelog.trees(in: view, partitions: Set(observations))
                for (partition, parts) in Dictionary(grouping: trees, by: \.partition) {
                    let result = await core.adoptTrees(parts.map(\.part))
                    adopted += result.adopted.map { ($0, partition) }
                    damagedTrees += result.damaged
                }
                logger.info(
                    "state of assigned partitions taken over",
                    metadata: [
                        "verdict_partitions": "\(verdicts.sorted())", "events": "\(events.count)",
                        "replayed": "\(replayed)", "damaged_records": "\(damaged + damagedTrees)",
                        "observation_partitions": "\(observations.sorted())", "trees": "\(adopted.count)",
                    ])
                return (adopted, StateChangelog.checkpoints(in: view, partitions: Set(observations)))
            } catch {
                logger.warning(
                    "reading the state changelog failed",
                    metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(500 * attempt))
            }
        }
        logger.error(
            "the state of assigned partitions could not be taken over; it starts here",
            metadata: [
                "verdict_partitions": "\(verdicts.sorted())", "observation_partitions": "\(observations.sorted())",
            ])
        return ([], [:])
    }

    /// Sends until every record is acknowledged (failed ones again, with backoff). False when
    /// cancelled before that: the verdicts are then not acknowledged (redelivered).
    private func send(_ records: [OutgoingRecord], with producer: any TransportProducer) async -> Bool {
        var pending = records
        var backoff = Duration.milliseconds(100)
        while !pending.isEmpty {
            let results = await producer.send(batch: pending)
            let (failed, firstError) = failures(of: pending, results)
            pending = failed
            guard !pending.isEmpty else { return true }
            if let skipped = errorLog.shouldLog() {
                logger.warning(
                    "state changelog not written yet; retrying",
                    metadata: [
                        "failed": "\(failed.count)", "error": "\(firstError.map { "\($0)" } ?? "")",
                        "unlogged": "\(skipped)",
                    ])
            }
            if Task.isCancelled { return false }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
        return true
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

    /// Absorbs the batch; on a write failure retries until it is durable. Nil when cancelled
    /// before that (the batch is then not acknowledged and will be redelivered).
    private func persist(_ records: [VerdictRecord]) async -> AggregatorCore.Absorbed? {
        var backoff = Duration.milliseconds(100)
        var absorbed: AggregatorCore.Absorbed?
        while !Task.isCancelled {
            do {
                if absorbed == nil {
                    let result = try await core.absorbDetailed(records)
                    guard let error = result.writeError else { return result }
                    absorbed = result
                    logger.error("storing verdicts failed; retrying", metadata: ["error": "\(error)"])
                } else {
                    try await core.retryPendingWrite()
                    return absorbed
                }
            } catch {
                if let skipped = errorLog.shouldLog() {
                    logger.error(
                        "storing verdicts still fails", metadata: ["error": "\(error)", "unlogged": "\(skipped)"])
                }
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
        return nil
    }

    /// Writes the catalog, then acknowledges the observations it holds. With a changelog, the
    /// trees it rewrites and the partitions' checkpoints go there first (so the changelog is never
    /// behind SQLite: a crash in between leaves it ahead, and the next owner — this one too after
    /// a restart — adopts it and skips what it holds).
    private func flush(
        _ held: inout HeldOffsets, changelog: StateChangelog?, trees: [EndpointCatalog.HostMethod: Int32],
        owned: Set<Int32>
    ) async -> Bool {
        var parts: [(tree: EndpointCatalog.HostMethod, part: String?)] = []
        if let changelog, let handover {
            parts = await core.catalogParts()
            let written = changelog.treeRecords(parts, partitionOf: trees, owned: owned)
            var offsets: [Int32: Int64] = [:]
            for record in held.latest where owned.contains(record.partition) {
                offsets[record.partition] = record.offset
            }
            if written.tooLarge > 0 {
                logger.warning(
                    "host+method trees too large for the state changelog stay local",
                    metadata: ["trees": "\(written.tooLarge)", "max_bytes": "\(StateChangelog.maxTreeBytes)"])
            }
            guard await send(written.records + changelog.checkpointRecords(offsets), with: handover.producer) else {
                return false
            }
        }
        do {
            try await core.flushCatalog(now: clock(), parts: parts)
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
