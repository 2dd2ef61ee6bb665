import PalisadeCore

/// When a baseline starts enforcing and how parameters are judged (docs/LEARNING.md).
public struct BaselineConfig: Sendable, Equatable {
    /// Requests before an endpoint's baseline enforces.
    public var minRequests: Int = 200
    /// Requests carrying a parameter before its format, length and charset are enforced.
    public var minParamSamples: Int = 30
    /// Presence at or above which a query/body parameter is required.
    public var requiredPresence: Double = 0.99
    /// Share of requests wrapped (or Base64/JWT-formatted) for `encoded`.
    public var encodedShare: Double = 0.9

    public init() {}
}

/// Builds `EndpointBaseline`s from discovered endpoints' statistics.
public struct BaselineBuilder: Sendable {
    public var config: BaselineConfig

    public init(config: BaselineConfig = BaselineConfig()) {
        self.config = config
    }

    /// The baseline of an endpoint; `previous` (the last one published) sets the version.
    public func build(_ endpoint: DiscoveredEndpoint, now: Int64, previous: EndpointBaseline? = nil) -> EndpointBaseline
    {
        let stats = endpoint.stats
        var parameters: [ParameterBaseline] = []
        for (i, segment) in endpoint.segments.enumerated() {
            guard case .param(let name, _) = segment, i < stats.segmentStats.count else { continue }
            var p = parameter(stats.segmentStats[i], requests: stats.requests)
            p.location = "path.{" + name + "}"
            p.required = true
            parameters.append(p)
        }
        for p in stats.params.values { parameters.append(parameter(p, requests: stats.requests)) }
        let enforcing = stats.requests >= config.minRequests
        return EndpointBaseline(
            endpoint: endpoint.key, segments: endpoint.segments, state: enforcing ? .enforcing : .learning,
            version: (previous?.version ?? 0) + 1, samples: stats.requests, updatedAt: now,
            openParameters: stats.params.count >= stats.maxParams || stats.droppedParams > 0,
            parameters: parameters, statusCounts: stats.statusCounts, authSchemes: stats.authSchemes.schemes,
            contentTypes: stats.contentTypes.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
                .map(\.key))
    }

    func parameter(_ s: ParameterStats, requests: Int) -> ParameterBaseline {
        let presence = requests > 0 ? min(1, Double(s.requests) / Double(requests)) : 0
        let formats = s.formatFrequencies.map { FormatFrequency(format: $0.format, frequency: $0.frequency) }
        var encodedShare = s.requests > 0 ? Double(s.encodedRequests) / Double(s.requests) : 0
        for f in formats where f.format == .base64 || f.format == .jwt { encodedShare = max(encodedShare, f.frequency) }
        let required = (s.source == .query || s.source == .body) && presence >= config.requiredPresence
        return ParameterBaseline(
            location: s.location, source: s.source, samples: s.requests, presence: presence,
            required: required && requests >= config.minRequests, enforced: s.requests >= config.minParamSamples,
            formats: formats, minLength: s.lengths.total > 0 ? s.lengths.min : 0, maxLength: s.lengths.max,
            p1Length: s.lengths.quantile(0.01), p99Length: s.lengths.quantile(0.99), charset: s.charset,
            type: s.dominantType, sensitive: s.sensitive.kinds,
            encoded: s.requests > 0 && encodedShare >= config.encodedShare)
    }
}
