import PalisadeCore
import Testing

@testable import PalisadePolicy

func proposal(_ ip: String, _ action: DecisionAction = .block, ttl: Int = 600, rule: String = "r") -> DecisionProposal {
    DecisionProposal(scope: .ip, value: ip, action: action, ttlSecs: ttl, reason: "because", sourceRule: rule)
}

func upserted(_ effect: DecisionStore.Effect) -> Decision? {
    if case .upserted(let d) = effect { return d }
    return nil
}

@Suite struct DecisionStoreTests {
    @Test func deltasCarryOnlyWhatChangedSince() {
        var store = DecisionStore(epoch: "e1")
        let v0 = store.version.description
        #expect(v0 == "e1:0")
        let a = upserted(store.apply(proposal("192.0.2.1"), now: t0))
        #expect(a?.version.description == "e1:1")
        #expect(a?.expiresAt == t0 + 600_000)
        let v1 = store.version.description
        _ = store.apply(proposal("192.0.2.2"), now: t0)
        _ = store.apply(proposal("192.0.2.3"), now: t0)

        let all = store.changes(since: v0)
        #expect(!all.full)
        #expect(all.version.description == "e1:3")
        #expect(all.upserts.map(\.value) == ["192.0.2.1", "192.0.2.2", "192.0.2.3"])
        let later = store.changes(since: v1)
        #expect(later.upserts.map(\.value) == ["192.0.2.2", "192.0.2.3"])
        #expect(later.removals.isEmpty)
        #expect(store.changes(since: "e1:3").isEmpty)
    }

    @Test(arguments: [
        nil, "", "garbage", "e1", ":5", "e1:", "e1:x", "e1:-1", "e2:1", "other:0", "e1:999", "e1:1:2", "e\u{0}1:1",
    ])
    func fullSnapshotForAbsentMalformedForeignOrFutureVersions(_ since: String?) {
        var store = DecisionStore(epoch: "e1")
        _ = store.apply(proposal("192.0.2.1"), now: t0)
        _ = store.apply(proposal("192.0.2.2"), now: t0)
        let changes = store.changes(since: since)
        #expect(changes.full)
        #expect(changes.upserts.map(\.value) == ["192.0.2.1", "192.0.2.2"])
        #expect(changes.removals.isEmpty)
    }

    @Test func fullSnapshotWhenSinceIsOlderThanTheRetainedHistory() {
        var config = DecisionStore.Config()
        config.historyLimit = 8
        var store = DecisionStore(epoch: "e1", config: config)
        for i in 0..<20 { _ = store.apply(proposal("192.0.2.\(i)"), now: t0) }
        #expect(store.changes(since: "e1:0").full)
        #expect(store.changes(since: "e1:2").full)
        let recent = store.changes(since: "e1:15")
        #expect(!recent.full)
        #expect(recent.upserts.count == 5)
        #expect(store.stats.historyDropped > 0)
    }

    @Test func expiryProducesRemovals() {
        var store = DecisionStore(epoch: "e1")
        _ = store.apply(proposal("192.0.2.1", ttl: 60), now: t0)
        _ = store.apply(proposal("192.0.2.2", ttl: 600), now: t0)
        let before = store.version.description
        #expect(store.nextExpiry == t0 + 60_000)
        #expect(store.sweep(now: t0 + 59_999).isEmpty)
        let swept = store.sweep(now: t0 + 60_000)
        #expect(swept.count == 1)
        guard case .removed(let gone)? = swept.first else {
            Issue.record("no removal")
            return
        }
        #expect(gone.value == "192.0.2.1")
        #expect(gone.version.description == "e1:3")
        let delta = store.changes(since: before)
        #expect(delta.upserts.isEmpty)
        #expect(delta.removals == [DecisionKey(scope: .ip, value: "192.0.2.1")])
        #expect(store.count == 1)
        #expect(store.stats.expired == 1)
        // a fresh client's snapshot no longer has it
        #expect(store.changes(since: nil).upserts.map(\.value) == ["192.0.2.2"])
    }

