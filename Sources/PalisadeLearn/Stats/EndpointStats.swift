import PalisadeCore

/// Streaming statistics of one endpoint: request count, statuses, auth schemes, content types,
/// body sizes, per-position path segment shapes and per-parameter stats. Bounded: at most
/// `maxParams` parameters and `maxContentTypes` content types are tracked, the rest counted.
/// Merge-able: `a.merge(b)` equals the stats of the union of their observations (up to the caps).
public struct EndpointStats: Sendable, Hashable {
    public var maxParams: Int
    public var maxContentTypes: Int

    public var requests: Int = 0
    public var firstSeen: Int64 = .max
    public var lastSeen: Int64 = .min
    /// Status code → count (codes outside 100…599 count under 0).
    public var statusCounts: [Int: Int] = [:]
    /// Per `AuthScheme.index`.
    public var authCounts: [Int] = [Int](repeating: 0, count: AuthScheme.allCases.count)
    public var contentTypes: [String: Int] = [:]
    public var otherContentTypes: Int = 0
    public var bodyBytes = LengthHistogram()
    /// Per path position (0 = first segment), the shapes of the segments seen there.
    public var segmentStats: [ParameterStats] = []
    /// Non-path parameters by normalized location.
    public var params: [String: ParameterStats] = [:]
    /// Parameter observations not tracked because of `maxParams` (counted, not stored).
    public var droppedParams: Int = 0

    public init(maxParams: Int = 128, maxContentTypes: Int = 8) {
        self.maxParams = maxParams
        self.maxContentTypes = maxContentTypes
    }

    public mutating func add(_ o: EndpointObservation) {
        requests += 1
        firstSeen = min(firstSeen, o.ts)
        lastSeen = max(lastSeen, o.ts)
        let status = o.status.map { (100...599).contains($0) ? $0 : 0 } ?? 0
        statusCounts[status, default: 0] += 1
        authCounts[o.auth.index] += 1
        if let ct = o.contentType {
            if contentTypes[ct] != nil || contentTypes.count < maxContentTypes {
                contentTypes[ct, default: 0] += 1
            } else {
                otherContentTypes += 1
            }
        }
        bodyBytes.add(o.bodyBytes)
        for (i, segment) in o.segments.enumerated() {
            if i == segmentStats.count {
                segmentStats.append(ParameterStats(location: "path[" + String(i) + "]", source: .path))
            }
            segmentStats[i].add(
                ParamObservation(location: "", source: .path, shape: segment.shape, sensitive: segment.sensitive),
                ts: o.ts)
        }
        droppedParams += o.droppedParams
        for p in o.params where p.source != .path {
            if params[p.location] != nil || params.count < maxParams {
                params[p.location, default: ParameterStats(location: p.location, source: p.source)].add(p, ts: o.ts)
            } else {
                droppedParams += 1
            }
        }
    }

    public mutating func merge(_ other: EndpointStats) {
        requests += other.requests
        firstSeen = min(firstSeen, other.firstSeen)
        lastSeen = max(lastSeen, other.lastSeen)
        for (code, count) in other.statusCounts { statusCounts[code, default: 0] += count }
        for i in authCounts.indices { authCounts[i] += other.authCounts[i] }
        for (ct, count) in other.contentTypes.sorted(by: { $0.key < $1.key }) {
            if contentTypes[ct] != nil || contentTypes.count < maxContentTypes {
                contentTypes[ct, default: 0] += count
            } else {
                otherContentTypes += count
            }
        }
        otherContentTypes += other.otherContentTypes
        bodyBytes.merge(other.bodyBytes)
        for (i, s) in other.segmentStats.enumerated() {
            if i < segmentStats.count { segmentStats[i].merge(s) } else { segmentStats.append(s) }
        }
        droppedParams += other.droppedParams
        for (location, s) in other.params.sorted(by: { $0.key < $1.key }) {
            if params[location] != nil || params.count < maxParams {
                params[location, default: ParameterStats(location: location, source: s.source)].merge(s)
            } else {
                droppedParams += s.requests
            }
        }
    }

    /// Auth schemes seen at least once.
    public var authSchemes: AuthSchemeSet {
        var set: AuthSchemeSet = []
        for scheme in AuthScheme.allCases where authCounts[scheme.index] > 0 { set.insert(AuthSchemeSet(scheme)) }
        return set
    }

    /// Sensitive kinds seen in any parameter.
    public var sensitiveKinds: SensitiveSet {
        var set: SensitiveSet = []
        for p in params.values { set.formUnion(p.sensitive) }
        for s in segmentStats { set.formUnion(s.sensitive) }
        return set
    }
}
