import Logging
import PalisadeTransport

/// The Kafka implementation of ``Transport``, over librdkafka.
public struct KafkaTransport: Transport {
    public var configuration: KafkaConfiguration
    public var logger: Logger

    public init(configuration: KafkaConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func makeProducer() throws(TransportError) -> any TransportProducer {
        try KafkaProducer(configuration: configuration, logger: logger)
    }

    public func makeGroupConsumer(group: String, topics: [String]) throws(TransportError) -> any GroupConsumer {
        try KafkaGroupConsumer(configuration: configuration, group: group, topics: topics, logger: logger)
    }

    public func makeCompactedReader(topic: String) throws(TransportError) -> any CompactedTopicReader {
        try KafkaCompactedReader(configuration: configuration, topic: topic, logger: logger)
    }

    public func createTopics(_ specs: [TopicSpec], timeout: Duration) async throws(TransportError) {
        let admin = try KafkaAdmin(configuration: configuration, logger: logger)
        do {
            try await admin.createTopics(specs, timeout: timeout)
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
    }
}
