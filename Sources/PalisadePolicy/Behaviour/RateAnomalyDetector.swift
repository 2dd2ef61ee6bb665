import PalisadeCore
import PalisadeDetect

/// Rate anomaly: an identity requesting one endpoint far faster than clients normally do.
///
/// Each endpoint keeps a `RateBaseline` of per-client request counts per `bucketSecs` bucket
/// (a client's bucket is recorded when it closes: on its next request in a later bucket, or when
/// its window is evicted or expires). The detector fires while a client's current bucket exceeds
/// `multiplier ×` the endpoint's p99, once the baseline has `minBaselineSamples` samples and the
/// count is at least `minRequestsPerBucket`. Buckets that fired are kept out of the baseline so
/// an attacker cannot teach it their own rate.
///
/// Shared addresses: an IP seen with at least `sharedIPMinUsers` distinct API keys / JWT
/// subjects in `sharedWindowSecs` is a NAT/CDN/proxy; it gets no IP-scoped rate findings (its
/// users are still judged by their own key/subject) and does not feed the baseline.
public struct RateAnomalyDetector: Sendable {
    public struct Config: Sendable, Equatable {
        /// Default 60 s.
        public var bucketSecs: Int = 60
        /// Fire above this multiple of the endpoint's p99. Default 5.
        public var multiplier: Double = 5
        /// Default 0.99.
        public var quantile: Double = 0.99
        /// Default 120 requests per bucket (2/s with 60 s buckets).
        public var minRequestsPerBucket: Int = 120
        /// Client-buckets the endpoint must have seen before judging. Default 50.
        public var minBaselineSamples: Int = 50
        /// Default 5 users.
        public var sharedIPMinUsers: Int = 5
        /// Default 600 s.
        public var sharedWindowSecs: Int = 600
        /// Endpoints with a baseline. Default 10,000.
        public var maxEndpoints: Int = 10_000
        /// Default 300 s.
        public var cooldownSecs: Int = 300
        public init() {}
    }

    typealias Key = IdentityAtEndpoint

    struct Bucket: Sendable {
        var id: Int64 = -1
        var count = 0
        var flagged = false
        var shared = false
        var lastFired: Int64?
    }

    public let config: Config
    var clients: LRUTable<Key, Bucket>
    var baselines: LRUTable<Verdict.Endpoint, RateBaseline>
    var ipUsers: LRUTable<String, DistinctSet>
    var fired = 0

    public init(config: Config = Config(), maxTrackedClients: Int = 50_000) {
        self.config = config
        clients = LRUTable(capacity: maxTrackedClients)
        baselines = LRUTable(capacity: config.maxEndpoints)
        ipUsers = LRUTable(capacity: maxTrackedClients)
    }

    public var stats: DetectorStats {
        var s = DetectorStats()
        s.tracked = clients.count
        s.evictions = clients.evictions + baselines.evictions + ipUsers.evictions
        s.expirations = clients.expirations + ipUsers.expirations
        s.findings = fired
        return s
    }

    /// The endpoint's baseline (for tests and the dashboard).
    public func baseline(for endpoint: Verdict.Endpoint) -> RateBaseline? { baselines.peek(endpoint) }

    private func isShared(ip: String, now: Int64) -> Bool {
        guard let users = ipUsers.peek(ip) else { return false }
        return users.count(since: now - Int64.millis(secs: config.sharedWindowSecs))
            >= min(max(1, config.sharedIPMinUsers), 1_000)
    }

    private mutating func close(_ endpoint: Verdict.Endpoint, _ bucket: Bucket, now: Int64) {
        guard bucket.count > 0, !bucket.flagged, !bucket.shared else { return }
        baselines.update(endpoint, now: now, make: RateBaseline()) { $0.record(bucket.count) }
    }

    public mutating func observe(_ event: BehaviourEvent) -> [Finding] {
        let now = event.ts
        let bucketMs = max(1, Int64.millis(secs: config.bucketSecs))
        let bucketID = now / bucketMs
        if let ip = event.identities.ip {
            let user = event.identities.jwtSub.map { "s" + $0 } ?? event.identities.apiKeyHash.map { "k" + $0 }
            if let user {
                let cap = min(max(1, config.sharedIPMinUsers), 1_000)
                ipUsers.update(ip, now: now, make: DistinctSet(capacity: cap)) {
                    $0.insert(StableHash.fnv1a64(user), ts: now)
                }
            }
        }
        var findings: [Finding] = []
        for identity in event.identities.all {
            let shared = identity.scope == .ip && isShared(ip: identity.value, now: now)
            let key = Key(identity: identity, endpoint: event.endpoint)
            let (step, evicted) = clients.update(key, now: now, make: Bucket()) {
                bucket -> (closed: Bucket?, count: Int, flagged: Bool, lastFired: Int64?) in
                var closed: Bucket?
                if bucket.id != bucketID {
                    if bucket.id >= 0 { closed = bucket }
                    bucket = Bucket(id: bucketID, count: 0, flagged: false, shared: false, lastFired: bucket.lastFired)
                }
                bucket.count += 1
                bucket.shared = bucket.shared || shared
                return (closed, bucket.count, bucket.flagged, bucket.lastFired)
            }
            if let closed = step.closed { close(event.endpoint, closed, now: now) }
            if let evicted { close(evicted.key.endpoint, evicted.value, now: now) }
            guard !shared, !step.flagged, step.count >= config.minRequestsPerBucket,
                let baseline = baselines.peek(event.endpoint), baseline.samples >= config.minBaselineSamples,
                let p99 = baseline.quantile(config.quantile)
            else { continue }
            let limit = config.multiplier * p99
            guard Double(step.count) > limit else { continue }
            if let last = step.lastFired, now - last < Int64.millis(secs: config.cooldownSecs) { continue }
            clients.update(key, now: now, make: Bucket()) {
                $0.flagged = true
                $0.lastFired = now
            }
            let times = Double(step.count) / max(p99, 1)
            var log2 = 0.0
            var r = Double(step.count) / max(limit, 1)
            while r >= 2 {
                r /= 2
                log2 += 1
            }
            findings.append(
                Finding(
                    kind: .rateAnomaly, attackClass: .rateAnomaly, identity: identity, event: event,
                    evidence:
                        "\(step.count) requests to \(event.endpoint.method) \(event.endpoint.template) in \(config.bucketSecs) s, \(JSONWriter.format(times, decimals: 1))× the endpoint's p99 of \(JSONWriter.format(p99, decimals: 1))",
                    counts: .init(events: step.count, windowSecs: config.bucketSecs),
                    confidence: min(0.9, 0.6 + 0.1 * log2)))
        }
        fired += findings.count
        return findings
    }

    /// Closes idle buckets into their baselines and drops idle identities.
    public mutating func expire(now: Int64) {
        let bucketMs = max(1, Int64.millis(secs: config.bucketSecs))
        for (key, bucket) in clients.expire(lastSeenBefore: now.minus(2 * bucketMs)) {
            close(key.endpoint, bucket, now: now)
        }
        ipUsers.expire(lastSeenBefore: now.minus(Int64.millis(secs: config.sharedWindowSecs)))
    }
}
