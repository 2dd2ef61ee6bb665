/// A topic to create: partitions, replication, compaction and retention.
public struct TopicSpec: Sendable, Hashable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int16
    /// `cleanup.policy=compact`: the latest value per key is kept, tombstones delete.
    public var compacted: Bool
    /// `retention.ms` for non-compacted topics; `nil` = the broker default.
    public var retentionMs: Int64?

    public init(
        name: String, partitions: Int32, replicationFactor: Int16 = 3, compacted: Bool = false,
        retentionMs: Int64? = nil
    ) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.compacted = compacted
        self.retentionMs = retentionMs
    }

    /// Topic-level configuration in Kafka property names.
    public var config: [String: String] {
        var config: [String: String] = ["cleanup.policy": compacted ? "compact" : "delete"]
        if let retentionMs, !compacted { config["retention.ms"] = String(retentionMs) }
        return config
    }
}

/// Palisade's topics (DESIGN §2, "Kafka topics"), with a configurable name prefix.
public enum PalisadeTopic: String, Sendable, Hashable, CaseIterable {
    /// CaptureRecord, no key. Retention hours.
    case requests = "palisade.requests"
    /// Verdict, keyed by client.
    case verdicts = "palisade.verdicts"
    /// EndpointObservation, keyed by endpoint.
    case observations = "palisade.observations"
    /// EndpointBaseline, keyed by endpoint; compacted, every worker reads all partitions.
    case baselines = "palisade.baselines"
    /// Decision, keyed by `scope:value`; compacted, tombstone = lifted.
    case decisions = "palisade.decisions"
    /// DeadLetter (records a consumer could not read, with the reason), keyed by the original
    /// record's key. Kept for inspection.
    case deadLetter = "palisade.deadletter"
    /// The aggregators' state changelog (behaviour events of each verdict partition, so another
    /// aggregator can take the partition over), keyed by `behaviour/<partition>/…`; compacted.
    case aggregatorState = "palisade.aggregator-state"

    /// The topic name under a prefix: `"acme."` + `palisade.requests`.
    public func name(prefix: String = "") -> String { prefix + rawValue }

    public var isCompacted: Bool { self == .baselines || self == .decisions || self == .aggregatorState }

    /// The spec of this topic. Compacted topics keep everything (`retentionMs` unused);
    /// `requests`, `verdicts` and `observations` keep `retentionHours`.
    public func spec(
        prefix: String = "", partitions: Int32, replicationFactor: Int16 = 3, retentionHours: Int64 = 24
    ) -> TopicSpec {
        TopicSpec(
            name: name(prefix: prefix), partitions: partitions, replicationFactor: replicationFactor,
            compacted: isCompacted, retentionMs: isCompacted ? nil : retentionHours * 3_600_000)
    }

    /// Specs of all the topics.
    public static func allSpecs(
        prefix: String = "", partitions: Int32, replicationFactor: Int16 = 3, retentionHours: Int64 = 24
    ) -> [TopicSpec] {
        allCases.map {
            $0.spec(
                prefix: prefix, partitions: partitions, replicationFactor: replicationFactor,
                retentionHours: retentionHours)
        }
    }
}
