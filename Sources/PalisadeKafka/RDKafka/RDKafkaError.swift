import CRdKafka
import PalisadeTransport

extension TransportError {
    /// A librdkafka error code: the code is librdkafka's name (`_TIMED_OUT`, `NOT_LEADER_OR_FOLLOWER`),
    /// the reason its text plus context.
    static func rdKafka(_ err: rd_kafka_resp_err_t, _ context: String) -> TransportError {
        let name = String(cString: rd_kafka_err2name(err))
        let text = String(cString: rd_kafka_err2str(err))
        return TransportError(
            Code(name), "\(context): \(text)", isRetriable: RDKafkaErrors.isRetriable(err))
    }

    /// Takes ownership of an `rd_kafka_error_t` and destroys it.
    static func rdKafka(error: OpaquePointer, _ context: String) -> TransportError {
        defer { rd_kafka_error_destroy(error) }
        let name = String(cString: rd_kafka_error_name(error))
        let text = String(cString: rd_kafka_error_string(error))
        return TransportError(
            Code(name), "\(context): \(text)",
            isRetriable: rd_kafka_error_is_retriable(error) != 0
                || RDKafkaErrors.isRetriable(rd_kafka_error_code(error)))
    }
}

enum RDKafkaErrors {
    /// Errors that go away by themselves: brokers down or moving, timeouts, full queues.
    static func isRetriable(_ err: rd_kafka_resp_err_t) -> Bool {
        switch err {
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__TIMED_OUT,
            RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__WAIT_COORD,
            RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, RD_KAFKA_RESP_ERR__RETRY, RD_KAFKA_RESP_ERR__PARTITION_EOF,
            RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, RD_KAFKA_RESP_ERR__NODE_UPDATE,
            RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
            RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
            RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
            RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR,
            RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
            return true
        default:
            return false
        }
    }
}
