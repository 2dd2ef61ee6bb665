import CRdKafka
import PalisadeTransport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum RDKafkaMessage {
    /// Copies a consumed message into a value (the caller destroys the message).
    static func record(_ message: UnsafePointer<rd_kafka_message_t>) -> ConsumedRecord {
        var names = TopicNames()
        return record(message, names: &names)
    }

    /// Copies a consumed message into a value (the caller destroys the message), its topic's
    /// name through `names` (a new `String` only when the topic changes).
    static func record(_ message: UnsafePointer<rd_kafka_message_t>, names: inout TopicNames) -> ConsumedRecord {
        let m = message.pointee
        let topic = m.rkt.map { names.name(of: $0) } ?? ""
        let key = m.key.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        let value = m.payload.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: m.len)) }
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &type)
        return ConsumedRecord(
            topic: topic, partition: m.partition, offset: m.offset, key: key, value: value,
            timestampMs: timestamp < 0 ? 0 : timestamp)
    }
}

/// The topic name of the previous message, for one poll: a consumed message's topic is compared
/// with it in place and made a new `String` only when it differs, instead of once per record (a
/// name over 15 bytes, such as `palisade.requests`, is an allocation each time).
struct TopicNames {
    private var last: String?

    mutating func name(of handle: OpaquePointer) -> String {
        guard let cName = rd_kafka_topic_name(handle) else { return "" }
        if let last, last.withCString({ strcmp($0, cName) == 0 }) { return last }
        let name = String(cString: cName)
        last = name
        return name
    }
}
