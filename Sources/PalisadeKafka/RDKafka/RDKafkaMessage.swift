import CRdKafka
import PalisadeTransport

enum RDKafkaMessage {
    /// Copies a consumed message into a value (the caller destroys the message).
    static func record(_ message: UnsafePointer<rd_kafka_message_t>) -> ConsumedRecord {
        let m = message.pointee
        let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let key = m.key.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        let value = m.payload.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: m.len)) }
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &type)
        return ConsumedRecord(
            topic: topic, partition: m.partition, offset: m.offset, key: key, value: value,
            timestampMs: timestamp < 0 ? 0 : timestamp)
    }
}
