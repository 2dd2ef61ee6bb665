/// Distribution of per-client request counts per bucket on one endpoint, as a log-scale
/// histogram (4 bins per doubling, 64 bins: up to ~2^16 requests per bucket) with exponential
/// forgetting: when `maxSamples` is reached every bin is halved, so old traffic fades.
public struct RateBaseline: Sendable, Equatable {
    public static let bins = 64
    private var counts: [UInt32] = Array(repeating: 0, count: RateBaseline.bins)
    public private(set) var samples = 0
    public let maxSamples: Int

    public init(maxSamples: Int = 20_000) {
        self.maxSamples = min(max(100, maxSamples), 1 << 30)
    }

    static func bin(of value: Int) -> Int {
        guard value > 1 else { return 0 }
        var log2 = 0.0
        var v = Double(value)
        while v >= 2 {
            v /= 2
            log2 += 1
        }
        // fractional part by 4 sub-bins of each doubling
        let sub = v < 1.189_207 ? 0 : v < 1.414_214 ? 1 : v < 1.681_793 ? 2 : 3
        return min(bins - 1, Int(log2) * 4 + sub)
    }

    /// Upper edge of a bin.
    static func upper(of bin: Int) -> Double {
        var x = 1.0
        for _ in 0..<((bin + 1) / 4) { x *= 2 }
        let fractions = [1.0, 1.189_207, 1.414_214, 1.681_793]
        return x * fractions[(bin + 1) % 4]
    }

    public mutating func record(_ value: Int) {
        counts[Self.bin(of: value)] += 1
        samples += 1
        if samples >= maxSamples {
            samples = 0
            for i in counts.indices {
                counts[i] /= 2
                samples += Int(counts[i])
            }
        }
    }

    /// The value below which `q` (0…1) of samples fall (upper bin edge), nil when empty.
    public func quantile(_ q: Double) -> Double? {
        guard samples > 0 else { return nil }
        let target = Double(samples) * min(max(q, 0), 1)
        var seen = 0.0
        for i in counts.indices {
            seen += Double(counts[i])
            if seen >= target, counts[i] > 0 { return Self.upper(of: i) }
        }
        return Self.upper(of: Self.bins - 1)
    }
}

extension RateBaseline: StateCodable {
    func encode(to w: inout StateWriter) {
        w.int(maxSamples)
        w.int(samples)
        w.array(counts) { $0.u64(UInt64($1)) }
    }

    init(from r: inout StateReader) throws {
        self.init(maxSamples: try r.int())
        samples = try r.int()
        counts = try r.array(minBytes: 8) { UInt32(truncatingIfNeeded: try $0.u64()) }
        guard counts.count == Self.bins, samples >= 0 else { throw StateCodingError("bad rate baseline") }
    }
}
