import PalisadeDetect
import Testing

@testable import PalisadePolicy

func policy(mode: PolicyMode, extra: String = "", rules: String? = nil) throws -> Policy {
    let rules =
        rules ?? """
            rules:
              - name: injection
                match: {classes: [sqli, xss, schema_anomaly], min_confidence: 0.5}
                decision: {scope: ip, action: block, ttl_secs: 600}
              - name: behaviour
                match: {behaviours: [brute_force, enumeration, rate_anomaly]}
                decision: {scope: identity, action: block, ttl_secs: 900}
            """
    return try Policy.parse(yaml: "version: 1\nmode: \(mode.rawValue)\n\(extra)\(rules)")
}

func sqli(
    _ confidence: Double = 0.95, ip: String = "203.0.113.7", sub: String? = nil, key: String? = nil,
    template: String = "/v1/search"
)
    -> BehaviourEvent
{
    event(
        at: t0, ip: ip, key: key, sub: sub, template: template, attack: true, score: 90,
        classes: [.init(.sqli, confidence)])
}

func finding(_ kind: BehaviourKind, _ confidence: Double, scope: IdentityScope = .ip, value: String = "203.0.113.7")
    -> Finding
{
    let cls: AttackClass =
        switch kind {
        case .bruteForce: .bruteForce
        case .enumeration: .bola
        case .rateAnomaly: .rateAnomaly
        default: .forcedBrowsing
        }
    return Finding(
        kind: kind, attackClass: cls, identity: ClientIdentity(scope, value),
        event: event(at: t0, ip: "203.0.113.7", sub: "alice"), evidence: "test", counts: .init(windowSecs: 60),
        confidence: confidence)
}

@Suite struct PolicyModeTests {
    @Test func blockingBlocks() throws {
        let outcome = try policy(mode: .blocking).evaluate(sqli())
        #expect(outcome.proposals.count == 1)
        let p = outcome.proposals[0]
        #expect(p.key == "ip:203.0.113.7")
        #expect(p.action == .block)
        #expect(p.ttlSecs == 600)
        #expect(p.sourceRule == "injection")
        #expect(p.reason == "sqli (confidence 0.95) on GET /v1/search")
    }

    @Test(arguments: [0.6, 0.95, 1.0])
    func monitoringNeverBlocksButRecords(confidence: Double) throws {
        let p = try policy(mode: .monitoring)
        let outcomes = [p.evaluate(sqli(confidence)), p.evaluate(finding(.bruteForce, 0.99))]
        for outcome in outcomes {
            #expect(outcome.proposals.count == 1)
            #expect(outcome.proposals.allSatisfy { $0.action == .monitor && $0.intendedAction == .block })
            #expect(outcome.proposals.allSatisfy { $0.reason.hasPrefix("[monitoring: would block] ") })
        }
    }

    @Test func safeBlockingBlocksOnlyHighConfidenceAttacksAndKnownBadBehaviour() throws {
        let p = try policy(mode: .safeBlocking)
        #expect(p.evaluate(sqli(0.95)).proposals.first?.action == .block)
        let weak = p.evaluate(sqli(0.7)).proposals.first
        #expect(weak?.action == .monitor)
        #expect(weak?.reason.hasPrefix("[safe_blocking: would block]") == true)
        let anomaly = event(at: t0, classes: [.init(.schemaAnomaly, 1.0)])
        #expect(p.evaluate(anomaly).proposals.first?.action == .monitor)
        #expect(p.evaluate(finding(.bruteForce, 0.9)).proposals.first?.action == .block)
        #expect(p.evaluate(finding(.enumeration, 0.7)).proposals.first?.action == .monitor)
        #expect(p.evaluate(finding(.rateAnomaly, 0.99)).proposals.first?.action == .monitor)
    }

    @Test func safeBlockingThresholdsAreConfigurable() throws {
        let p = try policy(mode: .safeBlocking, extra: "safe_blocking: {min_attack_confidence: 0.6}\n")
        #expect(p.evaluate(sqli(0.7)).proposals.first?.action == .block)
    }

    @Test func routeModesOverrideTheGlobalMode() throws {
        let p = try policy(
            mode: .monitoring,
            extra:
                "routes:\n  - {method: POST, template: /v1/login, mode: blocking}\n  - {template: /v1/*, mode: safe_blocking}\n"
        )
        var login = sqli(0.7, template: "/v1/login")
        login.endpoint.method = "POST"
        #expect(p.evaluate(login).proposals.first?.action == .block)
        #expect(p.evaluate(sqli(0.95, template: "/v1/search")).proposals.first?.action == .block)
        #expect(p.evaluate(sqli(0.7, template: "/v1/search")).proposals.first?.action == .monitor)
        #expect(p.evaluate(sqli(0.95, template: "/v2/search")).proposals.first?.action == .monitor)
    }