    @Test func removedThenReAddedIsAnUpsert() {
        var store = DecisionStore(epoch: "e1")
        _ = store.apply(proposal("192.0.2.1", ttl: 60), now: t0)
        _ = store.sweep(now: t0 + 60_000)
        _ = store.apply(proposal("192.0.2.1", ttl: 60), now: t0 + 70_000)
        let delta = store.changes(since: "e1:0")
        #expect(delta.upserts.map(\.value) == ["192.0.2.1"])
        #expect(delta.removals.isEmpty)
    }

    @Test func liftProducesRemovalAndAuditEntry() throws {
        var store = DecisionStore(epoch: "e1")
        _ = store.apply(proposal("192.0.2.1"), now: t0)
        let effect = try store.lift(
            scope: .ip, value: "192.0.2.1", actor: "ops:alice", reason: "false positive, ticket 42", now: t0 + 5_000)
        guard case .removed(let lifted) = effect else {
            Issue.record("not removed")
            return
        }
        #expect(lifted.version.description == "e1:2")
        #expect(store.changes(since: "e1:1").removals == [DecisionKey(scope: .ip, value: "192.0.2.1")])
        #expect(store.audit.count == 1)
        let entry = store.audit[0]
        #expect(entry.operation == .lift)
        #expect(entry.actor == "ops:alice")
        #expect(entry.reason == "false positive, ticket 42")
        #expect(entry.at == t0 + 5_000)
        #expect(store.stats.lifted == 1)
        #expect(throws: DecisionStoreError.self) {
            try store.lift(scope: .ip, value: "192.0.2.1", actor: "a", reason: "again", now: t0)
        }
    }

    @Test func liftedKeysAreNotReAddedAutomaticallyDuringTheGrace() throws {
        var store = DecisionStore(epoch: "e1")
        _ = store.apply(proposal("192.0.2.1"), now: t0)
        _ = try store.lift(scope: .ip, value: "192.0.2.1", actor: "ops", reason: "fp", now: t0 + 1_000)
        guard case .rejected(let error) = store.apply(proposal("192.0.2.1"), now: t0 + 2_000) else {
            Issue.record("re-added during grace")
            return
        }
        #expect(error.code == .recentlyLifted)
        #expect(store.stats.rejectedLifted == 1)
        // other keys are unaffected; after the grace the key can be decided again
        #expect(upserted(store.apply(proposal("192.0.2.2"), now: t0 + 2_000)) != nil)
        #expect(upserted(store.apply(proposal("192.0.2.1"), now: t0 + 1_000 + 3_600_000)) != nil)
        // a manual add ends the grace at once
        _ = try store.lift(scope: .ip, value: "192.0.2.2", actor: "ops", reason: "fp", now: t0 + 3_000)
        _ = try store.add(
            scope: .ip, value: "192.0.2.2", action: .monitor, ttlSecs: 60, reason: "watch", actor: "ops",
            now: t0 + 4_000)
        #expect(upserted(store.apply(proposal("192.0.2.2", .block), now: t0 + 5_000))?.action == .block)
    }

    @Test func manualAddIsAuditedValidatedAndMayDowngrade() throws {
        var store = DecisionStore(epoch: "e1")
        _ = store.apply(proposal("192.0.2.1", .block), now: t0)
        let d = upserted(
            try store.add(
                scope: .ip, value: "192.0.2.1", action: .monitor, ttlSecs: 60, reason: "partner", actor: "bob",
                now: t0 + 1))
        #expect(d?.action == .monitor)
        #expect(d?.sourceRule == "manual")
        #expect(d?.createdAt == t0)
        #expect(store.audit.map(\.operation) == [.add])
        let net = upserted(
            try store.add(
                scope: .cidr, value: "198.51.100.77/24", action: .block, ttlSecs: 60, reason: "", actor: "bob", now: t0)
        )
        #expect(net?.value == "198.51.100.0/24")
        let header = upserted(
            try store.add(
                scope: .header, value: "X-Bot: evil", action: .block, ttlSecs: 60, reason: "", actor: "bob", now: t0))
        #expect(header?.value == "x-bot:evil")

        let invalid: [(DecisionScope, String, Int)] = [
            (.ip, "300.1.1.1", 60), (.cidr, "10.0.0.0", 60), (.cidr, "10.0.0.0/40", 60), (.header, "novalue", 60),
            (.header, ":x", 60), (.jwtSub, "a\u{0}b", 60), (.apiKey, "", 60), (.ip, "192.0.2.1", 0),
            (.ip, "192.0.2.1", Policy.maxTTLSecs + 1), (.jwtSub, String(repeating: "x", count: 10_000), 60),
        ]
        for (scope, value, ttl) in invalid {
            #expect(throws: DecisionStoreError.self) {
                try store.add(
                    scope: scope, value: value, action: .block, ttlSecs: ttl, reason: "", actor: "bob", now: t0)
            }
        }
        var allow = Policy.Allowlist()
        if let net = CIDR("10.0.0.0/8") { allow.add(net) }
        do {
            _ = try store.add(
                scope: .cidr, value: "10.1.0.0/16", action: .block, ttlSecs: 60, reason: "", actor: "bob", now: t0,
                allowlist: allow)
            Issue.record("allowlisted network was added")
        } catch {
            #expect(error.code == .allowlisted)
        }
    }

    @Test func automaticProposalsEscalateAndRefreshButNeverDowngradeOrShorten() {
        var store = DecisionStore(epoch: "e1")
        _ = store.apply(proposal("192.0.2.1", .monitor, ttl: 600), now: t0)
        // same again a second later: extends by 1 s < min refresh 60 s → no change, no version churn
        #expect(store.apply(proposal("192.0.2.1", .monitor, ttl: 600), now: t0 + 1_000) == .unchanged)
        #expect(store.version.counter == 1)
        // two minutes later: TTL refresh
        let refreshed = upserted(store.apply(proposal("192.0.2.1", .monitor, ttl: 600), now: t0 + 120_000))
        #expect(refreshed?.expiresAt == t0 + 720_000)
        #expect(refreshed?.createdAt == t0)
        #expect(refreshed?.version.counter == 2)
        // escalation
        let escalated = upserted(store.apply(proposal("192.0.2.1", .block, ttl: 60, rule: "burst"), now: t0 + 121_000))
        #expect(escalated?.action == .block)
        #expect(escalated?.sourceRule == "burst")
        #expect(escalated?.expiresAt == t0 + 720_000)
        // a weaker, shorter proposal changes nothing
        #expect(store.apply(proposal("192.0.2.1", .throttle, ttl: 60), now: t0 + 122_000) == .unchanged)
        #expect(store.stats.refreshed == 1)
        #expect(store.stats.escalated == 1)
    }

    @Test func malformedProposalsAreRejectedAndValuesCanonical() {
        var store = DecisionStore(epoch: "e1")
        guard case .rejected(let error) = store.apply(proposal("not-an-ip"), now: t0) else {
            Issue.record("accepted")
            return
        }
        #expect(error.code == .invalidValue)
        let d = upserted(store.apply(proposal("2001:DB8:0::1"), now: t0))
        #expect(d?.key == "ip:2001:db8::1")
        // an expiry at the end of time never overflows into churn
        _ = store.apply(proposal("192.0.2.9", ttl: Policy.maxTTLSecs), now: Int64.max - 10)
        #expect(store.apply(proposal("192.0.2.9", ttl: Policy.maxTTLSecs), now: Int64.max - 5) == .unchanged)
    }

    @Test func apiKeyDecisionsTakeTheDigestNotTheKey() throws {
        let digest = "BA7816BF8F01CFEA414140DE5DAE2223"
        #expect(try DecisionStore.validated(scope: .apiKey, value: digest) == digest.lowercased())
        for raw in ["sk_live_abc123", String(repeating: "g", count: 32), String(repeating: "a", count: 31)] {
            #expect(throws: DecisionStoreError.self) { try DecisionStore.validated(scope: .apiKey, value: raw) }
        }
        do {
            _ = try DecisionStore.validated(scope: .apiKey, value: "sk_live_abc123")
        } catch {
            #expect(error.code == .invalidValue)
            #expect(error.reason.contains("digest"))
        }
    }

    @Test func fullStoreRejectsNewDecisionsAndCounts() {
        var config = DecisionStore.Config()
        config.maxDecisions = 2
        var store = DecisionStore(epoch: "e1", config: config)
        _ = store.apply(proposal("192.0.2.1"), now: t0)
        _ = store.apply(proposal("192.0.2.2"), now: t0)
        guard case .rejected(let error) = store.apply(proposal("192.0.2.3"), now: t0) else {
            Issue.record("not rejected")
            return
        }
        #expect(error.code == .full)
        #expect(error.isRetriable)
        #expect(store.stats.rejectedFull == 1)
        // existing keys still update
        #expect(upserted(store.apply(proposal("192.0.2.1", ttl: 9_000), now: t0)) != nil)
    }

    @Test func restoreStartsANewEpochAndDropsExpired() {
        var old = DecisionStore(epoch: "e1")
        _ = old.apply(proposal("192.0.2.1", ttl: 60), now: t0)
        _ = old.apply(proposal("192.0.2.2", ttl: 3_600), now: t0)
        _ = try? old.add(
            scope: .jwtSub, value: "mallory", action: .block, ttlSecs: 3_600, reason: "x", actor: "ops", now: t0)
        let persisted = old.decisions
        let clientVersion = old.version.description

        let restored = DecisionStore(restoring: persisted, audit: old.audit, epoch: "e2", now: t0 + 120_000)
        #expect(restored.version.epoch == "e2")
        #expect(restored.count == 2)
        #expect(restored.audit.count == 1)
        #expect(restored.decisions.allSatisfy { $0.version.epoch == "e2" })
        let changes = restored.changes(since: clientVersion)
        #expect(changes.full)
        #expect(changes.upserts.map(\.key) == ["ip:192.0.2.2", "jwt_sub:mallory"])
        #expect(changes.upserts.first?.createdAt == t0)
        // a client that already took the new snapshot waits for news
        #expect(restored.changes(since: restored.version.description).isEmpty)
    }

    @Test func versionsAndEpochsParseStrictly() {
        #expect(DecisionVersion(parsing: "abc-12:34") == DecisionVersion(epoch: "abc-12", counter: 34))
        #expect(DecisionVersion(parsing: "abc:18446744073709551615")?.counter == UInt64.max)
        #expect(DecisionVersion(parsing: "abc:18446744073709551616") == nil)
        #expect(DecisionVersion(parsing: "a b:1") == nil)
        #expect(DecisionVersion(parsing: "a:+1") == nil)
        let epoch = DecisionEpoch.make(nowMs: t0, random: 0xDEAD_BEEF)
        #expect(DecisionEpoch.isValid(epoch))
        #expect(epoch != DecisionEpoch.make(nowMs: t0, random: 1))
        #expect(DecisionStore(epoch: "bad epoch!").version.epoch == "0")
    }
}

