import CRdKafka
import Logging
import PalisadeTransport

/// Topic administration: creates Palisade's topics with partitions, replication and
/// `cleanup.policy` (compact for baselines and decisions), as DESIGN's topics table says.
public final class KafkaAdmin: Sendable {
    private let client: RDKafkaClient
    private let executor = BlockingExecutor(label: "palisade.kafka.admin")

    public init(configuration: KafkaConfiguration, logger: Logger) throws(TransportError) {
        var properties = configuration.commonProperties
        properties.merge(configuration.properties) { _, override in override }
        client = try RDKafkaClient(kind: .producer, properties: properties, context: RDKafkaContext(logger: logger))
    }

    /// Creates `specs`; topics that exist already are left alone.
    public func createTopics(_ specs: [TopicSpec], timeout: Duration) async throws(TransportError) {
        guard !specs.isEmpty else { return }
        var errstr = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for spec in specs {
            guard
                let topic = rd_kafka_NewTopic_new(
                    spec.name, spec.partitions, Int32(spec.replicationFactor), &errstr, errstr.count)
            else {
                let reason = errstr.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                throw TransportError(.invalidArgument, "topic \(spec.name): \(reason)")
            }
            newTopics.append(topic)
            for (name, value) in spec.config.sorted(by: { $0.key < $1.key }) {
                let err = rd_kafka_NewTopic_set_config(topic, name, value)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rdKafka(err, "topic \(spec.name) config \(name)") }
            }
        }
        let handles = RDKafkaPointers(newTopics)
        let client = client
        let timeoutMs = timeout.clampedMilliseconds
        let outcome = await executor.run { () -> [(String, rd_kafka_resp_err_t, String)]? in
            guard let queue = rd_kafka_queue_new(client.handle) else { return nil }
            defer { rd_kafka_queue_destroy(queue) }
            let options = rd_kafka_AdminOptions_new(client.handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            var errstr = [CChar](repeating: 0, count: 512)
            _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, &errstr, errstr.count)
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMs, &errstr, errstr.count)
            var pointers = handles.pointers
            pointers.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_CreateTopics(client.handle, buffer.baseAddress, buffer.count, options, queue)
            }
            guard let event = rd_kafka_queue_poll(queue, timeoutMs + 1000) else {
                return [("", RD_KAFKA_RESP_ERR__TIMED_OUT, "no answer")]
            }
            defer { rd_kafka_event_destroy(event) }
            if rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR {
                let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
                return [("", rd_kafka_event_error(event), text)]
            }
            guard let result = rd_kafka_event_CreateTopics_result(event) else { return [] }
            var count = 0
            guard let topics = rd_kafka_CreateTopics_result_topics(result, &count) else { return [] }
            return (0..<count).map { i in
                let topic = topics[i]
                return (
                    String(cString: rd_kafka_topic_result_name(topic)), rd_kafka_topic_result_error(topic),
                    rd_kafka_topic_result_error_string(topic).map { String(cString: $0) } ?? ""
                )
            }
        }
        guard let outcome else { throw TransportError(.invalidArgument, "rd_kafka_queue_new failed") }
        for (name, err, text) in outcome
        where err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
            var error = TransportError.rdKafka(err, name.isEmpty ? "create topics" : "create topic \(name)")
            if !text.isEmpty { error.reason += " (\(text))" }
            throw error
        }
    }

    public func close() async {
        let client = client
        await executor.run { client.destroy() }
    }
}

/// Pointers handed to a blocking executor (they stay owned by the caller, which awaits it).
struct RDKafkaPointers: @unchecked Sendable {
    var pointers: [OpaquePointer?]
    init(_ pointers: [OpaquePointer?]) { self.pointers = pointers }
}
