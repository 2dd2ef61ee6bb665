/// The decision set with versions, history and audit — pure state. The service persists it,
/// publishes its effects to `palisade.decisions` and answers long-polls from `changes(since:)`.
///
/// - Every change (insert, escalation, TTL refresh, lift, expiry) bumps the counter by one and
///   stamps the decision with the new version.
/// - `changes(since:)` answers a delta when `since` is a version of this epoch still covered by
///   the retained history, and a full snapshot otherwise (absent, malformed, another epoch, too
///   old, or from the future).
/// - Automatic proposals only ever escalate the action and extend the expiry; a refresh that
///   extends the expiry by less than `minRefreshSecs` is not a change (a blocked attacker who
///   keeps knocking does not churn versions).
/// - Operators add (any action, replacing what is there) and lift, with an audit trail.
public struct DecisionStore: Sendable {
    public struct Config: Sendable, Equatable {
        /// Changes kept for deltas. Default 10,000.
        public var historyLimit: Int = 10_000
        /// Decisions kept; new ones beyond are refused (counted). Default 100,000.
        public var maxDecisions: Int = 100_000
        /// Audit entries kept in memory (the service persists all). Default 10,000.
        public var auditLimit: Int = 10_000
        /// Default 60 s.
        public var minRefreshSecs: Int = 60
        /// After an operator lifts a decision, automatic proposals for the same key are refused
        /// this long (the trigger that made a false positive would re-add it at once). A manual
        /// add ends the grace. Default 3600 s; 0 disables.
        public var liftGraceSecs: Int = 3_600
        public init() {}
    }

    /// What a store operation did; the service turns it into I/O.
    public enum Effect: Sendable, Equatable {
        /// Persist, publish the decision, wake long-polls.
        case upserted(Decision)
        /// Delete, publish a tombstone, wake long-polls.
        case removed(Decision)
        /// Nothing changed.
        case unchanged
        /// Not stored (the store is full).
        case rejected(DecisionStoreError)
    }

    public struct Stats: Sendable, Equatable {
        public var inserted = 0
        public var escalated = 0
        public var refreshed = 0
        public var expired = 0
        public var lifted = 0
        public var rejectedFull = 0
        public var rejectedLifted = 0
        public var auditDropped = 0
        public var historyDropped = 0
        /// Decisions and removals taken from other aggregators (``merge(_:now:)``).
        public var merged = 0
        public var mergedRemovals = 0
    }

    public let config: Config
    public private(set) var version: DecisionVersion
    public private(set) var stats = Stats()
    private var entries: [String: Decision] = [:]
    /// (counter, key) of each change, ascending.
    private var history: [(counter: UInt64, key: String)] = []
    /// Deltas can be served for `since.counter >= historyFloor`.
    private var historyFloor: UInt64 = 0
    public private(set) var audit: [AuditEntry] = []
    /// Keys lifted by an operator → end of their grace period (ms).
    private var liftedUntil: [String: Int64] = [:]

    /// An empty store in a new epoch (see `DecisionEpoch.make`).
    public init(epoch: String, config: Config = Config()) {
        self.config = config
        version = DecisionVersion(epoch: DecisionEpoch.isValid(epoch) ? epoch : "0", counter: 0)
    }

    /// A store restored from a persisted snapshot, in a new epoch (so every gateway takes a full
    /// snapshot). Expired decisions are dropped; each kept one gets a version in the new epoch.
    /// `liftGrace` (key → end of the grace, ms; ``liftGraces``) restores the grace periods of
    /// lifts made before the restart.
    public init(
        restoring snapshot: [Decision], audit: [AuditEntry] = [], liftGrace: [String: Int64] = [:], epoch: String,
        now: Int64, config: Config = Config()
    ) {
        self.init(epoch: epoch, config: config)
        for decision in snapshot.sorted(by: { $0.key < $1.key }) where decision.expiresAt > now {
            guard entries.count < max(1, config.maxDecisions), entries[decision.key] == nil else { continue }
            version.counter += 1
            var restored = decision
            restored.version = version
            entries[restored.key] = restored
        }
        historyFloor = version.counter
        self.audit = Array(audit.suffix(max(1, config.auditLimit)))
        for (key, until) in liftGrace where until > now && liftedUntil.count < max(1, config.maxDecisions) {
            liftedUntil[key] = until
        }
    }