@Suite struct LongPollHubTests {
    let current = DecisionVersion(epoch: "e1", counter: 7)

    @Test(arguments: [nil, "e1:6", "e0:7", "junk", "e1:8"])
    func answersAtOnceWhenTheClientIsBehindOrConfused(_ since: String?) {
        var hub = LongPollHub<Int>()
        #expect(hub.register(1, since: since, waitMs: 20_000, now: t0, current: current) == .answerNow)
        #expect(hub.count == 0)
    }

    @Test func parksCurrentClientsUntilAChangeOrTheDeadline() {
        var hub = LongPollHub<Int>()
        #expect(
            hub.register(1, since: "e1:7", waitMs: 20_000, now: t0, current: current) == .parked(deadline: t0 + 20_000))
        #expect(
            hub.register(2, since: "e1:7", waitMs: 5_000, now: t0, current: current) == .parked(deadline: t0 + 5_000))
        #expect(hub.register(3, since: "e1:7", waitMs: 0, now: t0, current: current) == .answerNow)
        #expect(hub.nextDeadline == t0 + 5_000)
        #expect(hub.expire(now: t0 + 4_999).isEmpty)
        #expect(hub.expire(now: t0 + 5_000) == [2])
        #expect(hub.changed(to: DecisionVersion(epoch: "e1", counter: 8)) == [1])
        #expect(hub.count == 0)
        #expect(hub.nextDeadline == nil)
    }

    @Test func waitsAreClampedCancelledAndBounded() {
        var config = LongPollHub<Int>.Config()
        config.maxWaiters = 2
        var hub = LongPollHub<Int>(config: config)
        #expect(
            hub.register(1, since: "e1:7", waitMs: Int64.max, now: t0, current: current)
                == .parked(deadline: t0 + 30_000))
        #expect(
            hub.register(2, since: "e1:7", waitMs: 1_000, now: t0, current: current) == .parked(deadline: t0 + 1_000))
        #expect(hub.register(3, since: "e1:7", waitMs: 1_000, now: t0, current: current) == .rejected)
        #expect(hub.rejected == 1)
        hub.cancel(2)
        #expect(
            hub.register(3, since: "e1:7", waitMs: 1_000, now: t0, current: current) == .parked(deadline: t0 + 1_000))
    }

    @Test func aDecisionMadeWhileAClientWaitsIsDeliveredImmediately() {
        var store = DecisionStore(epoch: "e1")
        var hub = LongPollHub<String>()
        let since = store.version.description
        #expect(
            hub.register("gw-1", since: since, waitMs: 20_000, now: t0, current: store.version)
                == .parked(deadline: t0 + 20_000))
        _ = store.apply(proposal("192.0.2.1"), now: t0 + 300)
        let wake = hub.changed(to: store.version)
        #expect(wake == ["gw-1"])
        let answer = store.changes(since: since)
        #expect(!answer.full)
        #expect(answer.upserts.map(\.value) == ["192.0.2.1"])
    }
}

