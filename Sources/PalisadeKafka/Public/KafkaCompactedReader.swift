import CRdKafka
import Logging
import PalisadeTransport
import Synchronization

/// Reads every partition of a compacted topic (baselines, decisions) from the beginning, without
/// a consumer group and without committing. ``catchUp(timeout:)`` folds the topic into the
/// latest value per key (Kafka compacts lazily, so the fold also removes what compaction has not
/// yet); ``poll(maxRecords:timeout:)`` then follows new records.
public final class KafkaCompactedReader: CompactedTopicReader {
    private let client: RDKafkaClient
    private let executor: BlockingExecutor
    private let topic: String
    private let logger: Logger
    private let assigned = Mutex<[Int32]?>(nil)
    private let closed = Atomic<Bool>(false)

    public init(configuration: KafkaConfiguration, topic: String, logger: Logger) throws(TransportError) {
        self.topic = topic
        self.logger = logger
        client = try RDKafkaClient(
            kind: .consumer, properties: configuration.readerProperties, context: RDKafkaContext(logger: logger))
        executor = BlockingExecutor(label: "palisade.kafka.reader")
    }

    /// Assigns all partitions from the beginning (once) and returns them.
    private static func assignAll(client: RDKafkaClient, topic: String, timeoutMs: Int32) -> Result<
        [Int32], TransportError
    > {
        let handle: OpaquePointer
        do {
            handle = try client.topic(topic)
        } catch {
            return .failure(error)
        }
        var metadata: UnsafePointer<rd_kafka_metadata>? = nil
        let err = rd_kafka_metadata(client.handle, 0, handle, &metadata, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            return .failure(.rdKafka(err, "metadata of \(topic)"))
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        guard metadata.pointee.topic_cnt >= 1 else {
            return .failure(TransportError(.unknownTopic, "topic \(topic) does not exist"))
        }
        let t = metadata.pointee.topics[0]
        if t.err != RD_KAFKA_RESP_ERR_NO_ERROR { return .failure(.rdKafka(t.err, "metadata of \(topic)")) }
        let partitions = (0..<Int(t.partition_cnt)).map { t.partitions[$0].id }.sorted()
        let list = RDKafkaPartitionList.make(partitions.map { (TopicPartition(topic, $0), RDKafkaOffsets.beginning) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let assignErr = rd_kafka_assign(client.handle, list)
        if assignErr != RD_KAFKA_RESP_ERR_NO_ERROR { return .failure(.rdKafka(assignErr, "assign \(topic)")) }
        return .success(partitions)
    }

    private func ensureAssigned(timeoutMs: Int32) async throws(TransportError) -> [Int32] {
        if let partitions = assigned.withLock({ $0 }) { return partitions }
        let client = client
        let topic = topic
        let result = await executor.run { Self.assignAll(client: client, topic: topic, timeoutMs: timeoutMs) }
        let partitions = try result.get()
        assigned.withLock { $0 = partitions }
        return partitions
    }

    public func catchUp(timeout: Duration) async throws(TransportError) -> [[UInt8]: [UInt8]] {
        guard !closed.load(ordering: .acquiring) else { throw TransportError(.closed, "reader is closed") }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        let partitions = try await ensureAssigned(timeoutMs: timeout.clampedMilliseconds)
        let client = client
        let topic = topic
        let remaining = (deadline - clock.now).clampedMilliseconds
        let result = await executor.run { () -> Result<[[UInt8]: [UInt8]], TransportError> in
            // The end of every partition as of now.
            var ends: [Int32: Int64] = [:]
            var positions: [Int32: Int64] = [:]
            for partition in partitions {
                var low: Int64 = 0
                var high: Int64 = 0
                let err = rd_kafka_query_watermark_offsets(
                    client.handle, topic, partition, &low, &high, max(1, remaining))
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    return .failure(.rdKafka(err, "watermarks of \(topic)[\(partition)]"))
                }
                ends[partition] = high
                positions[partition] = low
            }
            // Where this reader stands (after an earlier catch-up or poll), when it knows.
            let list = RDKafkaPartitionList.make(partitions.map { (TopicPartition(topic, $0), nil) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            if rd_kafka_position(client.handle, list) == RD_KAFKA_RESP_ERR_NO_ERROR {
                for i in 0..<Int(list.pointee.cnt) where list.pointee.elems[i].offset >= 0 {
                    positions[list.pointee.elems[i].partition] = list.pointee.elems[i].offset
                }
            }
            var latest: [[UInt8]: [UInt8]] = [:]
            var pending = Set(partitions.filter { (positions[$0] ?? 0) < (ends[$0] ?? 0) })
            let clock = ContinuousClock()
            while !pending.isEmpty {
                let wait = (deadline - clock.now).clampedMilliseconds
                if wait <= 0 {
                    return .failure(
                        TransportError(
                            .timedOut, "catching up \(topic): partitions \(pending.sorted()) not read to the end",
                            isRetriable: true))
                }
                guard let message = rd_kafka_consumer_poll(client.handle, min(wait, 100)) else { continue }
                defer { rd_kafka_message_destroy(message) }
                let m = message.pointee
                if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    if m.offset >= (ends[m.partition] ?? 0) { pending.remove(m.partition) }
                    continue
                }
                guard m.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
                let record = RDKafkaMessage.record(message)
                if let key = record.key { latest[key] = record.value }
                if record.offset + 1 >= (ends[record.partition] ?? 0) { pending.remove(record.partition) }
            }
            return .success(latest)
        }
        return try result.get()
    }

    public func poll(maxRecords: Int, timeout: Duration) async throws(TransportError) -> [ConsumedRecord] {
        guard !closed.load(ordering: .acquiring) else { throw TransportError(.closed, "reader is closed") }
        _ = try await ensureAssigned(timeoutMs: timeout.clampedMilliseconds)
        let client = client
        let limit = max(1, maxRecords)
        let timeoutMs = timeout.clampedMilliseconds
        return await executor.run {
            var out: [ConsumedRecord] = []
            let clock = ContinuousClock()
            let deadline = clock.now + .milliseconds(timeoutMs)
            while out.count < limit {
                let wait: Int32 = out.isEmpty ? (deadline - clock.now).clampedMilliseconds : 0
                guard let message = rd_kafka_consumer_poll(client.handle, wait) else {
                    if out.isEmpty && clock.now < deadline { continue }
                    break
                }
                defer { rd_kafka_message_destroy(message) }
                if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR { out.append(RDKafkaMessage.record(message)) }
            }
            return out
        }
    }

    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let client = client
        await executor.run {
            _ = rd_kafka_consumer_close(client.handle)
            client.destroy()
        }
    }
}
