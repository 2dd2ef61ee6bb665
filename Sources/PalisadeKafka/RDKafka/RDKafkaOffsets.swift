/// librdkafka constants defined as casts in C macros, which Swift does not import.
enum RDKafkaOffsets {
    /// `RD_KAFKA_OFFSET_BEGINNING`: the oldest offset of a partition.
    static let beginning: Int64 = -2
    /// `RD_KAFKA_PARTITION_UA`: let the partitioner choose.
    static let unassignedPartition: Int32 = -1
}
