import PalisadeCore
import PalisadeDetect

/// A decision a policy wants made (the input of `DecisionStore.apply`).
public struct DecisionProposal: Sendable, Equatable {
    public var scope: DecisionScope
    public var value: String
    /// After the mode: what the store should record.
    public var action: DecisionAction
    /// What the rule asked for before the mode (differs from `action` in monitoring/safe_blocking).
    public var intendedAction: DecisionAction
    public var mode: PolicyMode
    public var ttlSecs: Int
    public var reason: String
    public var sourceRule: String

    public init(
        scope: DecisionScope, value: String, action: DecisionAction, intendedAction: DecisionAction? = nil,
        mode: PolicyMode = .blocking, ttlSecs: Int, reason: String, sourceRule: String
    ) {
        self.scope = scope
        self.value = value
        self.action = action
        self.intendedAction = intendedAction ?? action
        self.mode = mode
        self.ttlSecs = ttlSecs
        self.reason = reason
        self.sourceRule = sourceRule
    }

    /// `scope:value`, the decision's key.
    public var key: String { "\(scope.rawValue):\(value)" }
}

/// What evaluating one trigger produced.
public struct PolicyOutcome: Sendable, Equatable {
    public var proposals: [DecisionProposal] = []
    /// Decisions a rule wanted that were dropped, with why (allowlisted, identity missing).
    public var suppressed: [Suppression] = []

    public struct Suppression: Sendable, Equatable {
        public var rule: String
        public var why: String
    }
}

/// What a rule is evaluated against.
public enum PolicyTrigger: Sendable {
    case verdict(BehaviourEvent)
    case finding(Finding)

    var identities: ClientIdentities {
        switch self {
        case .verdict(let event): event.identities
        case .finding(let finding): finding.identities
        }
    }

    var endpoint: Verdict.Endpoint {
        switch self {
        case .verdict(let event): event.endpoint
        case .finding(let finding): finding.endpoint
        }
    }
}

extension Policy {
    /// Longest reason kept (reasons reach gateway logs).
    public static let maxReasonBytes = 240

    public func evaluate(_ event: BehaviourEvent) -> PolicyOutcome { evaluate(.verdict(event)) }
    public func evaluate(_ finding: Finding) -> PolicyOutcome { evaluate(.finding(finding)) }

    /// Every matching rule's decision, after allowlists and the mode; one proposal per key (the
    /// most severe, then the longest).
    public func evaluate(_ trigger: PolicyTrigger) -> PolicyOutcome {
        var outcome = PolicyOutcome()
        let mode = mode(for: trigger.endpoint)
        var allowed: String??  // computed on the first matching rule
        var byKey: [String: Int] = [:]
        for rule in rules {
            guard let hit = rule.match.evaluate(trigger) else { continue }
            if allowed == nil { allowed = .some(allowlist.match(trigger.identities)) }
            if let allowed = allowed ?? nil {
                outcome.suppressed.append(.init(rule: rule.name, why: allowed))
                continue
            }
            let target: (DecisionScope, String)
            switch rule.decision.resolve(trigger) {
            case .success(let resolved): target = resolved
            case .failure(let missing):
                outcome.suppressed.append(.init(rule: rule.name, why: missing.why))
                continue
            }
            if let covered = allowlist.covers(scope: target.0, value: target.1) {
                outcome.suppressed.append(.init(rule: rule.name, why: covered))
                continue
            }
            let intended = rule.decision.action
            var action = intended
            var note = ""
            if intended != .monitor {
                switch mode {
                case .blocking: break
                case .monitoring:
                    action = .monitor
                    note = "[monitoring: would \(intended.rawValue)] "
                case .safeBlocking:
                    if !hit.isSafeToEnforce(safeBlocking) {
                        action = .monitor
                        note = "[safe_blocking: would \(intended.rawValue)] "
                    }
                }
            }
            let reason = Self.capped(note + (rule.decision.reason ?? hit.summary))
            let proposal = DecisionProposal(
                scope: target.0, value: target.1, action: action, intendedAction: intended, mode: mode,
                ttlSecs: rule.decision.ttlSecs, reason: reason, sourceRule: rule.name)
            if let i = byKey[proposal.key] {
                let old = outcome.proposals[i]
                if (proposal.action, proposal.intendedAction, proposal.ttlSecs) > (
                    old.action, old.intendedAction, old.ttlSecs
                ) {
                    outcome.proposals[i] = proposal
                }
            } else {
                byKey[proposal.key] = outcome.proposals.count
                outcome.proposals.append(proposal)
            }
        }
        return outcome
    }

