/// A fixed-bucket length histogram: exact lengths 0…7, then two buckets per power of two up to
/// 1 MiB (longer lengths share the last bucket). 42 counters, merge by addition, quantiles to
/// within one bucket, exact min and max kept alongside.
public struct LengthHistogram: Sendable, Hashable {
    public static let bucketCount = 42
    public internal(set) var counts: [UInt32]
    public internal(set) var total: Int = 0
    public internal(set) var min: Int = Int.max
    public internal(set) var max: Int = 0

    public init() {
        counts = [UInt32](repeating: 0, count: Self.bucketCount)
    }

    /// The bucket for a length.
    @inline(__always)
    public static func bucket(_ length: Int) -> Int {
        if length < 8 { return Swift.max(length, 0) }
        let octave = (Int.bitWidth - 1) - length.leadingZeroBitCount  // ≥ 3
        let half = (length >> (octave - 1)) & 1  // upper or lower half of the octave
        return Swift.min(8 + (octave - 3) * 2 + half, bucketCount - 1)
    }

    /// Smallest and largest length falling in a bucket.
    public static func range(ofBucket bucket: Int) -> ClosedRange<Int> {
        if bucket < 8 { return bucket...bucket }
        let octave = (bucket - 8) / 2 + 3
        let half = (bucket - 8) % 2
        let low = (1 << octave) + half * (1 << (octave - 1))
        let high = bucket == bucketCount - 1 ? Int.max : low + (1 << (octave - 1)) - 1
        return low...high
    }

    public mutating func add(_ length: Int, count: Int = 1) {
        let b = Self.bucket(length)
        let (sum, overflow) = counts[b].addingReportingOverflow(UInt32(clamping: count))
        counts[b] = overflow ? .max : sum
        total += count
        min = Swift.min(min, length)
        max = Swift.max(max, length)
    }

    public mutating func merge(_ other: LengthHistogram) {
        for i in 0..<Self.bucketCount {
            let (sum, overflow) = counts[i].addingReportingOverflow(other.counts[i])
            counts[i] = overflow ? .max : sum
        }
        total += other.total
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
    }

    /// The length below which a fraction `q` (0…1) of values fall, to within a bucket; clamped
    /// to the exact min/max. 0 when empty.
    public func quantile(_ q: Double) -> Int {
        guard total > 0 else { return 0 }
        let target = Swift.max(1, Int((q * Double(total)).rounded(.up)))
        var seen = 0
        for (i, count) in counts.enumerated() {
            seen += Int(count)
            if seen >= target {
                let r = Self.range(ofBucket: i)
                let value = q < 0.5 ? r.lowerBound : Swift.min(r.upperBound, max)
                return Swift.min(Swift.max(value, min), max)
            }
        }
        return max
    }
}