    /// Keys lifted by an operator whose grace period runs → its end (ms), for persistence.
    public var liftGraces: [String: Int64] { liftedUntil }

    /// The end of the grace period of a lifted key (`scope:value`), nil when none runs.
    public func liftGrace(forKey key: String) -> Int64? { liftedUntil[key] }

    public var count: Int { entries.count }

    /// Every decision, by key.
    public var decisions: [Decision] { entries.values.sorted { $0.key < $1.key } }

    public func decision(scope: DecisionScope, value: String) -> Decision? { entries["\(scope.rawValue):\(value)"] }

    // MARK: changes

    private mutating func record(_ key: String) -> DecisionVersion {
        version.counter += 1
        history.append((version.counter, key))
        let limit = max(1, config.historyLimit)
        if history.count > limit + limit / 4 {
            let drop = history.count - limit
            historyFloor = history[drop - 1].counter
            history.removeFirst(drop)
            stats.historyDropped += drop
        }
        return version
    }

    /// The answer for a client at `since` (the raw query value; nil when absent).
    public func changes(since: String?) -> DecisionChanges {
        guard let since, let from = DecisionVersion(parsing: since), from.epoch == version.epoch,
            from.counter <= version.counter, from.counter >= historyFloor
        else {
            return DecisionChanges(version: version, full: true, upserts: decisions, removals: [])
        }
        var upserts: [Decision] = []
        var removals: [DecisionKey] = []
        var seen: Set<String> = []
        // history is ascending: find the first change after `since`
        var low = 0
        var high = history.count
        while low < high {
            let mid = (low + high) / 2
            if history[mid].counter <= from.counter { low = mid + 1 } else { high = mid }
        }
        for change in history[low...].reversed() where seen.insert(change.key).inserted {
            if let decision = entries[change.key] {
                upserts.append(decision)
            } else if let colon = change.key.firstIndex(of: ":"),
                let scope = DecisionScope(rawValue: String(change.key[..<colon]))
            {
                removals.append(DecisionKey(scope: scope, value: String(change.key[change.key.index(after: colon)...])))
            }
        }
        upserts.sort { $0.version.counter < $1.version.counter }
        removals.sort { $0.description < $1.description }
        return DecisionChanges(version: version, full: false, upserts: upserts, removals: removals)
    }

    // MARK: automatic

    /// Applies a policy proposal at `now` (ms): inserts, escalates, or extends the expiry.
    public mutating func apply(_ proposal: DecisionProposal, now: Int64) -> Effect {
        let value: String
        do {
            value = try Self.validated(scope: proposal.scope, value: proposal.value)
        } catch {
            return .rejected(error)
        }
        var proposal = proposal
        proposal.value = value
        let key = proposal.key
        if let until = liftedUntil[key] {
            if now < until {
                stats.rejectedLifted += 1
                return .rejected(
                    DecisionStoreError(code: .recentlyLifted, reason: "an operator lifted \(Policy.capped(key))"))
            }
            liftedUntil[key] = nil
        }
        let expires = Self.expiry(now: now, ttlSecs: proposal.ttlSecs)
        if var existing = entries[key] {
            let escalate = proposal.action > existing.action
            let (threshold, overflow) = existing.expiresAt.addingReportingOverflow(
                Int64.millis(secs: config.minRefreshSecs))
            let extend = !overflow && expires > threshold
            guard escalate || extend else { return .unchanged }
            if escalate {
                existing.action = proposal.action
                existing.reason = proposal.reason
                existing.sourceRule = proposal.sourceRule
                stats.escalated += 1
            } else {
                stats.refreshed += 1
            }
            existing.expiresAt = max(existing.expiresAt, expires)
            existing.version = record(key)
            entries[key] = existing
            return .upserted(existing)
        }
        guard entries.count < max(1, config.maxDecisions) else {
            stats.rejectedFull += 1
            return .rejected(
                DecisionStoreError(code: .full, reason: "the decision store holds \(entries.count) decisions"))
        }
        let decision = Decision(
            scope: proposal.scope, value: proposal.value, action: proposal.action, reason: proposal.reason,
            sourceRule: proposal.sourceRule, createdAt: now, expiresAt: expires, version: record(key))
        entries[key] = decision
        stats.inserted += 1
        return .upserted(decision)
    }

