/// Every behaviour detector, fed the same events. A value type: `observe` returns the findings
/// (the actions), nothing else happens.
public struct BehaviourEngine: Sendable {
    /// Configuration of all detectors, with documented defaults (see each detector's `Config`).
    public struct Config: Sendable, Equatable {
        /// Windows each detector may keep (per identity, or identity × endpoint). Default 50,000.
        public var maxTrackedClients: Int = 50_000
        public var attackBurst = AttackBurstDetector.Config()
        public var bruteForce = BruteForceDetector.Config()
        public var credentialStuffing = CredentialStuffingDetector.Config()
        public var enumeration = EnumerationDetector.Config()
        public var forcedBrowsing = ForcedBrowsingDetector.Config()
        public var rateAnomaly = RateAnomalyDetector.Config()
        public init() {}
    }

    public internal(set) var attackBurst: AttackBurstDetector
    public internal(set) var bruteForce: BruteForceDetector
    public internal(set) var credentialStuffing: CredentialStuffingDetector
    public internal(set) var enumeration: EnumerationDetector
    public internal(set) var forcedBrowsing: ForcedBrowsingDetector
    public internal(set) var rateAnomaly: RateAnomalyDetector

    public init(config: Config = Config()) {
        let cap = config.maxTrackedClients
        attackBurst = AttackBurstDetector(config: config.attackBurst, maxTrackedClients: cap)
        bruteForce = BruteForceDetector(config: config.bruteForce, maxTrackedClients: cap)
        credentialStuffing = CredentialStuffingDetector(config: config.credentialStuffing, maxTrackedClients: cap)
        enumeration = EnumerationDetector(config: config.enumeration, maxTrackedClients: cap)
        forcedBrowsing = ForcedBrowsingDetector(config: config.forcedBrowsing, maxTrackedClients: cap)
        rateAnomaly = RateAnomalyDetector(config: config.rateAnomaly, maxTrackedClients: cap)
    }

    public mutating func observe(_ event: BehaviourEvent) -> [Finding] {
        var out = attackBurst.observe(event)
        out += bruteForce.observe(event)
        out += credentialStuffing.observe(event)
        out += enumeration.observe(event)
        out += forcedBrowsing.observe(event)
        out += rateAnomaly.observe(event)
        return out
    }

    /// Drops idle windows everywhere; call periodically with the current time.
    public mutating func expire(now: Int64) {
        attackBurst.expire(now: now)
        bruteForce.expire(now: now)
        credentialStuffing.expire(now: now)
        enumeration.expire(now: now)
        forcedBrowsing.expire(now: now)
        rateAnomaly.expire(now: now)
    }

    /// Stats per behaviour kind.
    public var stats: [BehaviourKind: DetectorStats] {
        [
            .attackBurst: attackBurst.stats, .bruteForce: bruteForce.stats,
            .credentialStuffing: credentialStuffing.stats, .enumeration: enumeration.stats,
            .forcedBrowsing: forcedBrowsing.stats, .rateAnomaly: rateAnomaly.stats,
        ]
    }
}
