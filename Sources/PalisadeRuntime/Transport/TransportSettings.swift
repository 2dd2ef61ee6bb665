import Logging
import PalisadeKafka
import PalisadeTransport

/// Which transport a role talks through, shared by every role: the in-process transport (the
/// single-process default and tests) or Kafka over librdkafka.
///
/// Settings: `transport.kind`, `kafka.bootstrap_servers`, `kafka.topic_prefix`,
/// `kafka.client_id`, `kafka.linger_ms`, `kafka.compression`, `kafka.message_timeout_ms`,
/// `kafka.queue_max_messages`, `kafka.enqueue_timeout_ms`, `kafka.session_timeout_ms`,
/// and `kafka.properties.*` (any librdkafka property by name, applied last; values are treated
/// as secrets in `--print-config` because SASL passwords live there).
public struct TransportSettings: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case inprocess, kafka
    }

    public var kind: Kind
    /// Prefix of every topic name (`acme.` → `acme.palisade.requests`).
    public var topicPrefix: String
    /// Set when `kind == .kafka`.
    public var kafka: KafkaConfiguration?
    /// Partitions of topics the in-process transport creates.
    public var inProcessPartitions: Int32

    public init(kind: Kind, topicPrefix: String = "", kafka: KafkaConfiguration? = nil, inProcessPartitions: Int32 = 4)
    {
        self.kind = kind
        self.topicPrefix = topicPrefix
        self.kafka = kafka
        self.inProcessPartitions = inProcessPartitions
    }

    public static let definitions: [Settings.Definition] = [
        .init("transport.kind", default: "inprocess", "Transport: inprocess (one process, tests) or kafka."),
        .init("transport.inprocess_partitions", default: "4", "Partitions per topic of the in-process transport."),
        .init("kafka.bootstrap_servers", default: "", "Kafka bootstrap servers, host:port comma-separated."),
        .init("kafka.topic_prefix", default: "", "Prefix of every topic name, e.g. 'acme.'."),
        .init("kafka.client_id", default: "palisade", "Kafka client.id."),
        .init("kafka.linger_ms", default: "5", "Producer linger.ms: how long a batch waits to fill, in ms."),
        .init("kafka.compression", default: "lz4", "Producer compression: none, gzip, snappy, lz4, zstd."),
        .init(
            "kafka.message_timeout_ms", default: "120000",
            "Producer message.timeout.ms: a record unacknowledged this long fails (retries happen within it)."),
        .init("kafka.queue_max_messages", default: "100000", "Producer queue.buffering.max.messages."),
        .init(
            "kafka.enqueue_timeout_ms", default: "5000",
            "How long a produce waits for room in a full client queue before failing, in ms."),
        .init(
            "kafka.session_timeout_ms", default: "10000",
            "Consumer group session timeout, in ms: a member silent this long loses its partitions."),
        .init(
            "kafka.properties.*", default: "", "Any librdkafka property by name (SSL, SASL, …), applied last.",
            secret: true),
    ]

    public static func from(_ settings: Settings) throws(Settings.Error) -> TransportSettings {
        guard let kind = Kind(rawValue: settings.string("transport.kind").lowercased()) else {
            throw Settings.Error(
                key: "transport.kind", origin: settings.origin("transport.kind"),
                reason: "expected one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var result = TransportSettings(
            kind: kind, topicPrefix: settings.string("kafka.topic_prefix"),
            inProcessPartitions: Int32(try settings.int("transport.inprocess_partitions", range: 1...1024)))
        guard kind == .kafka else { return result }
        guard let servers = settings.optionalString("kafka.bootstrap_servers") else {
            throw Settings.Error(
                key: "kafka.bootstrap_servers", origin: settings.origin("kafka.bootstrap_servers"),
                reason: "required when transport.kind is kafka")
        }
        var kafka = KafkaConfiguration(bootstrapServers: servers, properties: settings.subtree("kafka.properties."))
        kafka.clientID = settings.optionalString("kafka.client_id") ?? "palisade"
        kafka.producer.lingerMs = try settings.int("kafka.linger_ms", range: 0...60_000)
        guard let compression = KafkaConfiguration.Compression(rawValue: settings.string("kafka.compression")) else {
            throw Settings.Error(
                key: "kafka.compression", origin: settings.origin("kafka.compression"),
                reason: "expected one of none, gzip, snappy, lz4, zstd")
        }
        kafka.producer.compression = compression
        kafka.producer.messageTimeoutMs = try settings.int("kafka.message_timeout_ms", range: 1_000...3_600_000)
        kafka.producer.queueMaxMessages = try settings.int("kafka.queue_max_messages", range: 1...10_000_000)
        kafka.producer.enqueueTimeoutMs = try settings.int("kafka.enqueue_timeout_ms", range: 0...600_000)
        kafka.consumer.sessionTimeoutMs = try settings.int("kafka.session_timeout_ms", range: 1_000...3_600_000)
        // The commit on close must finish before the group gives the partitions away.
        kafka.consumer.closeCommitTimeoutMs = min(
            kafka.consumer.closeCommitTimeoutMs, kafka.consumer.sessionTimeoutMs / 2)
        result.kafka = kafka
        return result
    }

    /// Makes the transport. The in-process one gets Palisade's topics created; Kafka topics are
    /// created by operators (or `palisade dev-kafka`), not by roles.
    public func makeTransport(logger: Logger) async throws(TransportError) -> any Transport {
        switch kind {
        case .inprocess:
            let transport = InProcessTransport()
            try await transport.createTopics(
                PalisadeTopic.allSpecs(prefix: topicPrefix, partitions: inProcessPartitions, replicationFactor: 1),
                timeout: .seconds(5))
            return transport
        case .kafka:
            guard let kafka else { throw TransportError(.invalidArgument, "kafka configuration missing") }
            return KafkaTransport(configuration: kafka, logger: logger)
        }
    }

    /// The name of `topic` under the configured prefix.
    public func name(_ topic: PalisadeTopic) -> String { topic.name(prefix: topicPrefix) }
}
