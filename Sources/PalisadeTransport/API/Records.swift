/// A topic and one of its partitions.
public struct TopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (a: TopicPartition, b: TopicPartition) -> Bool {
        (a.topic, a.partition) < (b.topic, b.partition)
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// How far a group member is behind on one assigned partition (``GroupConsumer/lag()``).
public struct PartitionLag: Sendable, Hashable {
    public var topicPartition: TopicPartition
    /// The next offset to process: the last acknowledged offset + 1, else the group's committed
    /// offset, else the partition's first offset.
    public var position: Int64
    /// The offset the next record appended to the partition will get (log end).
    public var highWatermark: Int64

    public init(topicPartition: TopicPartition, position: Int64, highWatermark: Int64) {
        self.topicPartition = topicPartition
        self.position = position
        self.highWatermark = highWatermark
    }

    /// Records in the partition not yet processed (acknowledged) by this member.
    public var lag: Int64 { max(0, highWatermark - position) }
}

/// A record to publish. A `nil` key spreads records over partitions; a `nil` value is a
/// tombstone (on compacted topics it deletes the key).
public struct OutgoingRecord: Sendable, Hashable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]?

    public init(topic: String, key: [UInt8]?, value: [UInt8]?) {
        self.topic = topic
        self.key = key
        self.value = value
    }

    /// A record with a UTF-8 text key.
    public init(topic: String, key: String, value: [UInt8]?) {
        self.init(topic: topic, key: Array(key.utf8), value: value)
    }
}

/// Where an acknowledged record was stored.
public struct DeliveryReceipt: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    /// Where the record was written; negative (librdkafka's `RD_KAFKA_OFFSET_INVALID`, -1001) when
    /// the broker acknowledged it as a duplicate of a record it already holds: an idempotent
    /// producer's retry whose first attempt was written but not acknowledged (Kafka's
    /// `DUPLICATE_SEQUENCE_NUMBER`). Such a record is delivered, at a position not reported; Kafka's
    /// Java producer treats the answer the same way.
    public var offset: Int64

    /// Whether the broker reported the record's position (`offset`).
    public var hasOffset: Bool { offset >= 0 }

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

/// A record read from a topic.
public struct ConsumedRecord: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    /// `nil` for a tombstone.
    public var value: [UInt8]?
    /// Milliseconds since the epoch (producer create time), 0 when unknown.
    public var timestampMs: Int64

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?, timestampMs: Int64
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestampMs = timestampMs
    }

    public var topicPartition: TopicPartition { TopicPartition(topic, partition) }

    /// The key as UTF-8 text (invalid bytes repaired), `nil` without a key.
    public var keyText: String? { key.map { String(decoding: $0, as: UTF8.self) } }
}

/// What a group consumer's poll returns: records, and the partition assignment changing under it.
public enum ConsumerEvent: Sendable, Hashable {
    case record(ConsumedRecord)
    /// Partitions added to this member (incremental: the others stay assigned). Delivered before
    /// any record of these partitions, so per-partition state can be restored on it (the
    /// aggregator's state changelog).
    case assigned([TopicPartition])
    /// Partitions taken from this member. Records of them not yet acknowledged will be
    /// redelivered to their next owner; acknowledging them now fails with `.notAssigned`.
    case revoked([TopicPartition])
}
