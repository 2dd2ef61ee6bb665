import PalisadeDetect

/// Attack bursts: `minAttacks` attack verdicts from one identity within `windowSecs`.
///
/// Counts verdicts flagged `attack` whose best non-anomaly hit has at least `minHitConfidence`.
/// The finding's class is the most frequent class in the burst; its confidence is the mean of
/// the verdicts' best hit confidences. Memory: a ring of `minAttacks` entries per identity.
public struct AttackBurstDetector: Sendable {
    public struct Config: Sendable, Equatable {
        /// Attack verdicts needed in the window. Default 5.
        public var minAttacks: Int = 5
        /// Default 60 s.
        public var windowSecs: Int = 60
        /// Verdicts whose best hit is weaker are not counted. Default 0.5.
        public var minHitConfidence: Double = 0.5
        /// After firing, stay quiet this long for the same identity. Default 60 s.
        public var cooldownSecs: Int = 60
        public init() {}
    }

    struct Entry: Sendable {
        var ts: Int64
        var attackClass: AttackClass
        var confidence: Double
    }

    struct State: Sendable {
        var recent: Ring<Entry>
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
        guard event.attack, let top = event.topAttackClass, top.confidence >= config.minHitConfidence else { return [] }
        let windowMs = Int64.millis(secs: config.windowSecs)
        let cooldownMs = Int64.millis(secs: config.cooldownSecs)
        let need = min(max(1, config.minAttacks), 10_000)
        var findings: [Finding] = []
        for identity in event.identities.all {
            let (finding, _) = table.update(
                identity, now: event.ts, make: State(recent: Ring(capacity: need)),
                { state -> Finding? in
                    state.recent.append(Entry(ts: event.ts, attackClass: top.attackClass, confidence: top.confidence))
                    guard state.recent.isFull, let oldest = state.recent.oldest, oldest.ts >= event.ts - windowMs
                    else { return nil }
                    if let last = state.lastFired, event.ts - last < cooldownMs { return nil }
                    state.lastFired = event.ts
                    var byClass: [AttackClass: Int] = [:]
                    var sum = 0.0
                    for entry in state.recent.items {
                        byClass[entry.attackClass, default: 0] += 1
                        sum += entry.confidence
                    }
                    let dominant =
                        byClass.max { ($0.value, $1.key.rawValue) < ($1.value, $0.key.rawValue) }?.key
                        ?? top.attackClass
                    let classes = byClass.keys.map(\.rawValue).sorted().joined(separator: ",")
                    return Finding(
                        kind: .attackBurst, attackClass: dominant, identity: identity, event: event,
                        evidence: "\(need) attack verdicts in \(config.windowSecs) s (\(classes))",
                        counts: .init(
                            events: need, failures: need, distinct: byClass.count, windowSecs: config.windowSecs),
                        confidence: sum / Double(need))
                })
            if let finding { findings.append(finding) }
        }
        fired += findings.count
        return findings
    }

    /// Drops identities idle for longer than the window.
    public mutating func expire(now: Int64) {
        table.expire(lastSeenBefore: now.minus(Int64.millis(secs: config.windowSecs)))
    }
}
