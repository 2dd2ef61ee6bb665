import CRdKafka
import PalisadeTransport

/// Conversions between `rd_kafka_topic_partition_list_t` and value types.
enum RDKafkaPartitionList {
    /// A new list (destroy it with `rd_kafka_topic_partition_list_destroy`).
    static func make(_ entries: [(TopicPartition, Int64?)]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(max(1, entries.count)))!
        for (tp, offset) in entries {
            let element = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)!
            if let offset { element.pointee.offset = offset }
        }
        return list
    }

    static func partitions(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [TopicPartition] {
        guard let list else { return [] }
        var out: [TopicPartition] = []
        out.reserveCapacity(Int(list.pointee.cnt))
        for i in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[i]
            out.append(TopicPartition(String(cString: element.topic), element.partition))
        }
        return out
    }

    /// Entries with their error codes.
    static func errors(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [(
        TopicPartition, rd_kafka_resp_err_t
    )] {
        (0..<Int(list.pointee.cnt)).map { i in
            let element = list.pointee.elems[i]
            return (TopicPartition(String(cString: element.topic), element.partition), element.err)
        }
    }
}
