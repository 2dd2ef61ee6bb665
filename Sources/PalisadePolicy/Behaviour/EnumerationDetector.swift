import PalisadeDetect

/// One identity on one endpoint: the window key of detectors that judge per endpoint.
struct IdentityAtEndpoint: Hashable, Sendable {
    var identity: ClientIdentity
    var endpoint: Verdict.Endpoint
}

/// Enumeration / BOLA: one identity walking many distinct object ids on one endpoint template
/// and often being refused or missing (403/404).
///
/// Fires when, within `windowSecs`, an identity requested at least `minDistinctIDs` distinct ids
/// on one template, at least `minFailures` of its requests there were 403/404, and those are at
/// least `minFailureRatio` of its requests there. A busy client reading many objects it owns
/// (200s) never fires. Needs `objectIDHash`. Confidence grows with the failure ratio.
/// Memory: one window per identity × template, `2 × minDistinctIDs` hashes each.
public struct EnumerationDetector: Sendable {
    public struct Config: Sendable, Equatable {
        /// Default 30 ids.
        public var minDistinctIDs: Int = 30
        /// Default 10.
        public var minFailures: Int = 10
        /// Default 0.3.
        public var minFailureRatio: Double = 0.3
        /// Default 300 s.
        public var windowSecs: Int = 300
        /// Default 403, 404.
        public var failureStatuses: Set<Int> = [403, 404]
        /// Default 300 s.
        public var cooldownSecs: Int = 300
        public init() {}
    }

    typealias Key = IdentityAtEndpoint

    typealias State = DistinctWindowState

    public let config: Config
    var table: LRUTable<Key, State>
    var fired = 0

    public init(config: Config = Config(), maxTrackedClients: Int = 50_000) {
        self.config = config
        table = LRUTable(capacity: maxTrackedClients)
    }

    public var stats: DetectorStats { table.detectorStats(findings: fired) }

    public mutating func observe(_ event: BehaviourEvent) -> [Finding] {
        guard let id = event.objectIDHash, let status = event.status, !event.isAuthEndpoint else { return [] }
        let failed = config.failureStatuses.contains(status)
        let windowMs = Int64.millis(secs: config.windowSecs)
        let cooldownMs = Int64.millis(secs: config.cooldownSecs)
        let need = min(max(1, config.minDistinctIDs), 10_000)
        var findings: [Finding] = []
        for identity in event.identities.all {
            let (finding, _) = table.update(
                Key(identity: identity, endpoint: event.endpoint), now: event.ts,
                make: State(counts: WindowCounts(windowMs: windowMs), distinct: DistinctSet(capacity: 2 * need)),
                { state -> Finding? in
                    state.counts.add(ts: event.ts, failed: failed)
                    state.distinct.insert(id, ts: event.ts)
                    guard failed else { return nil }
                    let distinct = state.distinct.count(since: event.ts - windowMs)
                    let (total, failures) = state.counts.sums(now: event.ts)
                    let ratio = total > 0 ? Double(failures) / Double(total) : 0
                    guard distinct >= need, failures >= config.minFailures, ratio >= config.minFailureRatio else {
                        return nil
                    }
                    if let last = state.lastFired, event.ts - last < cooldownMs { return nil }
                    state.lastFired = event.ts
                    return Finding(
                        kind: .enumeration, attackClass: .bola, identity: identity, event: event,
                        evidence:
                            "\(distinct) distinct ids on \(event.endpoint.method) \(event.endpoint.template), \(failures) of \(total) refused or missing in \(config.windowSecs) s",
                        counts: .init(
                            events: total, failures: failures, distinct: distinct, windowSecs: config.windowSecs),
                        confidence: min(0.99, 0.5 + 0.5 * ratio))
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
