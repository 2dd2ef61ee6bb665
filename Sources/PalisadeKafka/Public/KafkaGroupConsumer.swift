import CRdKafka
import Logging
import PalisadeTransport
import Synchronization

/// A member of a Kafka consumer group (cooperative-sticky). At-least-once: offsets are stored
/// only by ``acknowledge(_:)`` (`enable.auto.offset.store=false`) and committed from the store
/// periodically, on revocation and on close; unacknowledged records go to the next owner.
///
/// Every blocking librdkafka call runs on the consumer's own dispatch queue. Poll regularly
/// (also while paused): polling serves rebalances and keeps the membership alive.
public final class KafkaGroupConsumer: GroupConsumer {
    private let client: RDKafkaClient
    private let rebalance: RebalanceHandler
    private let pollExecutor: BlockingExecutor
    private let commitExecutor: BlockingExecutor
    private let closed = Atomic<Bool>(false)
    private let logger: Logger
    private let closeCommitTimeoutMs: Int
    /// Per partition: last acknowledged offset + 1 (for ``lag()``); dropped on revocation.
    private let acknowledged = Mutex<[TopicPartition: Int64]>([:])
    public let group: String

    public init(configuration: KafkaConfiguration, group: String, topics: [String], logger: Logger)
        throws(TransportError)
    {
        let rebalance = RebalanceHandler(logger: logger)
        self.rebalance = rebalance
        self.logger = logger
        self.group = group
        closeCommitTimeoutMs = configuration.consumer.closeCommitTimeoutMs
        client = try RDKafkaClient(
            kind: .consumer, properties: configuration.groupConsumerProperties(group: group),
            context: RDKafkaContext(logger: logger, rebalance: rebalance))
        pollExecutor = BlockingExecutor(label: "palisade.kafka.consumer.poll")
        commitExecutor = BlockingExecutor(label: "palisade.kafka.consumer.commit")
        rd_kafka_poll_set_consumer(client.handle)
        let list = RDKafkaPartitionList.make(topics.map { (TopicPartition($0, -1), nil) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_subscribe(client.handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            client.destroy()
            throw .rdKafka(err, "subscribe to \(topics)")
        }
    }

    public func poll(maxRecords: Int, timeout: Duration) async throws(TransportError) -> [ConsumerEvent] {
        guard !closed.load(ordering: .acquiring) else { throw TransportError(.closed, "consumer is closed") }
        let client = client
        let rebalance = rebalance
        let logger = logger
        let limit = max(1, maxRecords)
        let timeoutMs = timeout.clampedMilliseconds
        let events = await pollExecutor.run {
            guard !client.isDestroyed else { return [ConsumerEvent]() }
            var events: [ConsumerEvent] = []
            events.reserveCapacity(min(limit, 1_024))
            var names = TopicNames()
            var records = 0
            let clock = ContinuousClock()
            let deadline = clock.now + .milliseconds(timeoutMs)
            while records < limit {
                // Wait for the first event; after that, drain what is already there.
                let wait: Int32 = events.isEmpty ? max(0, (deadline - clock.now).clampedMilliseconds) : 0
                let message = rd_kafka_consumer_poll(client.handle, wait)
                if rebalance.hasEvents { events.append(contentsOf: rebalance.takeEvents()) }
                guard let message else {
                    if events.isEmpty && clock.now < deadline { continue }
                    break
                }
                defer { rd_kafka_message_destroy(message) }
                if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    events.append(.record(RDKafkaMessage.record(message, names: &names)))
                    records += 1
                } else if message.pointee.err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    logger.info(
                        "consumer error",
                        metadata: ["error": "\(TransportError.rdKafka(message.pointee.err, "consume"))"])
                }
            }
            return events
        }
        for case .revoked(let partitions) in events {
            acknowledged.withLock { acknowledged in
                for tp in partitions { acknowledged[tp] = nil }
            }
        }
        return events
    }