    public static func capped(_ text: String) -> String {
        guard text.utf8.count > maxReasonBytes else { return text }
        var out = ""
        var bytes = 0
        for character in text {
            bytes += character.utf8.count
            if bytes > maxReasonBytes - 3 { break }
            out.append(character)
        }
        return out + "..."
    }
}

/// Why a rule matched: the strongest matching class (or the finding) and its confidence.
struct RuleHit {
    var attackClass: AttackClass
    var confidence: Double
    var behaviour: BehaviourKind?
    var summary: String

    func isSafeToEnforce(_ safe: Policy.SafeBlocking) -> Bool {
        if let behaviour {
            return !behaviour.isAnomaly && confidence >= safe.minBehaviourConfidence
        }
        return !attackClass.isAnomalyClass && confidence >= safe.minAttackConfidence
    }
}

struct MissingIdentity: Error {
    var why: String
}

extension Policy.Rule.Match {
    /// Inferred when the file leaves `source` out.
    var effectiveSource: Policy.Source {
        if source != .any { return source }
        if behaviours != nil { return .finding }
        if minScore != nil { return .verdict }
        return .any
    }

    func evaluate(_ trigger: PolicyTrigger) -> RuleHit? {
        switch trigger {
        case .verdict(let event):
            guard effectiveSource != .finding else { return nil }
            if let minScore, event.score < minScore { return nil }
            let candidates = event.classes.filter {
                (classes?.contains($0.attackClass) ?? true) && $0.confidence >= minConfidence
            }
            // Prefer an attack class over an anomaly class, then the highest confidence.
            guard
                let best = candidates.max(by: {
                    ($0.attackClass.isAnomalyClass ? 0 : 1, $0.confidence) < (
                        $1.attackClass.isAnomalyClass ? 0 : 1, $1.confidence
                    )
                })
            else { return nil }
            let e = event.endpoint
            return RuleHit(
                attackClass: best.attackClass, confidence: best.confidence, behaviour: nil,
                summary:
                    "\(best.attackClass.rawValue) (confidence \(JSONWriter.format(best.confidence, decimals: 2))) on \(e.method) \(e.template)"
            )
        case .finding(let finding):
            guard effectiveSource != .verdict else { return nil }
            if let behaviours, !behaviours.contains(finding.kind) { return nil }
            if let classes, !classes.contains(finding.attackClass) { return nil }
            guard finding.confidence >= minConfidence else { return nil }
            return RuleHit(
                attackClass: finding.attackClass, confidence: finding.confidence, behaviour: finding.kind,
                summary: "\(finding.kind.rawValue): \(finding.evidence)")
        }
    }
}

extension Policy.Rule.DecisionTemplate {
    func resolve(_ trigger: PolicyTrigger) -> Result<(DecisionScope, String), MissingIdentity> {
        let ids = trigger.identities
        switch scope {
        case .identity:
            if case .finding(let finding) = trigger {
                return Self.target(finding.identity.scope, finding.identity.value)
            }
            if let sub = ids.jwtSub { return .success((.jwtSub, sub)) }
            if let key = ids.apiKeyHash { return .success((.apiKey, key)) }
            if let ip = ids.ip { return Self.target(.ip, ip) }
            return .failure(MissingIdentity(why: "request carried no identity"))
        case .ip:
            guard let ip = ids.ip else { return .failure(MissingIdentity(why: "request carried no ip")) }
            return Self.target(.ip, ip)
        case .cidr:
            guard let ip = ids.ip, let bytes = IPBytes.parse(ip),
                let net = CIDR(bytes: bytes, prefix: bytes.count == 4 ? cidrPrefixV4 : cidrPrefixV6)
            else { return .failure(MissingIdentity(why: "request carried no usable ip")) }
            return .success((.cidr, net.description))
        case .apiKey:
            guard let key = ids.apiKeyHash else { return .failure(MissingIdentity(why: "request carried no api key")) }
            return .success((.apiKey, key))
        case .jwtSub:
            guard let sub = ids.jwtSub else { return .failure(MissingIdentity(why: "request carried no jwt sub")) }
            return .success((.jwtSub, sub))
        case .header:
            guard let name = header, let value = ids.header(name), !value.isEmpty else {
                return .failure(MissingIdentity(why: "request carried no \(header ?? "") header"))
            }
            return .success((.header, "\(name):\(value)"))
        }
    }

    static func target(_ scope: IdentityScope, _ value: String) -> Result<(DecisionScope, String), MissingIdentity> {
        switch scope {
        case .ip:
            guard let canonical = IPBytes.canonical(value) else {
                return .failure(MissingIdentity(why: "client ip is not an address"))
            }
            return .success((.ip, canonical))
        case .apiKey: return .success((.apiKey, value))
        case .jwtSub: return .success((.jwtSub, value))
        }
    }
}
