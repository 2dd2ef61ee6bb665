import PalisadeDetect

/// The behaviours the aggregator detects across requests (stable identifiers, used in policies).
public enum BehaviourKind: String, Sendable, Hashable, CaseIterable {
    case attackBurst = "attack_burst"
    case bruteForce = "brute_force"
    case credentialStuffing = "credential_stuffing"
    case enumeration
    case forcedBrowsing = "forced_browsing"
    case rateAnomaly = "rate_anomaly"

    /// Anomalies are unusual but not known-bad: `safe_blocking` never blocks on them alone.
    public var isAnomaly: Bool { self == .rateAnomaly }
}

/// What a behaviour detector reports about one client identity.
public struct Finding: Sendable, Equatable {
    /// Counts behind a finding; fields a detector does not use are 0.
    public struct Counts: Sendable, Equatable {
        /// Requests considered in the window.
        public var events: Int
        /// Of those, failures (401/403 for auth, 403/404 for enumeration, 404 for browsing) or attacks.
        public var failures: Int
        /// Distinct usernames, object ids or paths in the window.
        public var distinct: Int
        public var windowSecs: Int

        public init(events: Int = 0, failures: Int = 0, distinct: Int = 0, windowSecs: Int) {
            self.events = events
            self.failures = failures
            self.distinct = distinct
            self.windowSecs = windowSecs
        }
    }

    public var kind: BehaviourKind
    public var attackClass: AttackClass
    /// The identity the finding is about (the window's owner).
    public var identity: ClientIdentity
    /// All identities of the request that completed the finding (for rules that decide on
    /// another scope, e.g. the API key of an IP-scoped finding).
    public var identities: ClientIdentities
    /// The endpoint of that request (the window's endpoint for per-endpoint detectors).
    public var endpoint: Verdict.Endpoint
    public var ts: Int64
    public var requestID: String
    /// A one-line human summary, e.g. `12 of 13 logins failed in 300 s`.
    public var evidence: String
    public var counts: Counts
    /// 0…1.
    public var confidence: Double

    public init(
        kind: BehaviourKind, attackClass: AttackClass, identity: ClientIdentity, event: BehaviourEvent,
        evidence: String, counts: Counts, confidence: Double
    ) {
        self.kind = kind
        self.attackClass = attackClass
        self.identity = identity
        self.identities = event.identities
        self.endpoint = event.endpoint
        self.ts = event.ts
        self.requestID = event.requestID
        self.evidence = Policy.capped(evidence)
        self.counts = counts
        self.confidence = confidence.isFinite ? min(max(confidence, 0), 1) : 0
    }
}

/// Counters every detector keeps (for metrics; bounded memory made visible).
public struct DetectorStats: Sendable, Equatable {
    /// Windows currently tracked.
    public var tracked: Int = 0
    /// Windows dropped because the table was full (least recently used first).
    public var evictions: Int = 0
    /// Windows dropped because they were idle past their window.
    public var expirations: Int = 0
    public var findings: Int = 0
    public init() {}
}

extension LRUTable {
    /// The stats of a detector that keeps its per-identity windows in this table.
    func detectorStats(findings: Int) -> DetectorStats {
        var stats = DetectorStats()
        stats.tracked = count
        stats.evictions = evictions
        stats.expirations = expirations
        stats.findings = findings
        return stats
    }
}