    public func acknowledge(_ record: ConsumedRecord) throws(TransportError) {
        guard !closed.load(ordering: .acquiring) else { throw TransportError(.closed, "consumer is closed") }
        let list = RDKafkaPartitionList.make([(record.topicPartition, record.offset + 1)])
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_offsets_store(client.handle, list)
        let partitionErr = RDKafkaPartitionList.errors(list).first?.1 ?? RD_KAFKA_RESP_ERR_NO_ERROR
        if err == RD_KAFKA_RESP_ERR__STATE || partitionErr == RD_KAFKA_RESP_ERR__STATE {
            throw TransportError(.notAssigned, "\(record.topicPartition) is no longer assigned to this member")
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rdKafka(err, "store offset of \(record.topicPartition)") }
        if partitionErr != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw .rdKafka(partitionErr, "store offset of \(record.topicPartition)")
        }
        acknowledged.withLock { $0[record.topicPartition] = max($0[record.topicPartition] ?? 0, record.offset + 1) }
    }

    public func commit() async throws(TransportError) {
        let client = client
        let err = await commitExecutor.run { rd_kafka_commit(client.handle, nil, 0) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET {
            throw .rdKafka(err, "commit")
        }
    }

    public func pause() async throws(TransportError) {
        try await setPaused(true)
    }

    public func resume() async throws(TransportError) {
        try await setPaused(false)
    }

    private func setPaused(_ paused: Bool) async throws(TransportError) {
        let client = client
        let rebalance = rebalance
        // On the poll queue, so that no rebalance runs between reading and pausing the assignment.
        let err = await pollExecutor.run { () -> rd_kafka_resp_err_t in
            rebalance.setPaused(paused)
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>? = nil
            let err = rd_kafka_assignment(client.handle, &list)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return err }
            defer { rd_kafka_topic_partition_list_destroy(list) }
            return paused
                ? rd_kafka_pause_partitions(client.handle, list) : rd_kafka_resume_partitions(client.handle, list)
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rdKafka(err, paused ? "pause" : "resume") }
    }

    public func assignment() async throws(TransportError) -> Set<TopicPartition> {
        rebalance.assigned
    }

    /// Lag of every assigned partition: the acknowledged position (else the committed offset,
    /// else the low watermark) against the high watermark librdkafka cached from its last fetch
    /// (queried from the broker, up to 1 s, only where none is cached). Runs on the commit queue,
    /// never on the poll queue, so a slow broker does not delay polling.
    public func lag() async throws(TransportError) -> [PartitionLag] {
        guard !closed.load(ordering: .acquiring) else { throw TransportError(.closed, "consumer is closed") }
        let assigned = rebalance.assigned.sorted()
        guard !assigned.isEmpty else { return [] }
        let client = client
        let known = acknowledged.withLock { $0 }
        let timeoutMs: Int32 = 1_000
        return await commitExecutor.run {
            // close() waits for this queue before destroying the handle.
            guard !self.closed.load(ordering: .acquiring), !client.isDestroyed else { return [] }
            var committed: [TopicPartition: Int64] = [:]
            let missing = assigned.filter { known[$0] == nil }
            if !missing.isEmpty {
                let list = RDKafkaPartitionList.make(missing.map { ($0, nil) })
                defer { rd_kafka_topic_partition_list_destroy(list) }
                if rd_kafka_committed(client.handle, list, timeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR {
                    for i in 0..<Int(list.pointee.cnt) {
                        let element = list.pointee.elems[i]
                        guard element.err == RD_KAFKA_RESP_ERR_NO_ERROR, element.offset >= 0 else { continue }
                        committed[TopicPartition(String(cString: element.topic), element.partition)] = element.offset
                    }
                }
            }
            var lags: [PartitionLag] = []
            for tp in assigned {
                var low: Int64 = -1
                var high: Int64 = -1
                var err = rd_kafka_get_watermark_offsets(client.handle, tp.topic, tp.partition, &low, &high)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR || high < 0 {
                    err = rd_kafka_query_watermark_offsets(
                        client.handle, tp.topic, tp.partition, &low, &high, timeoutMs)
                }
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { continue }
                let position = known[tp] ?? committed[tp] ?? max(0, low)
                lags.append(PartitionLag(topicPartition: tp, position: position, highWatermark: high))
            }
            return lags
        }
    }

    /// Leaves the group: commits acknowledged offsets, revokes and destroys the handle.
    ///
    /// A commit refused because the group is rebalancing (another member just joined or left)
    /// is retried while serving the rebalance, for up to `closeCommitTimeoutMs`; records fetched
    /// meanwhile are dropped unacknowledged (their next owner gets them).
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await commitExecutor.run {}  // a lag() or commit() already queued finishes first
        let client = client
        let logger = logger
        let budget = closeCommitTimeoutMs
        await pollExecutor.run {
            let clock = ContinuousClock()
            let deadline = clock.now + .milliseconds(budget)
            while true {
                let err = rd_kafka_commit(client.handle, nil, 0)
                if err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET { break }
                let rejoining =
                    err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION || err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID
                guard RDKafkaErrors.isRetriable(err) || rejoining, clock.now < deadline else {
                    logger.info(
                        "commit on close failed", metadata: ["error": "\(TransportError.rdKafka(err, "commit"))"])
                    break
                }
                if let message = rd_kafka_consumer_poll(client.handle, 100) { rd_kafka_message_destroy(message) }
            }
            let err = rd_kafka_consumer_close(client.handle)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.info("consumer close", metadata: ["error": "\(TransportError.rdKafka(err, "close"))"])
            }
            client.destroy()
        }
    }
}