    @Test func monitorRulesStayMonitorEverywhere() throws {
        let rules = "rules:\n  - {name: watch, match: {min_score: 50}, decision: {scope: ip, action: monitor}}\n"
        let p = try policy(mode: .blocking, rules: rules)
        let out = p.evaluate(sqli())
        #expect(out.proposals.first?.action == .monitor)
        #expect(out.proposals.first?.reason.hasPrefix("[") == false)
        // min_score rules ignore findings
        #expect(p.evaluate(finding(.bruteForce, 1)).proposals.isEmpty)
    }

    @Test func cleanRequestsMatchNothing() throws {
        let p = try policy(mode: .blocking)
        #expect(p.evaluate(event(at: t0)).proposals.isEmpty)
        #expect(p.evaluate(event(at: t0, attack: true, classes: [.init(.rce, 1)])).proposals.isEmpty)
    }
}

@Suite struct PolicyAllowlistTests {
    static let allowlist = """
        allowlist:
          ips: [198.51.100.1]
          cidrs: [10.0.0.0/8, "2001:db8::/32"]
          api_keys: [key-ok]
          jwt_subs: [svc-ok]
          headers: [{name: X-Scanner, value: dast}]

        """

    static let allowed: [BehaviourEvent] = [
        sqli(ip: "198.51.100.1"),
        sqli(ip: "10.20.30.40"),
        sqli(ip: "2001:db8::5"),
        sqli(ip: "203.0.113.9", key: "key-ok"),
        sqli(ip: "203.0.113.9", sub: "svc-ok"),
        event(
            at: t0, ip: "203.0.113.9", headers: [.init(name: "x-scanner", value: "dast")], attack: true, score: 90,
            classes: [.init(.sqli, 1)]),
    ]

    @Test(arguments: allowed)
    func allowlistsWinOverEveryRule(_ e: BehaviourEvent) throws {
        let rules = """
            rules:
              - {name: a, match: {classes: [sqli]}, decision: {scope: ip, action: block}}
              - {name: b, match: {min_score: 1}, decision: {scope: identity, action: block}}
              - {name: c, match: {min_confidence: 0.1}, decision: {scope: cidr, action: throttle}}
              - {name: d, match: {min_confidence: 0.1}, decision: {scope: header, header: x-scanner, action: block}}
            """
        let p = try policy(mode: .blocking, extra: Self.allowlist, rules: rules)
        let out = p.evaluate(e)
        #expect(out.proposals.isEmpty)
        #expect(out.suppressed.count == 4)
        var f = finding(.bruteForce, 1, value: e.identities.ip ?? "")
        f.identities = e.identities
        let behaviour = try policy(mode: .blocking, extra: Self.allowlist).evaluate(f)
        #expect(behaviour.proposals.isEmpty)
    }

    @Test func largeAllowlistsAreIndexed() throws {
        var allow = Policy.Allowlist()
        for i in 0..<100_000 {
            if let net = CIDR("10.\(i >> 16).\((i >> 8) & 0xFF).\(i & 0xFF)") { allow.add(net) }
        }
        for text in ["172.16.0.0/12", "2001:db8::/32", "172.16.0.0/12"] { if let net = CIDR(text) { allow.add(net) } }
        #expect(allow.networks.count == 100_002)
        for i in stride(from: 0, to: 100_000, by: 997) {
            #expect(allow.match(ClientIdentities(ip: "10.\(i >> 16).\((i >> 8) & 0xFF).\(i & 0xFF)")) != nil)
        }
        #expect(allow.match(ClientIdentities(ip: "10.200.0.1")) == nil)
        #expect(allow.match(ClientIdentities(ip: "172.31.255.255")) != nil)
        #expect(allow.match(ClientIdentities(ip: "2001:db8:ffff::1")) != nil)
        #expect(allow.match(ClientIdentities(ip: "2001:db9::1")) == nil)
        #expect(allow.match(ClientIdentities(ip: "garbage")) == nil)
    }

    @Test func networkDecisionsCoveringAnAllowlistedAddressAreDropped() throws {
        let rules =
            "rules:\n  - {name: net, match: {classes: [sqli]}, decision: {scope: cidr, cidr_prefix_v4: 16, action: block}}\n"
        let p = try policy(mode: .blocking, extra: "allowlist: {ips: [203.0.200.1]}\n", rules: rules)
        let out = p.evaluate(sqli(ip: "203.0.113.7"))
        #expect(out.proposals.isEmpty)
        #expect(out.suppressed.first?.why.contains("overlaps") == true)
        #expect(p.allowlist.covers(scope: .ip, value: "203.0.200.1") != nil)
        #expect(p.allowlist.covers(scope: .ip, value: "203.0.200.2") == nil)
    }
}

