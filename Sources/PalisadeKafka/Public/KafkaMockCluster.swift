import CRdKafka
import Logging
import PalisadeTransport
import Synchronization

/// librdkafka's mock cluster (`rdkafka_mock.h`): Kafka brokers inside this process that speak
/// the real protocol on loopback ports, with fault injection. For development
/// (`palisade dev-kafka`) and tests; production points at a real Kafka.
///
/// Broker ids are `1…brokers`. The mock keeps everything in memory and does not compact.
public final class KafkaMockCluster: Sendable {
    private let client: RDKafkaClient
    private let cluster: RDKafkaMockPointer
    private let executor = BlockingExecutor(label: "palisade.kafka.mock")
    /// `host:port,…` of the mock brokers (127.0.0.1).
    public let bootstrapServers: String
    public let brokers: Int

    /// Kafka API keys, for ``pushRequestErrors(api:_:)``.
    public enum API: Int16, Sendable {
        case produce = 0
        case fetch = 1
        case listOffsets = 2
        case metadata = 3
        case offsetCommit = 8
        case offsetFetch = 9
        case findCoordinator = 10
        case joinGroup = 11
        case heartbeat = 12
        case leaveGroup = 13
        case syncGroup = 14
        case initProducerID = 22
    }

    public init(brokers: Int = 3, logger: Logger) throws(TransportError) {
        guard brokers >= 1 else { throw TransportError(.invalidArgument, "a cluster has at least one broker") }
        // The cluster hangs off a client handle that has no brokers of its own.
        client = try RDKafkaClient(
            kind: .producer, properties: ["log_level": "3"], context: RDKafkaContext(logger: logger))
        guard let cluster = rd_kafka_mock_cluster_new(client.handle, Int32(brokers)) else {
            throw TransportError(.invalidArgument, "rd_kafka_mock_cluster_new failed")
        }
        self.cluster = RDKafkaMockPointer(pointer: cluster)
        self.brokers = brokers
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    /// A configuration pointing at this cluster.
    public func configuration() -> KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: bootstrapServers)
    }

    /// Creates topics (the mock does not implement the CreateTopics API). Replication is capped
    /// at the number of brokers; `cleanup.policy` is not modelled.
    public func createTopics(_ specs: [TopicSpec]) async throws(TransportError) {
        let cluster = cluster
        let brokers = brokers
        try await control { () -> TransportError? in
            for spec in specs {
                let replication = min(Int32(spec.replicationFactor), Int32(brokers))
                let err = rd_kafka_mock_topic_create(cluster.pointer, spec.name, spec.partitions, replication)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                    return .rdKafka(err, "mock topic \(spec.name)")
                }
            }
            return nil
        }
    }

    /// Takes a broker down (its connections close, requests fail) or brings it back.
    public func setBroker(_ id: Int32, up: Bool) async throws(TransportError) {
        let cluster = cluster
        try await control {
            let err =
                up
                ? rd_kafka_mock_broker_set_up(cluster.pointer, id) : rd_kafka_mock_broker_set_down(cluster.pointer, id)
            return err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : .rdKafka(err, "broker \(id) \(up ? "up" : "down")")
        }
    }

    /// Adds round-trip latency to a broker's responses.
    public func setBrokerRTT(_ id: Int32, milliseconds: Int32) async throws(TransportError) {
        let cluster = cluster
        try await control {
            let err = rd_kafka_mock_broker_set_rtt(cluster.pointer, id, milliseconds)
            return err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : .rdKafka(err, "broker \(id) rtt")
        }
    }

    /// Moves the leadership of a partition to another broker.
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) async throws(TransportError) {
        let cluster = cluster
        try await control {
            let err = rd_kafka_mock_partition_set_leader(cluster.pointer, topic, partition, broker)
            return err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : .rdKafka(err, "leader of \(topic)[\(partition)]")
        }
    }

    /// Makes the next requests of `api` (to any broker) fail with the given Kafka error codes, in
    /// order (e.g. 6 = NOT_LEADER_OR_FOLLOWER, 7 = REQUEST_TIMED_OUT, 19 = NOT_ENOUGH_REPLICAS).
    public func pushRequestErrors(api: API, _ codes: [Int32]) async {
        let cluster = cluster
        await executor.run {
            let errors = codes.map { rd_kafka_resp_err_t($0) }
            errors.withUnsafeBufferPointer { buffer in
                rd_kafka_mock_push_request_errors_array(cluster.pointer, api.rawValue, buffer.count, buffer.baseAddress)
            }
        }
    }

    /// Runs a mock control call (they wait for the mock's thread) off the cooperative pool.
    private func control(_ body: @escaping @Sendable () -> TransportError?) async throws(TransportError) {
        if let error = await executor.run(body) { throw error }
    }

    /// Stops the brokers.
    public func shutdown() async {
        let client = client
        let cluster = cluster
        await executor.run {
            cluster.destroy()
            client.destroy()
        }
    }

    deinit {
        cluster.destroy()
        client.destroy()
    }
}

final class RDKafkaMockPointer: @unchecked Sendable {
    let pointer: OpaquePointer
    private let destroyed = Atomic<Bool>(false)

    init(pointer: OpaquePointer) { self.pointer = pointer }

    func destroy() {
        guard !destroyed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        rd_kafka_mock_cluster_destroy(pointer)
    }
}
