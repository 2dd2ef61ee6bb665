/// Publishes records and reports when each is acknowledged.
///
/// Kafka: acknowledged = written to all in-sync replicas (`acks=all`, idempotent producer).
/// In-process: acknowledged = appended to the partition's bounded log.
public protocol TransportProducer: Sendable {
    /// Publishes one record and returns once it is acknowledged. Keyed records go to the
    /// partition `murmur2(key) % partitions` (see ``Murmur2Partitioner``).
    func send(_ record: OutgoingRecord) async throws(TransportError) -> DeliveryReceipt

    /// Publishes many records and returns once every one is acknowledged or failed, results in
    /// input order. Cheaper than awaiting ``send(_:)`` per record.
    func send(batch: [OutgoingRecord]) async -> [Result<DeliveryReceipt, TransportError>]

    /// Hands every record of `batch` to the transport, in order, and returns once they are all
    /// enqueued (waiting for room like ``send(batch:)``), before they are acknowledged: a caller
    /// can keep several batches in flight and still have them published in order. Await the
    /// acknowledgements with ``PendingBatch/results()``.
    func enqueue(batch: [OutgoingRecord]) async -> PendingBatch

    /// Waits until everything published so far is acknowledged or failed.
    func flush(timeout: Duration) async throws(TransportError)

    /// Flushes (within `timeout`) and releases the producer. Sends after this fail with `.closed`.
    func shutdown(timeout: Duration) async
}

extension TransportProducer {
    /// For transports whose sends are acknowledged as they are made (in process): sends the
    /// batch and hands back its results.
    public func enqueue(batch: [OutgoingRecord]) async -> PendingBatch {
        PendingBatch(results: await send(batch: batch))
    }
}

/// A batch handed to a transport by ``TransportProducer/enqueue(batch:)``, acknowledgements to come.
public struct PendingBatch: Sendable {
    private let wait: @Sendable () async -> [Result<DeliveryReceipt, TransportError>]

    /// A batch whose results come from `wait` (called once).
    public init(_ wait: @escaping @Sendable () async -> [Result<DeliveryReceipt, TransportError>]) {
        self.wait = wait
    }

    /// A batch already settled.
    public init(results: [Result<DeliveryReceipt, TransportError>]) {
        self.wait = { results }
    }

    /// Waits until every record is acknowledged or failed; results in input order. Call once.
    public func results() async -> [Result<DeliveryReceipt, TransportError>] { await wait() }
}

/// One member of a consumer group. Partitions of the subscribed topics are shared among the
/// members of the group and move when members join or leave (cooperatively: only the
/// partitions that move are revoked).
///
/// At-least-once: a record's offset is committed only after ``acknowledge(_:)``. Records
/// delivered but not acknowledged when their partition moves (or the member closes) are
/// delivered again to the next owner. Acknowledge records of a partition in order.
public protocol GroupConsumer: Sendable {
    /// Waits up to `timeout` for records or assignment changes, returns at most `maxRecords`
    /// records (plus any assignment events). An empty array means nothing arrived in time.
    /// Keep polling while paused: polling keeps the membership alive.
    func poll(maxRecords: Int, timeout: Duration) async throws(TransportError) -> [ConsumerEvent]

    /// Marks `record` processed: its offset + 1 will be committed. Throws `.notAssigned` when
    /// the partition moved away meanwhile (the record will be redelivered elsewhere).
    func acknowledge(_ record: ConsumedRecord) throws(TransportError)

    /// Commits acknowledged offsets now (they are also committed periodically, on revocation
    /// and on close).
    func commit() async throws(TransportError)

    /// Stops fetching from all currently assigned partitions (backpressure), keeping them.
    func pause() async throws(TransportError)
    /// Resumes fetching from paused partitions.
    func resume() async throws(TransportError)

    /// The partitions currently assigned to this member.
    func assignment() async throws(TransportError) -> Set<TopicPartition>

    /// Consumer lag of every assigned partition: acknowledged position against the high
    /// watermark. Cheap enough to call every few seconds (Kafka: cached watermarks from fetches,
    /// a broker query only for partitions it has none for yet).
    func lag() async throws(TransportError) -> [PartitionLag]

    /// Commits acknowledged offsets and leaves the group.
    func close() async
}

/// Reads a compacted topic (baselines, decisions) in full: all partitions, from the beginning,
/// no consumer group, nothing committed.
public protocol CompactedTopicReader: Sendable {
    /// Reads every partition from where this reader stands up to the end as of the call and
    /// returns the latest value of every key read; tombstoned keys are absent. Call it once, at
    /// start: it reads from the beginning and returns the whole view; follow changes with
    /// ``poll(maxRecords:timeout:)`` after it. Fails with `.timedOut` if the end is not reached
    /// in time.
    func catchUp(timeout: Duration) async throws(TransportError) -> [[UInt8]: [UInt8]]

    /// Records appended after the catch-up, in partition order; a `nil` value is a tombstone.
    func poll(maxRecords: Int, timeout: Duration) async throws(TransportError) -> [ConsumedRecord]

    func close() async
}

/// A transport: the factory of producers, group consumers and compacted readers, plus topic
/// administration. ``InProcessTransport`` and `KafkaTransport` implement it.
public protocol Transport: Sendable {
    func makeProducer() throws(TransportError) -> any TransportProducer
    func makeGroupConsumer(group: String, topics: [String]) throws(TransportError) -> any GroupConsumer
    func makeCompactedReader(topic: String) throws(TransportError) -> any CompactedTopicReader
    /// Creates topics; existing topics are left as they are (not an error).
    func createTopics(_ specs: [TopicSpec], timeout: Duration) async throws(TransportError)
}
