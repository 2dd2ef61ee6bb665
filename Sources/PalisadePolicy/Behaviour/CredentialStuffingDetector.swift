import PalisadeDetect

/// Credential stuffing: one identity failing logins for many distinct usernames.
///
/// Fires when, within `windowSecs`, an identity has failed auth attempts for at least
/// `minDistinctUsernames` usernames and failures are at least `minFailureRatio` of its auth
/// attempts (stuffing lists mostly fail; a NAT address with many users mostly succeeds).
/// Needs `usernameHash` on login events. Memory: `2 × minDistinctUsernames` hashes per identity.
public struct CredentialStuffingDetector: Sendable {
    public struct Config: Sendable, Equatable {
        /// Default 10 usernames.
        public var minDistinctUsernames: Int = 10
        /// Default 0.5.
        public var minFailureRatio: Double = 0.5
        /// Default 600 s.
        public var windowSecs: Int = 600
        /// Default 401, 403.
        public var failureStatuses: Set<Int> = [401, 403]
        /// Default 600 s.
        public var cooldownSecs: Int = 600
        public init() {}
    }

    typealias State = DistinctWindowState

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
        let need = min(max(1, config.minDistinctUsernames), 10_000)
        var findings: [Finding] = []
        for identity in event.identities.all {
            let (finding, _) = table.update(
                identity, now: event.ts,
                make: State(counts: WindowCounts(windowMs: windowMs), distinct: DistinctSet(capacity: 2 * need)),
                { state -> Finding? in
                    state.counts.add(ts: event.ts, failed: failed)
                    guard failed, let username = event.usernameHash else { return nil }
                    state.distinct.insert(username, ts: event.ts)
                    let distinct = state.distinct.count(since: event.ts - windowMs)
                    let (total, failures) = state.counts.sums(now: event.ts)
                    let ratio = total > 0 ? Double(failures) / Double(total) : 0
                    guard distinct >= need, ratio >= config.minFailureRatio else { return nil }
                    if let last = state.lastFired, event.ts - last < cooldownMs { return nil }
                    state.lastFired = event.ts
                    let spread = min(1, Double(distinct) / Double(2 * need))
                    return Finding(
                        kind: .credentialStuffing, attackClass: .credentialStuffing, identity: identity, event: event,
                        evidence:
                            "failed logins for \(distinct) usernames, \(failures) of \(total) attempts failed in \(config.windowSecs) s",
                        counts: .init(
                            events: total, failures: failures, distinct: distinct, windowSecs: config.windowSecs),
                        confidence: min(0.99, ratio * (0.8 + 0.2 * spread)))
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