@Suite struct DecisionJSONTests {
    let decision = Decision(
        scope: .ip, value: "203.0.113.7", action: .block, reason: "sqli \"x\"\n", sourceRule: "injection",
        createdAt: 1_763_700_000_123, expiresAt: 1_763_703_600_123, version: DecisionVersion(epoch: "e1", counter: 4))

    @Test func decisionFieldsAreExactlyTheContract() {
        #expect(
            decision.json
                == #"{"scope":"ip","value":"203.0.113.7","action":"block","reason":"sqli \"x\"\n","source_rule":"injection","created_at":1763700000123,"expires_at":1763703600123,"version":"e1:4"}"#
        )
        #expect(Decision(json: decision.json) == decision)
        #expect(Decision(json: "{}") == nil)
        #expect(Decision(json: "[[[[[[[[[[[[[[[[[[") == nil)
        #expect(
            Decision(
                json:
                    #"{"scope":"mac","value":"x","action":"block","reason":"","source_rule":"","created_at":1,"expires_at":2,"version":"e:1"}"#
            ) == nil)
    }

    @Test func changesResponseShape() throws {
        let changes = DecisionChanges(
            version: DecisionVersion(epoch: "e1", counter: 5), full: false, upserts: [decision],
            removals: [DecisionKey(scope: .cidr, value: "198.51.100.0/24")])
        let text = changes.json
        #expect(text.hasPrefix(#"{"version":"e1:5","full":false,"upserts":[{"scope":"ip""#))
        #expect(text.hasSuffix(#""removals":[{"scope":"cidr","value":"198.51.100.0/24"}]}"#))
        let parsed = try JSONReader().parse(Array(text.utf8))
        #expect(parsed["version"]?.stringValue == "e1:5")
        let empty = DecisionChanges(
            version: DecisionVersion(epoch: "e1", counter: 5), full: true, upserts: [], removals: [])
        #expect(empty.json == #"{"version":"e1:5","full":true,"upserts":[],"removals":[]}"#)
    }

    @Test func hostileValuesStayValidJSON() throws {
        var d = decision
        d.scope = .jwtSub
        d.value = "\u{0}\"}]\u{7F}\u{202E}</script>"
        d.reason = String(repeating: "\\", count: 3)
        let parsed = try JSONReader().parse(Array(d.json.utf8))
        #expect(parsed["value"]?.stringValue == d.value)
        #expect(Decision(json: d.json) == d)
    }

    @Test func auditEntryJSON() {
        let entry = AuditEntry(
            at: 5, actor: "ops", operation: .lift, scope: .ip, value: "192.0.2.1", action: nil, reason: "fp",
            version: DecisionVersion(epoch: "e1", counter: 2))
        #expect(
            entry.json
                == #"{"at":5,"actor":"ops","operation":"lift","scope":"ip","value":"192.0.2.1","reason":"fp","version":"e1:2"}"#
        )
    }
}

