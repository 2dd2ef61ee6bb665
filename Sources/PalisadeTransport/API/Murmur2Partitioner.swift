/// The partitioner of keyed records in both transports: Kafka's Java-client default, which
/// librdkafka provides as `partitioner=murmur2_random` (the Kafka transport sets it; librdkafka's
/// own default, `consistent_random`, hashes with CRC32 and would place keys differently).
///
/// `partition = (murmur2(key) & 0x7fffffff) % partitionCount`. Records without a key are spread
/// (librdkafka: a random partition; in-process: round robin).
public enum Murmur2Partitioner {
    /// Kafka's 32-bit murmur2 of `key` (seed `0x9747b28c`), as a signed value like Java's.
    public static func hash(_ key: some Collection<UInt8>) -> Int32 {
        let m: UInt32 = 0x5bd1_e995
        let bytes = Array(key)
        let length = bytes.count
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: length)
        var i = 0
        while i + 4 <= length {
            var k =
                UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16
                | UInt32(bytes[i + 3]) << 24
            k &*= m
            k ^= k >> 24
            k &*= m
            h &*= m
            h ^= k
            i += 4
        }
        let rest = length - i
        if rest == 3 { h ^= UInt32(bytes[i + 2]) << 16 }
        if rest >= 2 { h ^= UInt32(bytes[i + 1]) << 8 }
        if rest >= 1 {
            h ^= UInt32(bytes[i])
            h &*= m
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }

    /// The partition of `key` among `partitionCount` partitions.
    public static func partition(for key: some Collection<UInt8>, partitionCount: Int32) -> Int32 {
        precondition(partitionCount > 0, "a topic has at least one partition")
        return (hash(key) & 0x7fff_ffff) % partitionCount
    }
}
