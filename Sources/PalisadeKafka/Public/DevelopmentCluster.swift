import Logging
import PalisadeTransport

/// What `palisade dev-kafka` runs: a mock cluster with Palisade's topics created.
public struct DevelopmentCluster: Sendable {
    public var brokers: Int
    public var partitions: Int32
    public var topicPrefix: String

    public init(brokers: Int = 3, partitions: Int32 = 12, topicPrefix: String = "") {
        self.brokers = brokers
        self.partitions = partitions
        self.topicPrefix = topicPrefix
    }

    /// The topics it creates: DESIGN's five, replicated on up to 3 brokers.
    public var topics: [TopicSpec] {
        PalisadeTopic.allSpecs(
            prefix: topicPrefix, partitions: partitions, replicationFactor: Int16(min(3, max(1, brokers))))
    }

    /// Starts the brokers and creates the topics.
    public func start(logger: Logger) async throws(TransportError) -> KafkaMockCluster {
        guard partitions >= 1 else { throw TransportError(.invalidArgument, "--partitions must be at least 1") }
        let cluster = try KafkaMockCluster(brokers: brokers, logger: logger)
        try await cluster.createTopics(topics)
        return cluster
    }
}