/// Decisions of other aggregators (read from `palisade.decisions`) merged into a store.
@Suite struct DecisionMergeTests {
    /// A decision made by store `a`, as another aggregator publishes it.
    func peer(_ ip: String, _ action: DecisionAction = .block, ttl: Int = 600, at now: Int64 = t0) -> Decision {
        var a = DecisionStore(epoch: "peer")
        return upserted(a.apply(proposal(ip, action, ttl: ttl), now: now))!
    }

    @Test func aPeersDecisionGetsALocalVersionAndConvergesWhateverTheOrder() {
        var store = DecisionStore(epoch: "e1")
        let since = store.version.description
        let first = peer("192.0.2.1", .throttle, ttl: 600)
        let stronger = peer("192.0.2.1", .block, ttl: 300)
        let merged = upserted(store.merge(first, now: t0))
        #expect(merged?.version.description == "e1:1", "versioned in this store's epoch")
        #expect(store.changes(since: since).upserts.map(\.value) == ["192.0.2.1"])
        // the same again (our own publication read back): nothing changes
        #expect(store.merge(first, now: t0) == .unchanged)
        // a stronger action wins, the later expiry is kept
        let escalated = upserted(store.merge(stronger, now: t0))
        #expect(escalated?.action == .block)
        #expect(escalated?.expiresAt == first.expiresAt)
        // an older, weaker copy arriving late changes nothing
        #expect(store.merge(first, now: t0) == .unchanged)
        #expect(store.stats.merged == 2)

        // the other order ends in the same decision
        var other = DecisionStore(epoch: "e2")
        _ = other.merge(stronger, now: t0)
        _ = other.merge(first, now: t0)
        let a = store.decision(scope: .ip, value: "192.0.2.1")
        let b = other.decision(scope: .ip, value: "192.0.2.1")
        #expect(a?.action == b?.action && a?.expiresAt == b?.expiresAt)
    }