    /// Removes every decision expired at `now`; returns the removals.
    public mutating func sweep(now: Int64) -> [Effect] {
        liftedUntil = liftedUntil.filter { $0.value > now }
        let expired = entries.values.filter { $0.expiresAt <= now }.sorted { $0.key < $1.key }
        var effects: [Effect] = []
        for decision in expired {
            entries[decision.key] = nil
            var removed = decision
            removed.version = record(decision.key)
            stats.expired += 1
            effects.append(.removed(removed))
        }
        return effects
    }

    /// The earliest expiry, for scheduling the next sweep.
    public var nextExpiry: Int64? { entries.values.lazy.map(\.expiresAt).min() }

    // MARK: peers

    /// A decision another aggregator published on `palisade.decisions` (several aggregators share
    /// the load; each serves every decision). Merged monotonically — the stronger action and the
    /// later expiry win — so copies converge whatever order they arrive in; it gets a version in
    /// this store's sequence. Ignored when expired, malformed, or its key is in a lift grace
    /// period here.
    public mutating func merge(_ incoming: Decision, now: Int64) -> Effect {
        guard incoming.expiresAt > now, let value = try? Self.validated(scope: incoming.scope, value: incoming.value)
        else { return .unchanged }
        var incoming = incoming
        incoming.value = value
        let key = incoming.key
        if let until = liftedUntil[key], now < until { return .unchanged }
        if var existing = entries[key] {
            let escalate = incoming.action > existing.action
            guard escalate || incoming.expiresAt > existing.expiresAt else { return .unchanged }
            if escalate {
                existing.action = incoming.action
                existing.reason = incoming.reason
                existing.sourceRule = incoming.sourceRule
            }
            existing.expiresAt = max(existing.expiresAt, incoming.expiresAt)
            existing.version = record(key)
            entries[key] = existing
            stats.merged += 1
            return .upserted(existing)
        }
        guard entries.count < max(1, config.maxDecisions) else {
            stats.rejectedFull += 1
            return .rejected(
                DecisionStoreError(code: .full, reason: "the decision store holds \(entries.count) decisions"))
        }
        incoming.version = record(key)
        entries[key] = incoming
        stats.merged += 1
        return .upserted(incoming)
    }

    /// A tombstone another aggregator published (`key` = `scope:value`): the decision was lifted
    /// or expired there. Removes it here too. When the decision here was still far from its
    /// expiry (more than 5 s) the tombstone is taken for an operator's lift and the key gets the
    /// lift grace period here as well, so this aggregator's detectors do not re-add it.
    public mutating func mergeRemoval(key: String, now: Int64) -> Effect {
        guard let existing = entries[key] else { return .unchanged }
        entries[key] = nil
        var removed = existing
        removed.version = record(key)
        stats.mergedRemovals += 1
        if config.liftGraceSecs > 0, existing.expiresAt > now + 5_000, liftedUntil.count < max(1, config.maxDecisions) {
            liftedUntil[key] = Self.expiry(now: now, ttlSecs: min(config.liftGraceSecs, Policy.maxTTLSecs))
        }
        return .removed(removed)
    }

    // MARK: manual

    /// An operator's decision: replaces whatever is there for the key (it may lower the action).
    /// Refused for malformed values and allowlisted identities.
    public mutating func add(
        scope: DecisionScope, value: String, action: DecisionAction, ttlSecs: Int, reason: String, actor: String,
        now: Int64, allowlist: Policy.Allowlist = Policy.Allowlist()
    ) throws(DecisionStoreError) -> Effect {
        let value = try Self.validated(scope: scope, value: value)
        guard ttlSecs >= 1, ttlSecs <= Policy.maxTTLSecs else {
            throw DecisionStoreError(
                code: .invalidTTL, reason: "ttl_secs must be in 1…\(Policy.maxTTLSecs), got \(ttlSecs)")
        }
        if let why = allowlist.covers(scope: scope, value: value) {
            throw DecisionStoreError(code: .allowlisted, reason: why)
        }
        let key = "\(scope.rawValue):\(value)"
        guard entries[key] != nil || entries.count < max(1, config.maxDecisions) else {
            stats.rejectedFull += 1
            throw DecisionStoreError(code: .full, reason: "the decision store holds \(entries.count) decisions")
        }
        let reason = Policy.capped(reason)
        liftedUntil[key] = nil
        let decision = Decision(
            scope: scope, value: value, action: action, reason: reason, sourceRule: Decision.manualSource,
            createdAt: entries[key]?.createdAt ?? now, expiresAt: Self.expiry(now: now, ttlSecs: ttlSecs),
            version: record(key))
        entries[key] = decision
        appendAudit(
            AuditEntry(
                at: now, actor: Policy.capped(actor), operation: .add, scope: scope, value: value, action: action,
                reason: reason, version: decision.version))
        return .upserted(decision)
    }

