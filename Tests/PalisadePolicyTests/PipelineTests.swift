import PalisadeCore
import Testing

@testable import PalisadePolicy

/// The whole judgement path as the aggregator will wire it: events → behaviour → policy →
/// store → long-poll answer (JSON).
@Suite struct PipelineTests {
    @Test func credentialStuffingEndsAsABlockInTheLongPollAnswer() throws {
        let policy = Policy.default
        var engine = BehaviourEngine(config: policy.behaviour)
        var store = DecisionStore(epoch: DecisionEpoch.make(nowMs: t0, random: 42))
        var hub = LongPollHub<String>()
        let since = store.version.description
        #expect(
            hub.register("kong-1", since: since, waitMs: 20_000, now: t0, current: store.version)
                == .parked(deadline: t0 + 20_000))

        var woken: [String] = []
        var events: [BehaviourEvent] = []
        // legitimate users log in from an office NAT meanwhile
        for i in 0..<200 {
            events.append(login(at: t0 + Int64(i) * 400, ip: "192.0.2.50", user: "staff\(i % 80)", ok: i % 9 != 0))
        }
        // the attacker sprays a combo list
        for i in 0..<60 {
            events.append(login(at: t0 + Int64(i) * 1_000 + 7, ip: "198.51.100.23", user: "victim\(i)", ok: false))
        }
        events.sort { $0.ts < $1.ts }
        for e in events {
            var proposals = policy.evaluate(e).proposals
            for finding in engine.observe(e) { proposals += policy.evaluate(finding).proposals }
            for p in proposals {
                if case .upserted = store.apply(p, now: e.ts) { woken += hub.changed(to: store.version) }
            }
        }
        #expect(woken == ["kong-1"])
        let answer = store.changes(since: since)
        #expect(!answer.full)
        #expect(answer.upserts.map(\.key) == ["ip:198.51.100.23"])
        let block = try #require(answer.upserts.first)
        #expect(block.action == .block)
        #expect(block.sourceRule == "login-abuse")
        #expect(block.expiresAt - block.createdAt == 900_000)
        let json = answer.json
        #expect(json.contains(#""scope":"ip","value":"198.51.100.23","action":"block""#))
        #expect(try JSONReader().parse(Array(json.utf8))["full"] == .bool(false))

        // it expires by itself; the next answer is a removal
        let v = store.version.description
        _ = store.sweep(now: block.expiresAt)
        #expect(store.changes(since: v).removals == [DecisionKey(scope: .ip, value: "198.51.100.23")])
    }

    @Test func monitoringRecordsWhatItWouldHaveBlocked() throws {
        var policy = Policy.default
        policy.mode = .monitoring
        var store = DecisionStore(epoch: "e1")
        let e = event(at: t0, ip: "203.0.113.66", attack: true, score: 97, classes: [.init(.sqli, 0.99)])
        for p in policy.evaluate(e).proposals { _ = store.apply(p, now: t0) }
        #expect(store.decisions.map(\.action) == [.monitor])
        #expect(store.decisions.first?.reason.hasPrefix("[monitoring: would block]") == true)
    }
}

@Suite struct JudgementTests {
    @Test func observeTickAndReload() throws {
        var judgement = Judgement(policy: Policy.default, store: DecisionStore(epoch: "e1"))
        var effects: [DecisionStore.Effect] = []
        for i in 0..<6 {
            let e = event(
                at: t0 + Int64(i) * 1_000, ip: "203.0.113.5", attack: true, score: 80, classes: [.init(.xss, 0.8)])
            effects += judgement.observe(e).effects
        }
        // xss at 0.8: the injection rule does not match; suspicious-request monitors; the burst blocks
        #expect(judgement.store.decision(scope: .ip, value: "203.0.113.5")?.action == .block)
        #expect(judgement.store.decision(scope: .ip, value: "203.0.113.5")?.sourceRule == "attack-burst")
        #expect(effects.count == 2)
        let allowed = judgement.observe(
            event(at: t0, ip: "127.0.0.1", attack: true, score: 99, classes: [.init(.sqli, 1)]))
        #expect(allowed.effects.isEmpty)
        #expect(!allowed.suppressed.isEmpty)

        let removed = judgement.tick(now: t0 + 3_600_000 + 10_000)
        #expect(removed.count == 1)
        #expect(judgement.store.count == 0)

        var stricter = Policy.default
        stricter.mode = .monitoring
        judgement.reload(stricter)
        #expect(judgement.policy.mode == .monitoring)
        let step = judgement.observe(event(at: t0 + 4_000_000, attack: true, score: 99, classes: [.init(.sqli, 1)]))
        #expect(step.effects.count == 1)
        if case .upserted(let d)? = step.effects.first { #expect(d.action == .monitor) }
    }
}
