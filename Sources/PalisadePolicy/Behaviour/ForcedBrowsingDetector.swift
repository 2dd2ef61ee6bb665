import PalisadeDetect

/// Forced browsing: 404 storms across many distinct paths from one identity (directory and
/// file guessing, scanners probing for admin pages and backups).
///
/// Fires when, within `windowSecs`, an identity got 404 on at least `minDistinctPaths` distinct
/// paths and 404s are at least `minNotFoundRatio` of its requests. Paths are `pathHash` (the
/// concrete path), else the template. Memory: `2 × minDistinctPaths` hashes per identity.
public struct ForcedBrowsingDetector: Sendable {
    public struct Config: Sendable, Equatable {
        /// Default 25 paths.
        public var minDistinctPaths: Int = 25
        /// Default 0.5.
        public var minNotFoundRatio: Double = 0.5
        /// Default 120 s.
        public var windowSecs: Int = 120
        /// Default 120 s.
        public var cooldownSecs: Int = 120
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
        guard let status = event.status else { return [] }
        let notFound = status == 404
        let path = event.pathHash ?? StableHash.fnv1a64(event.endpoint.template)
        let windowMs = Int64.millis(secs: config.windowSecs)
        let cooldownMs = Int64.millis(secs: config.cooldownSecs)
        let need = min(max(1, config.minDistinctPaths), 10_000)
        var findings: [Finding] = []
        for identity in event.identities.all {
            let (finding, _) = table.update(
                identity, now: event.ts,
                make: State(counts: WindowCounts(windowMs: windowMs), distinct: DistinctSet(capacity: 2 * need)),
                { state -> Finding? in
                    state.counts.add(ts: event.ts, failed: notFound)
                    guard notFound else { return nil }
                    state.distinct.insert(path, ts: event.ts)
                    let distinct = state.distinct.count(since: event.ts - windowMs)
                    let (total, failures) = state.counts.sums(now: event.ts)
                    let ratio = total > 0 ? Double(failures) / Double(total) : 0
                    guard distinct >= need, ratio >= config.minNotFoundRatio else { return nil }
                    if let last = state.lastFired, event.ts - last < cooldownMs { return nil }
                    state.lastFired = event.ts
                    return Finding(
                        kind: .forcedBrowsing, attackClass: .forcedBrowsing, identity: identity, event: event,
                        evidence:
                            "404 on \(distinct) distinct paths, \(failures) of \(total) requests in \(config.windowSecs) s",
                        counts: .init(
                            events: total, failures: failures, distinct: distinct, windowSecs: config.windowSecs),
                        confidence: min(0.99, 0.45 + 0.5 * ratio))
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