    @Test func expiredMalformedOrLiftedHereIsRefused() throws {
        var store = DecisionStore(epoch: "e1")
        #expect(store.merge(peer("192.0.2.1", ttl: 1), now: t0 + 5_000) == .unchanged, "expired")
        var malformed = peer("192.0.2.2")
        malformed.value = "not an address"
        #expect(store.merge(malformed, now: t0) == .unchanged)
        _ = store.apply(proposal("192.0.2.3"), now: t0)
        _ = try store.lift(scope: .ip, value: "192.0.2.3", actor: "op", reason: "fp", now: t0)
        #expect(store.merge(peer("192.0.2.3"), now: t0 + 1_000) == .unchanged, "in the lift grace period")
        #expect(store.count == 0)
    }

    @Test func aTombstoneRemovesWithANewVersion() {
        var store = DecisionStore(epoch: "e1")
        _ = store.merge(peer("192.0.2.1"), now: t0)
        let since = store.version.description
        guard case .removed(let removed) = store.mergeRemoval(key: "ip:192.0.2.1", now: t0) else {
            Issue.record("not removed")
            return
        }
        #expect(removed.version.description == "e1:2")
        #expect(store.changes(since: since).removals.map(\.description) == ["ip:192.0.2.1"])
        // far from its expiry: a lift there, so the grace period applies here too
        #expect(store.liftGrace(forKey: "ip:192.0.2.1") != nil)
        #expect(store.apply(proposal("192.0.2.1"), now: t0 + 1_000) != .unchanged)
        #expect(store.decision(scope: .ip, value: "192.0.2.1") == nil, "not re-added during the grace")
        // at its expiry: an expiry there, no grace
        _ = store.merge(peer("192.0.2.2", ttl: 60), now: t0)
        _ = store.mergeRemoval(key: "ip:192.0.2.2", now: t0 + 59_000)
        #expect(store.liftGrace(forKey: "ip:192.0.2.2") == nil)
        #expect(store.mergeRemoval(key: "ip:192.0.2.1", now: t0) == .unchanged)
    }
}