@Suite struct PolicyScopeTests {
    @Test func scopesResolveFromTheTrigger() throws {
        let rules = """
            rules:
              - {name: ip, match: {classes: [sqli]}, decision: {scope: ip, action: block}}
              - {name: net4, match: {classes: [sqli]}, decision: {scope: cidr, action: throttle}}
              - {name: key, match: {classes: [sqli]}, decision: {scope: api_key, action: block}}
              - {name: sub, match: {classes: [sqli]}, decision: {scope: jwt_sub, action: block}}
              - {name: hdr, match: {classes: [sqli]}, decision: {scope: header, header: X-Partner, action: throttle}}
              - {name: who, match: {classes: [sqli]}, decision: {scope: identity, action: block}}
            """
        let p = try policy(mode: .blocking, rules: rules)
        var e = sqli(ip: "203.0.113.7", sub: "mallory", key: "k1")
        e.identities.headers = [.init(name: "x-partner", value: "acme")]
        let keys = p.evaluate(e).proposals.map(\.key)
        #expect(
            keys == ["ip:203.0.113.7", "cidr:203.0.113.0/24", "api_key:k1", "jwt_sub:mallory", "header:x-partner:acme"])
        let v6 = p.evaluate(sqli(ip: "2001:DB8:0:0:1::7")).proposals.map(\.key)
        #expect(v6 == ["ip:2001:db8::1:0:0:7", "cidr:2001:db8::/64"])
        let missing = p.evaluate(sqli(ip: "203.0.113.7"))
        #expect(missing.suppressed.map(\.rule) == ["key", "sub", "hdr"])
    }

    @Test func identityScopeOfAFindingIsItsOwnIdentity() throws {
        let p = try policy(mode: .blocking)
        let out = p.evaluate(finding(.enumeration, 0.9, scope: .jwtSub, value: "alice"))
        #expect(out.proposals.map(\.key) == ["jwt_sub:alice"])
        #expect(out.proposals.first?.reason == "enumeration: test")
    }

    @Test func oneProposalPerKeyTheStrongestWins() throws {
        let rules = """
            rules:
              - {name: a, match: {classes: [sqli]}, decision: {scope: ip, action: monitor, ttl_secs: 9000}}
              - {name: b, match: {classes: [sqli]}, decision: {scope: ip, action: block, ttl_secs: 60}}
              - {name: c, match: {classes: [sqli]}, decision: {scope: ip, action: throttle, ttl_secs: 90000}}
            """
        let out = try policy(mode: .blocking, rules: rules).evaluate(sqli())
        #expect(out.proposals.count == 1)
        #expect(out.proposals[0].sourceRule == "b")
    }

    @Test func hostileStringsAreCappedInReasons() throws {
        let p = try policy(mode: .blocking)
        let e = sqli(template: "/" + String(repeating: "\u{202E}x\"\n", count: 1_000))
        let reason = p.evaluate(e).proposals.first?.reason ?? ""
        #expect(reason.utf8.count <= Policy.maxReasonBytes)
        #expect(reason.hasSuffix("..."))
    }

    @Test func cidrParsingAndCanonicalForms() {
        #expect(CIDR("10.1.2.3/8")?.description == "10.0.0.0/8")
        #expect(CIDR("2001:db8::1/32")?.description == "2001:db8::/32")
        #expect(CIDR("::/0")?.description == "::/0")
        #expect(CIDR("1.2.3.4")?.prefix == 32)
        #expect(CIDR("1.2.3.4/")?.prefix == nil)
        #expect(CIDR("1.2.3.4/-1") == nil)
        #expect(CIDR("1.2.3.4/1/2") == nil)
        #expect(
            CIDR("::ffff:1.2.3.4/96")?.description == "::ffff:0.0.0.0/96"
                || CIDR("::ffff:1.2.3.4/96")?.description == "::ffff:0:0/96")
        #expect(CIDR("10.0.0.0/8")?.contains(IPBytes.parse("10.255.0.1") ?? []) == true)
        #expect(CIDR("10.0.0.0/8")?.contains(IPBytes.parse("11.0.0.1") ?? []) == false)
        #expect(CIDR("10.0.0.0/8")?.contains(IPBytes.parse("::1") ?? []) == false)
        #expect(IPBytes.canonical("2001:0db8:0000:0000:0000:0000:0000:0001") == "2001:db8::1")
        #expect(IPBytes.canonical("1:0:0:1:0:0:0:1") == "1:0:0:1::1")
        #expect(IPBytes.canonical("not-an-ip") == nil)
    }
}
