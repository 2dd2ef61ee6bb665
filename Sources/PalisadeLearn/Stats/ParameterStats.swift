import PalisadeCore

/// Streaming statistics of one parameter on one endpoint. Fixed size whatever the traffic, merge
/// by addition (merge of two partial stats equals the stats of the union), values never kept.
public struct ParameterStats: Sendable, Hashable {
    public var location: String
    public var source: ParamSource
    /// Requests in which the parameter appeared.
    public var requests: Int = 0
    /// Values seen (array elements count separately).
    public var values: Int = 0
    /// Per `ValueFormat.index`: requests showing that format.
    public var formatCounts: [UInt32] = [UInt32](repeating: 0, count: ValueFormat.allCases.count)
    /// Per charset bit (`CharsetClass`): requests whose values used that class.
    public var charsetCounts: [UInt32] = [UInt32](repeating: 0, count: 8)
    public var charset: CharsetClass = []
    /// Per `ValueType.index`.
    public var typeCounts: [UInt32] = [UInt32](repeating: 0, count: ValueType.allCases.count)
    public var lengths = LengthHistogram()
    public var sensitive: SensitiveSet = []
    /// Requests where the value arrived wrapped (Base64, JSON, JWT, …).
    public var encodedRequests: Int = 0
    public var encodings: EncodingSet = []
    public var firstSeen: Int64 = .max
    public var lastSeen: Int64 = .min

    public init(location: String, source: ParamSource) {
        self.location = location
        self.source = source
    }

    public mutating func add(_ p: ParamObservation, ts: Int64) {
        requests += 1
        values += p.occurrences
        for format in ValueFormat.byIndex where p.formats.contains(FormatSet(format)) {
            formatCounts[format.index] &+= 1
        }
        for bit in 0..<8 where p.shape.charset.rawValue & (1 << UInt8(bit)) != 0 {
            charsetCounts[bit] &+= 1
        }
        charset.formUnion(p.shape.charset)
        typeCounts[p.type.index] &+= 1
        lengths.add(p.shape.length)
        if p.minLength != p.shape.length { lengths.add(p.minLength) }
        sensitive.formUnion(p.sensitive)
        if !p.encodings.isEmpty {
            encodedRequests += 1
            encodings.formUnion(p.encodings)
        }
        firstSeen = min(firstSeen, ts)
        lastSeen = max(lastSeen, ts)
    }

    public mutating func merge(_ other: ParameterStats) {
        requests += other.requests
        values += other.values
        for i in formatCounts.indices { formatCounts[i] &+= other.formatCounts[i] }
        for i in charsetCounts.indices { charsetCounts[i] &+= other.charsetCounts[i] }
        for i in typeCounts.indices { typeCounts[i] &+= other.typeCounts[i] }
        charset.formUnion(other.charset)
        lengths.merge(other.lengths)
        sensitive.formUnion(other.sensitive)
        encodedRequests += other.encodedRequests
        encodings.formUnion(other.encodings)
        firstSeen = min(firstSeen, other.firstSeen)
        lastSeen = max(lastSeen, other.lastSeen)
    }

    /// Formats seen, most frequent first, with their share of requests.
    public var formatFrequencies: [(format: ValueFormat, frequency: Double)] {
        guard requests > 0 else { return [] }
        return ValueFormat.byIndex.compactMap { f in
            let c = formatCounts[f.index]
            return c == 0 ? nil : (f, Double(c) / Double(requests))
        }.sorted { $0.frequency > $1.frequency || ($0.frequency == $1.frequency && $0.format.index < $1.format.index) }
    }

    /// The dominant value type (for schemas).
    public var dominantType: ValueType {
        var best = ValueType.string
        var bestCount: UInt32 = 0
        for type in ValueType.allCases where typeCounts[type.index] > bestCount {
            best = type
            bestCount = typeCounts[type.index]
        }
        return best
    }
}
