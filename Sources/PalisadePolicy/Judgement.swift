/// The aggregator's judgement in one value: behaviour detectors, the policy and the decision
/// store, fed one event at a time. What the service wires between Kafka, SQLite and HTTP.
///
/// ```swift
/// var judgement = Judgement(policy: policy, store: DecisionStore(epoch: epoch))
/// let step = judgement.observe(event)          // per verdict
/// for effect in step.effects { … persist, publish, hub.changed(to: judgement.store.version) … }
/// let expired = judgement.tick(now: nowMs)     // on a timer
/// ```
public struct Judgement: Sendable {
    public private(set) var policy: Policy
    public private(set) var engine: BehaviourEngine
    public var store: DecisionStore

    /// What one event led to.
    public struct Step: Sendable, Equatable {
        public var findings: [Finding] = []
        /// Store effects that changed something (`.upserted`), and refusals (`.rejected`).
        public var effects: [DecisionStore.Effect] = []
        /// Decisions rules wanted but that were dropped (allowlisted, identity missing).
        public var suppressed: [PolicyOutcome.Suppression] = []
    }

    public init(policy: Policy, store: DecisionStore) {
        self.policy = policy
        engine = BehaviourEngine(config: policy.behaviour)
        self.store = store
    }

    /// Runs the event through the detectors, the policy (for the verdict and for each finding)
    /// and the store, at the event's time.
    public mutating func observe(_ event: BehaviourEvent) -> Step {
        var step = Step()
        step.findings = engine.observe(event)
        var outcomes = [policy.evaluate(event)]
        for finding in step.findings { outcomes.append(policy.evaluate(finding)) }
        for outcome in outcomes {
            step.suppressed += outcome.suppressed
            for proposal in outcome.proposals {
                let effect = store.apply(proposal, now: event.ts)
                if effect != .unchanged { step.effects.append(effect) }
            }
        }
        return step
    }

    /// Periodic housekeeping: expired decisions out of the store (returned as removals) and idle
    /// windows out of the detectors.
    public mutating func tick(now: Int64) -> [DecisionStore.Effect] {
        engine.expire(now: now)
        return store.sweep(now: now)
    }

    /// The behaviour windows as bytes (``BehaviourEngine/snapshot()``).
    public func behaviourSnapshot() -> [UInt8] { engine.snapshot() }

    /// Restores the behaviour windows: `snapshot` (when taken with the current behaviour
    /// settings), then the journal — the events observed after it, in order — replayed through the
    /// detectors only. Their findings were judged when the events first arrived (their decisions
    /// and attacks are already stored), so replay changes nothing but the windows. Returns whether
    /// the snapshot applied (false: taken with other settings; the journal is then not replayed
    /// either and the detectors start over). Throws on damaged bytes, leaving the windows empty.
    @discardableResult
    public mutating func restoreBehaviour(snapshot: [UInt8]?, journal: [[BehaviourEvent]]) throws -> Bool {
        var restored = BehaviourEngine(config: policy.behaviour)
        if let snapshot {
            guard let engine = try BehaviourEngine(config: policy.behaviour, snapshot: snapshot) else { return false }
            restored = engine
        }
        for batch in journal {
            for event in batch { _ = restored.observe(event) }
        }
        engine = restored
        return true
    }

    /// Feeds events through the detectors only (no policy, no store): windows another aggregator
    /// built for a partition this one takes over (the changelog). Their findings were judged
    /// where the events first arrived.
    public mutating func replay(_ events: [BehaviourEvent]) {
        for event in events { _ = engine.observe(event) }
    }

    /// Swaps the policy. Detector windows are kept unless the behaviour thresholds changed (then
    /// the detectors start over with the new ones). Decisions already made stay until they
    /// expire or are lifted.
    public mutating func reload(_ newPolicy: Policy) {
        if newPolicy.behaviour != policy.behaviour { engine = BehaviourEngine(config: newPolicy.behaviour) }
        policy = newPolicy
    }
}
