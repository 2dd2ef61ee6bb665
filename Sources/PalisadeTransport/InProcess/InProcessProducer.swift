import Synchronization

/// Publishes to an ``InProcessTransport``. Acknowledged = appended to the partition log.
final class InProcessProducer: TransportProducer {
    private let broker: InProcessBroker
    private let closed = Atomic<Bool>(false)

    init(broker: InProcessBroker) {
        self.broker = broker
    }

    func send(_ record: OutgoingRecord) async throws(TransportError) -> DeliveryReceipt {
        guard !closed.load(ordering: .relaxed) else { throw TransportError(.closed, "producer is shut down") }
        return try await broker.publish(record)
    }

    func send(batch: [OutgoingRecord]) async -> [Result<DeliveryReceipt, TransportError>] {
        var results: [Result<DeliveryReceipt, TransportError>] = []
        results.reserveCapacity(batch.count)
        for record in batch {
            do {
                results.append(.success(try await send(record)))
            } catch {
                results.append(.failure(error))
            }
        }
        return results
    }

    func flush(timeout: Duration) async throws(TransportError) {
        // Every send is acknowledged before it returns: nothing is ever in flight.
    }

    func shutdown(timeout: Duration) async {
        closed.store(true, ordering: .relaxed)
    }
}

/// A member of a consumer group of an ``InProcessTransport``.
final class InProcessGroupConsumer: GroupConsumer {
    private let broker: InProcessBroker
    private let group: String
    private let member: Int

    init(broker: InProcessBroker, group: String, member: Int) {
        self.broker = broker
        self.group = group
        self.member = member
    }

    func poll(maxRecords: Int, timeout: Duration) async throws(TransportError) -> [ConsumerEvent] {
        try await broker.poll(group: group, member: member, maxRecords: max(1, maxRecords), timeout: timeout)
    }

    func acknowledge(_ record: ConsumedRecord) throws(TransportError) {
        try broker.acknowledge(group: group, member: member, record)
    }

    func commit() async throws(TransportError) {
        // Acknowledgements commit at once.
    }

    func pause() async throws(TransportError) {
        try broker.setPaused(group: group, member: member, true)
    }

    func resume() async throws(TransportError) {
        try broker.setPaused(group: group, member: member, false)
    }

    func assignment() async throws(TransportError) -> Set<TopicPartition> {
        try broker.assignment(group: group, member: member)
    }

    func lag() async throws(TransportError) -> [PartitionLag] {
        try broker.lag(group: group, member: member)
    }

    func close() async {
        broker.leave(group: group, member: member)
    }

    deinit {
        broker.leave(group: group, member: member)
    }
}

/// Reads a whole topic of an ``InProcessTransport`` from the beginning.
final class InProcessCompactedReader: CompactedTopicReader {
    private let broker: InProcessBroker
    private let topic: String
    private let positions = Mutex<[Int64]>([])

    init(broker: InProcessBroker, topic: String) {
        self.broker = broker
        self.topic = topic
    }

    func catchUp(timeout: Duration) async throws(TransportError) -> [[UInt8]: [UInt8]] {
        var latest: [[UInt8]: [UInt8]] = [:]
        var target: [Int64]? = nil
        while true {
            let start = positions.withLock { $0 }
            let (records, ends, _) = broker.read(topic: topic, from: start, maxRecords: 10_000)
            if target == nil { target = ends }
            for record in records {
                guard let key = record.key else { continue }
                latest[key] = record.value
            }
            var next = start + Array(repeating: 0, count: max(0, ends.count - start.count))
            for record in records { next[Int(record.partition)] = record.offset + 1 }
            positions.withLock { $0 = next }
            let reached = zip(next, target ?? []).allSatisfy { $0 >= $1 }
            if reached || records.isEmpty { return latest }
        }
    }

    func poll(maxRecords: Int, timeout: Duration) async throws(TransportError) -> [ConsumedRecord] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let start = positions.withLock { $0 }
            let (records, ends, generation) = broker.read(topic: topic, from: start, maxRecords: max(1, maxRecords))
            if !records.isEmpty {
                var next = start + Array(repeating: 0, count: max(0, ends.count - start.count))
                for record in records { next[Int(record.partition)] = record.offset + 1 }
                positions.withLock { $0 = next }
                return records
            }
            let remaining = deadline - clock.now
            if remaining <= .zero || Task.isCancelled { return [] }
            await broker.signal.wait(since: generation, timeout: remaining)
        }
    }

    func close() async {}
}
