/// How Palisade talks to Kafka. Typed settings with documented defaults (units in the names),
/// translated to librdkafka properties, plus ``properties`` for anything else by name.
///
/// TLS and SASL go through ``properties``, e.g.
/// `["security.protocol": "sasl_ssl", "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": …,
///   "sasl.password": …, "ssl.ca.location": "/etc/ssl/certs/ca.pem"]`
/// (librdkafka's CONFIGURATION.md lists every property).
public struct KafkaConfiguration: Sendable {
    public enum Compression: String, Sendable, CaseIterable {
        case none, gzip, snappy, lz4, zstd
    }

    public struct Producer: Sendable {
        /// `linger.ms`: how long to wait for a batch to fill. Default 5 ms.
        public var lingerMs = 5
        /// `batch.size`: bytes per batch. Default 1 000 000.
        public var batchSizeBytes = 1_000_000
        /// `batch.num.messages`: records per batch. Default 10 000.
        public var batchNumMessages = 10_000
        /// `compression.codec`. Default lz4.
        public var compression = Compression.lz4
        /// `message.timeout.ms`: a record not acknowledged in this time fails (librdkafka
        /// retries within it). Default 120 000 ms.
        public var messageTimeoutMs = 120_000
        /// `queue.buffering.max.messages`: records waiting in the client. Default 100 000.
        public var queueMaxMessages = 100_000
        /// How long a send waits for room when the client queue is full before failing with
        /// `queue_full` (retriable). Default 5 000 ms.
        public var enqueueTimeoutMs = 5_000
        /// Time allowed for the final flush on shutdown. Default 10 000 ms.
        public var shutdownFlushTimeoutMs = 10_000

        public init() {}
    }

    public struct Consumer: Sendable {
        /// `session.timeout.ms`: a member silent this long is removed from its group. Default 10 000 ms.
        public var sessionTimeoutMs = 10_000
        /// `heartbeat.interval.ms`. Default 1 000 ms.
        public var heartbeatIntervalMs = 1_000
        /// `max.poll.interval.ms`: poll at least this often (also while paused). Default 300 000 ms.
        public var maxPollIntervalMs = 300_000
        /// `auto.commit.interval.ms`: how often acknowledged offsets are committed. Default 1 000 ms.
        public var autoCommitIntervalMs = 1_000
        /// `auto.offset.reset` for a group with no committed offset: `earliest` (default) or `latest`.
        public var autoOffsetReset = "earliest"
        /// `fetch.wait.max.ms`. Default 100 ms.
        public var fetchWaitMaxMs = 100
        /// How long ``KafkaGroupConsumer/close()`` keeps retrying the final commit while the group
        /// rebalances; keep it below `sessionTimeoutMs`. Default 5 000 ms.
        public var closeCommitTimeoutMs = 5_000

        public init() {}
    }

    /// `bootstrap.servers`, e.g. `"kafka-1:9092,kafka-2:9092"`.
    public var bootstrapServers: String
    /// `client.id`. Default `palisade`.
    public var clientID = "palisade"
    public var producer = Producer()
    public var consumer = Consumer()
    /// Any librdkafka property by name, applied after (and overriding) the typed settings.
    public var properties: [String: String] = [:]

    public init(bootstrapServers: String, properties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.properties = properties
    }

    var commonProperties: [String: String] {
        [
            "bootstrap.servers": bootstrapServers,
            "client.id": clientID,
            "log.connection.close": "false",
        ]
    }

    /// Producer properties: idempotent, `acks=all`, Java-compatible key partitioning.
    var producerProperties: [String: String] {
        var p = commonProperties
        p["enable.idempotence"] = "true"
        p["acks"] = "all"
        p["partitioner"] = "murmur2_random"
        p["linger.ms"] = String(producer.lingerMs)
        p["batch.size"] = String(producer.batchSizeBytes)
        p["batch.num.messages"] = String(producer.batchNumMessages)
        p["compression.codec"] = producer.compression.rawValue
        p["message.timeout.ms"] = String(producer.messageTimeoutMs)
        p["queue.buffering.max.messages"] = String(producer.queueMaxMessages)
        return p.merging(properties) { _, override in override }
    }

    /// Group consumer properties: cooperative-sticky, offsets stored only on acknowledgement.
    func groupConsumerProperties(group: String) -> [String: String] {
        var p = commonProperties
        p["group.id"] = group
        p["partition.assignment.strategy"] = "cooperative-sticky"
        p["enable.auto.offset.store"] = "false"
        p["enable.auto.commit"] = "true"
        p["auto.commit.interval.ms"] = String(consumer.autoCommitIntervalMs)
        p["auto.offset.reset"] = consumer.autoOffsetReset
        p["session.timeout.ms"] = String(consumer.sessionTimeoutMs)
        p["heartbeat.interval.ms"] = String(consumer.heartbeatIntervalMs)
        p["max.poll.interval.ms"] = String(consumer.maxPollIntervalMs)
        p["fetch.wait.max.ms"] = String(consumer.fetchWaitMaxMs)
        return p.merging(properties) { _, override in override }
    }

    /// Compacted-topic reader properties: manual assignment (librdkafka wants a `group.id` for
    /// it, but the reader never joins the group nor commits), end-of-partition events.
    var readerProperties: [String: String] {
        var p = commonProperties
        p["group.id"] = "palisade-reader-\(UInt64.random(in: 0...UInt64.max))"
        p["enable.auto.commit"] = "false"
        p["enable.auto.offset.store"] = "false"
        p["enable.partition.eof"] = "true"
        p["fetch.wait.max.ms"] = String(consumer.fetchWaitMaxMs)
        return p.merging(properties.filter { $0.key != "group.id" }) { _, override in override }
    }
}
