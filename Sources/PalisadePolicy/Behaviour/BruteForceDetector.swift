import PalisadeDetect

/// Brute force: many failed authentications (401/403 on auth endpoints) from one identity.
///
/// Fires when, within `windowSecs`, an identity has at least `minFailures` failed attempts on
/// auth endpoints and failures are at least `minFailureRatio` of its auth attempts. The ratio is
/// what keeps a NAT or CDN address with many real users (who mostly log in fine) quiet.
/// Confidence grows with the failure ratio and with the count beyond the threshold.
public struct BruteForceDetector: Sendable {
    public struct Config: Sendable, Equatable {
        /// Default 10 failures.
        public var minFailures: Int = 10
        /// Default 0.6.
        public var minFailureRatio: Double = 0.6
        /// Default 300 s.
        public var windowSecs: Int = 300
        /// Statuses that mean "wrong credentials". Default 401, 403.
        public var failureStatuses: Set<Int> = [401, 403]
        /// Default 300 s.
        public var cooldownSecs: Int = 300
        public init() {}
    }

    struct State: Sendable {
        var counts: WindowCounts
        var lastFired: Int64?
    }

    public let config: Config
    var table: LRUTable<ClientIdentity, State>
    var fired = 0

    public init(config: Config = Config(), maxTrackedClients: Int = 50_000) {
        self.config = config
        table = LRUTable(capacity: maxTrackedClients)
    }

    public var stats: DetectorStats { table.detectorStats(findings: fired) }

    public mutating func observe(_ event: BehaviourEvent) -> [Finding] {
        guard event.isAuthEndpoint, let status = event.status else { return [] }
        let failed = config.failureStatuses.contains(status)
        let windowMs = Int64.millis(secs: config.windowSecs)
        let cooldownMs = Int64.millis(secs: config.cooldownSecs)
        var findings: [Finding] = []
        for identity in event.identities.all {
            let (finding, _) = table.update(
                identity, now: event.ts, make: State(counts: WindowCounts(windowMs: windowMs)),
                { state -> Finding? in
                    state.counts.add(ts: event.ts, failed: failed)
                    guard failed else { return nil }
                    let (total, failures) = state.counts.sums(now: event.ts)
                    let ratio = total > 0 ? Double(failures) / Double(total) : 0
                    guard failures >= max(1, config.minFailures), ratio >= config.minFailureRatio else { return nil }
                    if let last = state.lastFired, event.ts - last < cooldownMs { return nil }
                    state.lastFired = event.ts
                    let surplus = min(1, Double(failures) / (3 * Double(max(1, config.minFailures))))
                    return Finding(
                        kind: .bruteForce, attackClass: .bruteForce, identity: identity, event: event,
                        evidence:
                            "\(failures) of \(total) auth attempts failed in \(config.windowSecs) s (last \(event.endpoint.method) \(event.endpoint.template))",
                        counts: .init(events: total, failures: failures, windowSecs: config.windowSecs),
                        confidence: min(0.99, ratio * (0.8 + 0.2 * surplus)))
                })
            if let finding { findings.append(finding) }
        }
        fired += findings.count
        return findings
    }

    public mutating func expire(now: Int64) {
        table.expire(lastSeenBefore: now.minus(Int64.millis(secs: config.windowSecs)))
    }
}
