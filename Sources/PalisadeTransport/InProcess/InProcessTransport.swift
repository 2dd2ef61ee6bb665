/// The in-process transport: topics as bounded partition logs in memory, consumer groups
/// within the process. The single-process default (`palisade up`) and the test double of Kafka
/// with the semantics that matter:
///
/// - **Partitions and keys**: keyed records go to `murmur2(key) % partitions`, as with the Kafka
///   transport; records without a key go round robin (Kafka: random).
/// - **Consumer groups**: members of a group share the partitions of their topics; when a member
///   joins or leaves, partitions are reassigned stickily (a member keeps what it had when it can)
///   and only moved partitions are revoked. Offsets are committed on ``GroupConsumer/acknowledge(_:)``;
///   a new owner starts at the committed offset, so unacknowledged records are redelivered.
/// - **Bounded queues with backpressure**: each partition holds at most
///   ``Configuration/partitionCapacity`` records that some group has not yet committed past.
///   A publish to a full partition waits for consumers to acknowledge (``Configuration/FullPolicy/wait(timeout:)``,
///   then fails with `.queueFull`, retriable) or fails at once (``Configuration/FullPolicy/fail``).
///   Records are released when every group subscribed to the topic has committed past them, so
///   every non-compacted topic needs a consumer group or its producers eventually block.
/// - **Compacted topics** keep the latest record per key: when a partition is full it is
///   compacted first (superseded records removed, offsets unchanged); it is full only when it
///   holds ``Configuration/compactedPartitionCapacity`` distinct keys.
///
/// Differences from Kafka, on purpose: nothing is persisted; an acknowledgement commits at once
/// (no commit interval); a member leaves only by ``GroupConsumer/close()`` (no session timeout).
public final class InProcessTransport: Transport {
    public struct Configuration: Sendable {
        public enum FullPolicy: Sendable, Hashable {
            /// Fail a publish to a full partition at once with `.queueFull`.
            case fail
            /// Wait for space up to `timeout`, then fail with `.queueFull` (retriable).
            case wait(timeout: Duration)
        }

        /// Records per partition not yet committed by every group. Default 10 000.
        public var partitionCapacity: Int
        /// Distinct keys per partition of a compacted topic. Default 100 000.
        public var compactedPartitionCapacity: Int
        /// What a publish to a full partition does. Default: wait up to 5 s.
        public var whenFull: FullPolicy
        /// Partitions of topics created on first use; `nil` (default) makes publishing to or
        /// subscribing to an unknown topic an `.unknownTopic` error.
        public var autoCreatePartitions: Int32?

        public init(
            partitionCapacity: Int = 10_000, compactedPartitionCapacity: Int = 100_000,
            whenFull: FullPolicy = .wait(timeout: .seconds(5)), autoCreatePartitions: Int32? = nil
        ) {
            self.partitionCapacity = partitionCapacity
            self.compactedPartitionCapacity = compactedPartitionCapacity
            self.whenFull = whenFull
            self.autoCreatePartitions = autoCreatePartitions
        }
    }

    let broker: InProcessBroker

    public init(configuration: Configuration = Configuration()) {
        broker = InProcessBroker(configuration: configuration)
    }

    public func makeProducer() throws(TransportError) -> any TransportProducer {
        InProcessProducer(broker: broker)
    }

    public func makeGroupConsumer(group: String, topics: [String]) throws(TransportError) -> any GroupConsumer {
        let member = try broker.join(group: group, topics: topics)
        return InProcessGroupConsumer(broker: broker, group: group, member: member)
    }

    public func makeCompactedReader(topic: String) throws(TransportError) -> any CompactedTopicReader {
        try broker.ensureTopic(topic)
        return InProcessCompactedReader(broker: broker, topic: topic)
    }

    public func createTopics(_ specs: [TopicSpec], timeout: Duration) async throws(TransportError) {
        try broker.createTopics(specs)
    }

    /// Records currently held by each partition of `topic` (for tests and metrics).
    public func retainedCounts(topic: String) -> [Int] {
        broker.retainedCounts(topic: topic)
    }

    /// Records of `topic` that `group` has not committed yet (all partitions): what it still has
    /// to consume. A group that never committed counts from offset 0.
    public func lag(group: String, topic: String) -> Int {
        broker.lag(group: group, topic: topic)
    }
}