    /// Lifts a decision (manual or automatic) and records who and why.
    public mutating func lift(
        scope: DecisionScope, value: String, actor: String, reason: String, now: Int64
    ) throws(DecisionStoreError) -> Effect {
        let canonical = (try? Self.validated(scope: scope, value: value)) ?? value
        let key = "\(scope.rawValue):\(canonical)"
        guard let existing = entries[key] else {
            throw DecisionStoreError(code: .notFound, reason: "no decision for \(Policy.capped(key))")
        }
        entries[key] = nil
        var removed = existing
        removed.version = record(key)
        stats.lifted += 1
        if config.liftGraceSecs > 0 {
            if liftedUntil.count >= max(1, config.maxDecisions) { liftedUntil = liftedUntil.filter { $0.value > now } }
            if liftedUntil.count < max(1, config.maxDecisions) {
                liftedUntil[key] = Self.expiry(now: now, ttlSecs: min(config.liftGraceSecs, Policy.maxTTLSecs))
            }
        }
        appendAudit(
            AuditEntry(
                at: now, actor: Policy.capped(actor), operation: .lift, scope: scope, value: canonical, action: nil,
                reason: Policy.capped(reason), version: removed.version))
        return .removed(removed)
    }

    private mutating func appendAudit(_ entry: AuditEntry) {
        audit.append(entry)
        let limit = max(1, config.auditLimit)
        if audit.count > limit {
            stats.auditDropped += audit.count - limit
            audit.removeFirst(audit.count - limit)
        }
    }

    static func expiry(now: Int64, ttlSecs: Int) -> Int64 {
        let ttl = Int64.millis(secs: min(max(ttlSecs, 1), Policy.maxTTLSecs))
        let (sum, overflow) = now.addingReportingOverflow(ttl)
        return overflow ? Int64.max : sum
    }

    /// The canonical value for a scope, or an error naming what is wrong.
    public static func validated(scope: DecisionScope, value: String) throws(DecisionStoreError) -> String {
        guard !value.isEmpty, value.utf8.count <= ClientIdentities.maxValueBytes else {
            throw DecisionStoreError(
                code: .invalidValue, reason: "value must be 1…\(ClientIdentities.maxValueBytes) bytes")
        }
        switch scope {
        case .ip:
            guard let canonical = IPBytes.canonical(value) else {
                throw DecisionStoreError(code: .invalidValue, reason: "not an IPv4 or IPv6 address")
            }
            return canonical
        case .cidr:
            guard value.contains("/"), let cidr = CIDR(value) else {
                throw DecisionStoreError(code: .invalidValue, reason: "not a network like 203.0.113.0/24")
            }
            return cidr.description
        case .apiKey:
            // Workers publish the key's digest, never the key (docs/RECORDS.md, "Identities"): a
            // raw key here would never match and would sit in the database and the audit trail.
            guard value.utf8.count == 32, value.utf8.allSatisfy({ $0.isHexDigit }) else {
                throw DecisionStoreError(
                    code: .invalidValue,
                    reason:
                        "api_key decisions take the key's digest (32 hex digits: the first 16 bytes of SHA-256 of the key), not the key; `palisade decisions add --scope api_key --hash-key --value KEY` computes it"
                )
            }
            return value.lowercased()
        case .jwtSub:
            guard value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                throw DecisionStoreError(code: .invalidValue, reason: "control characters are not allowed")
            }
            return value
        case .header:
            guard let colon = value.firstIndex(of: ":"), colon != value.startIndex,
                value[value.index(after: colon)...].contains(where: { $0 != " " }),
                value[..<colon].unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
            else {
                throw DecisionStoreError(code: .invalidValue, reason: "header decisions are `name:value`")
            }
            let name = value[..<colon].lowercased()
            let rest = value[value.index(after: colon)...].drop { $0 == " " }
            return "\(name):\(rest)"
        }
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
