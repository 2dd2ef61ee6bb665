import Logging
import PalisadeKafka
import PalisadeTransport
import Testing

@Suite(.timeLimit(.minutes(1)))
struct KafkaClientTests {
    let logger: Logger = {
        var logger = Logger(label: "test.kafka")
        logger.logLevel = .warning
        return logger
    }()

    @Test("an unknown librdkafka property is a non-retriable invalid_argument error")
    func unknownPropertyIsRejected() throws {
        let configuration = KafkaConfiguration(bootstrapServers: "127.0.0.1:1", properties: ["no.such.property": "1"])
        #expect {
            _ = try KafkaProducer(configuration: configuration, logger: logger)
        } throws: { error in
            guard let error = error as? TransportError else { return false }
            return error.code == .invalidArgument && !error.isRetriable && error.reason.contains("no.such.property")
        }
    }

    @Test("TLS and SASL properties pass through by name")
    func securityPropertiesPassThrough() async throws {
        let configuration = KafkaConfiguration(
            bootstrapServers: "127.0.0.1:1",
            properties: [
                "security.protocol": "sasl_plaintext", "sasl.mechanism": "PLAIN", "sasl.username": "palisade",
                "sasl.password": "secret",
            ])
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        await producer.shutdown(timeout: .milliseconds(10))
        let consumer = try KafkaGroupConsumer(configuration: configuration, group: "g", topics: ["t"], logger: logger)
        await consumer.close()
    }

    @Test("a send to an unreachable cluster fails after the message timeout, retriably")
    func unreachableClusterTimesOut() async throws {
        var configuration = KafkaConfiguration(bootstrapServers: "127.0.0.1:1")
        configuration.producer.messageTimeoutMs = 300
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        await #expect {
            _ = try await producer.send(OutgoingRecord(topic: "t", key: "k", value: [1]))
        } throws: { error in
            (error as? TransportError)?.isRetriable == true
        }
        await producer.shutdown(timeout: .milliseconds(100))
    }

    @Test("the mock cluster lists one loopback address per broker")
    func mockClusterBootstrap() async throws {
        let cluster = try KafkaMockCluster(brokers: 3, logger: logger)
        let servers = cluster.bootstrapServers.split(separator: ",")
        #expect(servers.count == 3)
        #expect(servers.allSatisfy { $0.hasPrefix("127.0.0.1:") })
        await cluster.shutdown()
    }

    @Test("librdkafka's murmur2_random partitioner agrees with Murmur2Partitioner")
    func partitionerAgreesWithLibrdkafka() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
        try await cluster.createTopics([TopicSpec(name: "p", partitions: 7, replicationFactor: 1)])
        var configuration = cluster.configuration()
        configuration.producer.lingerMs = 0
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let keys = (0..<200).map { "endpoint-\($0)" } + ["", "a", "ab", "abc", "abcd", "ümlaut", "203.0.113.7"]
        let results = await producer.send(batch: keys.map { OutgoingRecord(topic: "p", key: $0, value: [0]) })
        for (key, result) in zip(keys, results) {
            let receipt = try result.get()
            #expect(
                receipt.partition == Murmur2Partitioner.partition(for: Array(key.utf8), partitionCount: 7),
                "key '\(key)'")
        }
        await producer.shutdown(timeout: .seconds(5))
        await cluster.shutdown()
    }

    @Test("topic creation against the mock fails with a structured error (the mock has no CreateTopics)")
    func adminAgainstMock() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
        let transport = KafkaTransport(configuration: cluster.configuration(), logger: logger)
        do {
            try await transport.createTopics(
                PalisadeTopic.allSpecs(partitions: 3, replicationFactor: 1), timeout: .seconds(1))
        } catch {
            #expect(!error.code.name.isEmpty && !error.reason.isEmpty)
        }
        await cluster.shutdown()
    }
}

@Suite(.timeLimit(.minutes(1)))
struct DevelopmentClusterTests {
    @Test("dev-kafka's cluster has DESIGN's topics under the prefix and serves producers and readers")
    func developmentCluster() async throws {
        var logger = Logger(label: "test.dev-kafka")
        logger.logLevel = .warning
        let development = DevelopmentCluster(brokers: 3, partitions: 4, topicPrefix: "acme.")
        #expect(development.topics.map(\.name) == PalisadeTopic.allCases.map { "acme." + $0.rawValue })
        #expect(
            development.topics.filter(\.compacted).map(\.name) == [
                "acme.palisade.baselines", "acme.palisade.decisions", "acme.palisade.aggregator-state",
            ])
        let cluster = try await development.start(logger: logger)
        var configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        configuration.producer.lingerMs = 1
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let receipt = try await producer.send(
            OutgoingRecord(topic: "acme.palisade.decisions", key: "ip:203.0.113.7", value: [1]))
        #expect((0..<4).contains(receipt.partition))
        let reader = try KafkaCompactedReader(
            configuration: configuration, topic: "acme.palisade.decisions", logger: logger)
        let view = try await reader.catchUp(timeout: .seconds(10))
        #expect(view == [Array("ip:203.0.113.7".utf8): [1]])
        await reader.close()
        await producer.shutdown(timeout: .seconds(5))
        await cluster.shutdown()
    }
}

@Suite(.timeLimit(.minutes(1)))
struct KafkaBackpressureTests {
    let logger: Logger = {
        var logger = Logger(label: "test.kafka.backpressure")
        logger.logLevel = .warning
        return logger
    }()

    @Test("a full client queue makes sends wait for room")
    func sendsWaitForRoom() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
        try await cluster.createTopics([TopicSpec(name: "bp", partitions: 2, replicationFactor: 1)])
        var configuration = cluster.configuration()
        configuration.producer.queueMaxMessages = 20
        configuration.producer.lingerMs = 1
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let results = await producer.send(
            batch: (0..<500).map { OutgoingRecord(topic: "bp", key: "k\($0)", value: [1]) })
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        await producer.shutdown(timeout: .seconds(5))
        await cluster.shutdown()
    }

    @Test("with the cluster down, a full client queue fails sends with a retriable queue_full")
    func queueFullWhenClusterDown() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
        try await cluster.createTopics([TopicSpec(name: "bp", partitions: 1, replicationFactor: 1)])
        var configuration = cluster.configuration()
        configuration.producer.queueMaxMessages = 5
        configuration.producer.enqueueTimeoutMs = 50
        configuration.producer.messageTimeoutMs = 2_000
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        _ = try await producer.send(OutgoingRecord(topic: "bp", key: "warm", value: [0]))
        try await cluster.setBroker(1, up: false)
        let results = await producer.send(
            batch: (0..<20).map { OutgoingRecord(topic: "bp", key: "k\($0)", value: [1]) })
        let queueFull = results.filter {
            if case .failure(let error) = $0 { error.code == .queueFull && error.isRetriable } else { false }
        }
        #expect(queueFull.count >= 10)
        try await cluster.setBroker(1, up: true)
        await producer.shutdown(timeout: .seconds(1))
        await cluster.shutdown()
    }
}
