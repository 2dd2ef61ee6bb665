import PalisadeDetect
import Testing

@testable import PalisadePolicy

@Suite struct AttackBurstTests {
    func attack(_ ts: Int64, ip: String = "203.0.113.7", _ cls: AttackClass = .sqli, _ conf: Double = 0.9)
        -> BehaviourEvent
    {
        event(at: ts, ip: ip, attack: true, score: 90, classes: [.init(cls, conf)])
    }

    @Test func firesOnFiveAttacksInAMinuteOncePerCooldown() {
        var d = AttackBurstDetector()
        let events = (0..<12).map { attack(t0 + Int64($0) * 2_000, $0 % 3 == 0 ? .xss : .sqli) }
        let findings = run(&d, events) { $0.observe($1) }
        #expect(findings.count == 1)
        let f = findings[0]
        #expect(f.kind == .attackBurst)
        #expect(f.attackClass == .sqli)
        #expect(f.identity == ClientIdentity(.ip, "203.0.113.7"))
        #expect(f.ts == t0 + 8_000)
        #expect(abs(f.confidence - 0.9) < 1e-9)
        #expect(f.evidence.contains("sqli,xss"))
    }

    @Test func attacksSpreadBeyondTheWindowDoNotFire() {
        var d = AttackBurstDetector()
        let events = (0..<20).map { attack(t0 + Int64($0) * 20_000) }  // one every 20 s: 4 per minute
        #expect(run(&d, events) { $0.observe($1) }.isEmpty)
    }

    @Test func weakHitsAnomaliesAndCleanTrafficDoNotCount() {
        var d = AttackBurstDetector()
        var events: [BehaviourEvent] = []
        for i in 0..<10 { events.append(attack(t0 + Int64(i) * 1_000, .sqli, 0.3)) }
        for i in 0..<10 { events.append(attack(t0 + Int64(i) * 1_000, .schemaAnomaly, 1)) }
        for i in 0..<500 { events.append(event(at: t0 + Int64(i) * 100, objectID: "\(i)")) }
        #expect(run(&d, events) { $0.observe($1) }.isEmpty)
    }

    @Test func firesAgainAfterCooldownAndPerIdentity() {
        var d = AttackBurstDetector()
        var events = (0..<5).map { attack(t0 + Int64($0) * 1_000) }
        events += (0..<5).map { attack(t0 + 120_000 + Int64($0) * 1_000) }
        events += (0..<5).map { attack(t0 + Int64($0) * 1_000, ip: "192.0.2.1") }
        let findings = run(&d, events) { $0.observe($1) }
        #expect(findings.count == 3)
        #expect(Set(findings.map(\.identity.value)) == ["203.0.113.7", "192.0.2.1"])
    }
}

@Suite struct BruteForceTests {
    @Test func firesOnALoginStormFromOneAddress() {
        var d = BruteForceDetector()
        let events = (0..<15).map { login(at: t0 + Int64($0) * 3_000, user: "alice", ok: false) }
        let findings = run(&d, events) { $0.observe($1) }
        #expect(findings.count == 1)
        #expect(findings[0].kind == .bruteForce)
        #expect(findings[0].attackClass == .bruteForce)
        #expect(findings[0].counts.failures == 10)
        #expect(findings[0].confidence >= 0.8)
    }

    @Test func natAddressWithManyUsersAndNormalFailuresDoesNotFire() {
        var d = BruteForceDetector()
        var rng = SplitMix(state: 7)
        // 400 users behind one address, 1,000 logins in 5 minutes, ~10 % typos
        let events = (0..<1_000).map { i in
            login(
                at: t0 + Int64(i) * 300, sub: nil, user: "user\(Int.random(in: 0..<400, using: &rng))",
                ok: Int.random(in: 0..<10, using: &rng) != 0)
        }
        #expect(run(&d, events) { $0.observe($1) }.isEmpty)
    }

    @Test func failuresOutsideTheWindowDoNotAddUp() {
        var d = BruteForceDetector()
        var events = (0..<9).map { login(at: t0 + Int64($0) * 1_000, user: "bob", ok: false) }
        events += (0..<9).map { login(at: t0 + 400_000 + Int64($0) * 1_000, user: "bob", ok: false) }
        #expect(run(&d, events) { $0.observe($1) }.isEmpty)
    }

    @Test func nonAuthEndpointsAreIgnored() {
        var d = BruteForceDetector()
        let events = (0..<50).map { event(at: t0 + Int64($0) * 1_000, method: "GET", template: "/v1/me", status: 401) }
        #expect(run(&d, events) { $0.observe($1) }.isEmpty)
    }
}

@Suite struct CredentialStuffingTests {
    @Test func firesOnManyUsernamesMostlyFailing() {
        var d = CredentialStuffingDetector()
        let events = (0..<40).map { i in login(at: t0 + Int64(i) * 2_000, user: "victim\(i)@example.com", ok: i == 17) }
        let findings = run(&d, events) { $0.observe($1) }
        #expect(findings.count == 1)
        #expect(findings[0].kind == .credentialStuffing)
        #expect(findings[0].counts.distinct == 10)
    }

    @Test func natAddressWithManyRealUsersDoesNotFire() {
        var d = CredentialStuffingDetector()
        var rng = SplitMix(state: 11)
        let events = (0..<2_000).map { i in
            login(
                at: t0 + Int64(i) * 250, user: "user\(Int.random(in: 0..<600, using: &rng))",
                ok: Int.random(in: 0..<100, using: &rng) >= 15)
        }
        #expect(run(&d, events) { $0.observe($1) }.isEmpty)
    }

    @Test func oneUserRetryingIsNotStuffing() {
        var d = CredentialStuffingDetector()
        let events = (0..<30).map { login(at: t0 + Int64($0) * 1_000, user: "carol", ok: false) }
        #expect(run(&d, events) { $0.observe($1) }.isEmpty)
    }
}

@Suite struct EnumerationTests {
    @Test func firesOnSequentialIdsWithManyRefusals() {
        var d = EnumerationDetector()
        let events = (1...120).map { i in
            event(
                at: t0 + Int64(i) * 500, key: "k-attacker", template: "/v1/orders/{id}", status: i % 4 == 0 ? 200 : 403,
                objectID: "\(i)")
        }
        let findings = run(&d, events) { $0.observe($1) }
        // one per identity (ip and api key), once per cooldown
        #expect(findings.count == 2)
        #expect(findings.allSatisfy { $0.kind == .enumeration && $0.attackClass == .bola })
        #expect(Set(findings.map(\.identity.scope)) == [.ip, .apiKey])
        #expect(findings[0].confidence > 0.8)
        #expect(findings[0].endpoint.template == "/v1/orders/{id}")
    }

    @Test func busyClientReadingItsOwnObjectsDoesNotFire() {
        var d = EnumerationDetector()
        let events = (0..<5_000).map { i in
            event(
                at: t0 + Int64(i) * 50, sub: "svc-sync", template: "/v1/orders/{id}", status: i % 500 == 0 ? 404 : 200,
                objectID: "\(i)")
        }
        #expect(run(&d, events) { $0.observe($1) }.isEmpty)
    }

    @Test func templatesAreJudgedSeparately() {
        var d = EnumerationDetector()
        // 20 distinct failing ids on each of three templates: none reaches 30 on one template
        let events = (0..<60).map { i in
            event(at: t0 + Int64(i) * 500, template: "/v1/t\(i % 3)/{id}", status: 404, objectID: "\(i)")
        }
        #expect(run(&d, events) { $0.observe($1) }.isEmpty)
    }
}

@Suite struct ForcedBrowsingTests {
    @Test func firesOnA404StormAcrossPaths() {
        var d = ForcedBrowsingDetector()
        let words = ["admin", "backup", ".git/config", "wp-login.php", "phpinfo.php", ".env", "old", "test", "db.sql"]
        let events = (0..<60).map { i in
            event(at: t0 + Int64(i) * 300, template: "/{p}", status: 404, path: "/\(words[i % words.count])\(i)")
        }
        let findings = run(&d, events) { $0.observe($1) }
        #expect(findings.count == 1)
        #expect(findings[0].kind == .forcedBrowsing)
        #expect(findings[0].counts.distinct == 25)
    }

    @Test func appWithOccasionalMissingAssetsDoesNotFire() {
        var d = ForcedBrowsingDetector()
        let events = (0..<3_000).map { i in
            event(
                at: t0 + Int64(i) * 40, template: "/v1/items/{id}", status: i % 20 == 0 ? 404 : 200,
                path: "/v1/items/\(i)")
        }
        #expect(run(&d, events) { $0.observe($1) }.isEmpty)
    }
}

@Suite struct RateAnomalyTests {
    /// 200 clients at ~10 requests per minute for `minutes` minutes on one endpoint.
    func normalTraffic(minutes: Int, clients: Int = 200, perMinute: Int = 10) -> [BehaviourEvent] {
        var out: [BehaviourEvent] = []
        for minute in 0..<minutes {
            for c in 0..<clients {
                for r in 0..<perMinute {
                    let ts = t0 + Int64(minute) * 60_000 + Int64(r) * 5_000 + Int64(c)
                    out.append(event(at: ts, ip: "10.1.\(c / 250).\(c % 250)", template: "/v1/search"))
                }
            }
        }
        return out.sorted { $0.ts < $1.ts }
    }

    @Test func firesOnAClientFarAboveTheEndpointsP99() {
        var d = RateAnomalyDetector()
        #expect(run(&d, normalTraffic(minutes: 3)) { $0.observe($1) }.isEmpty)
        let baseline = d.baseline(for: Verdict.Endpoint(host: "api.example.com", method: "GET", template: "/v1/search"))
        #expect((baseline?.samples ?? 0) >= 200)
        let p99 = baseline?.quantile(0.99) ?? 0
        #expect(p99 >= 10 && p99 < 13)
        let scraper = (0..<600).map { i in
            event(at: t0 + 180_000 + Int64(i) * 100, ip: "198.51.100.66", template: "/v1/search")
        }
        let findings = run(&d, scraper) { $0.observe($1) }
        #expect(findings.count == 1)
        #expect(findings[0].kind == .rateAnomaly)
        #expect(findings[0].counts.events == 120)
        #expect(findings[0].confidence >= 0.6)
    }

    @Test func busyButNormalClientAndNatAddressDoNotFire() {
        var d = RateAnomalyDetector()
        _ = run(&d, normalTraffic(minutes: 3)) { $0.observe($1) }
        var events: [BehaviourEvent] = []
        // a busy client at 3× the usual rate
        for i in 0..<30 {
            events.append(event(at: t0 + 180_000 + Int64(i) * 2_000, ip: "198.51.100.1", template: "/v1/search"))
        }
        // an office NAT: 30 users, each at the usual rate, one address (300 requests a minute)
        for u in 0..<30 {
            for r in 0..<10 {
                events.append(
                    event(
                        at: t0 + 180_000 + Int64(r) * 5_000 + Int64(u), ip: "192.0.2.200", sub: "user\(u)",
                        template: "/v1/search"))
            }
        }
        events.sort { $0.ts < $1.ts }
        #expect(run(&d, events) { $0.observe($1) }.isEmpty)
    }

    @Test func noJudgementBeforeTheBaselineHasSamples() {
        var d = RateAnomalyDetector()
        let events = (0..<1_000).map { i in event(at: t0 + Int64(i) * 50, template: "/v1/new") }
        #expect(run(&d, events) { $0.observe($1) }.isEmpty)
    }

    @Test func baselineQuantilesFollowTheData() {
        var b = RateBaseline()
        for i in 0..<1_000 { b.record(i < 990 ? 10 : 100) }
        let p50 = b.quantile(0.5) ?? 0
        #expect(p50 >= 10 && p50 < 12)
        let p999 = b.quantile(0.999) ?? 0
        #expect(p999 >= 100 && p999 < 120)
        for _ in 0..<100_000 { b.record(1) }  // forgetting: old values fade
        #expect((b.quantile(0.99) ?? 0) < 2)
        #expect(b.samples < b.maxSamples)
    }
}

@Suite struct BehaviourEngineTests {
    @Test func memoryStaysBoundedWith100000Clients() {
        var config = BehaviourEngine.Config()
        config.maxTrackedClients = 2_000
        var engine = BehaviourEngine(config: config)
        for i in 0..<100_000 {
            let ip = "10.\(i >> 16).\((i >> 8) & 0xFF).\(i & 0xFF)"
            _ = engine.observe(
                event(
                    at: t0 + Int64(i), ip: ip, method: "POST", template: "/v1/login", status: 401, attack: true,
                    classes: [.init(.sqli, 0.9)], objectID: "1", username: "u", path: "/x"))
        }
        for (kind, stats) in engine.stats {
            #expect(stats.tracked <= 2_000, "\(kind)")
        }
        #expect(engine.stats[.attackBurst]?.evictions == 98_000)
        #expect(engine.stats[.bruteForce]?.evictions == 98_000)
        engine.expire(now: t0 + 3_600_000)
        for (kind, stats) in engine.stats {
            #expect(stats.tracked == 0, "\(kind)")
        }
    }

    @Test func expiryDropsIdleWindows() {
        var engine = BehaviourEngine()
        _ = engine.observe(login(at: t0, user: "a", ok: false))
        #expect(engine.stats[.bruteForce]?.tracked == 1)
        engine.expire(now: t0 + 100_000)
        #expect(engine.stats[.bruteForce]?.tracked == 1)
        engine.expire(now: t0 + 301_000)
        #expect(engine.stats[.bruteForce]?.tracked == 0)
        #expect(engine.stats[.bruteForce]?.expirations == 1)
    }

    @Test(arguments: [
        ("POST", "/v1/login", true), ("POST", "/oauth/token", true), ("POST", "/api/auth/sign-in", true),
        ("PUT", "/v1/users/{id}/password", true), ("POST", "/v1/password-reset", true), ("GET", "/v1/login", false),
        ("POST", "/v1/authors", false), ("POST", "/v1/orders", false), ("PUT", "/v1/sessions/{id}", false),
    ])
    func authEndpointHeuristic(method: String, template: String, expected: Bool) {
        #expect(AuthEndpointClassifier().isAuth(method: method, template: template) == expected)
    }

    /// The byte-level reading of ASCII methods and templates gives what the text reading gives:
    /// over realistic templates in every case mix, separators and lengths, and random ASCII.
    @Test func asciiAuthReadingMatchesTheTextReading() {
        let classifier = AuthEndpointClassifier()
        let custom = AuthEndpointClassifier(keywords: ["v1", "Login", "", "a1b2"])
        var templates = [
            "/v1/login", "/V1/LOGIN", "/api/auth/sign-in", "/api/Sign_In/x", "/v1/users/{id}/password",
            "/v1/password-reset", "/v1/authors", "//login//", "/{login}", "/login{x}", "/a1-b2", "/oauth2/token.json",
            "/sessions;jsessionid=1", "/v1/pass word", "/2fa/otp", "", "/", "/-/", "/\r\nlogin",
            "/v1/" + String(repeating: "x", count: 2100) + "/login",
        ]
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let pieces = ["/", "login", "Token", "-", "_", "{id}", "reset", "pass", "word", ".", "0", "Z", " ", "%2F"]
        for _ in 0..<2_000 {
            templates.append(
                (0..<(1 + Int(next() % 7))).map { _ in pieces[Int(next() % UInt64(pieces.count))] }.joined())
            templates.append(
                String((0..<Int(next() % 24)).map { _ in Character(UnicodeScalar(UInt8(32 + next() % 95))) }))
        }
        for template in templates {
            for method in ["POST", "post", "Put", "PATCH", "GET", "", "POSTX", "patc"] {
                for c in [classifier, custom] {
                    let plain = c.plainIsAuth(method: method, template: template)
                    let ascii = Array(method.utf8).withUnsafeBufferPointer { m in
                        Array(template.utf8).withUnsafeBufferPointer { c.asciiIsAuth(method: m, template: $0) }
                    }
                    #expect(ascii == (template.utf8.count <= 2048 ? plain : nil), "\(method) \(template)")
                    #expect(c.isAuth(method: method, template: template) == plain)
                }
            }
        }
        // Anything not ASCII is read as text.
        #expect(
            Array("POST".utf8).withUnsafeBufferPointer { m in
                Array("/v1/łogin".utf8).withUnsafeBufferPointer { classifier.asciiIsAuth(method: m, template: $0) }
            } == nil)
        #expect(
            classifier.isAuth(method: "POST", template: "/v1/Login\u{301}/é")
                == classifier.plainIsAuth(
                    method: "POST", template: "/v1/Login\u{301}/é"))
    }

    @Test func authOverridesWin() {
        let c = AuthEndpointClassifier(overrides: ["POST /v1/orders": true, "POST /v1/login": false])
        #expect(c.isAuth(method: "post", template: "/v1/orders"))
        #expect(!c.isAuth(method: "POST", template: "/v1/login"))
    }

    @Test func eventFromVerdictCarriesClassesAndCapsHostileStrings() {
        let verdict = Verdict(
            id: "01J", ts: t0, client: "203.0.113.7", endpoint: .init(host: "h", method: "POST", template: "/login"),
            status: 401, score: 95, attack: true,
            hits: [
                Hit(attackClass: .sqli, point: 0, confidence: 0.7, evidence: "", rule: "a"),
                Hit(attackClass: .sqli, point: 1, confidence: 0.95, evidence: "", rule: "b"),
                Hit(attackClass: .xss, point: 2, confidence: .nan, evidence: "", rule: "c"),
            ], anomalies: [], decodeMs: 0.1)
        let e = BehaviourEvent(
            verdict: verdict,
            identities: ClientIdentities(ip: "203.0.113.7", jwtSub: String(repeating: "é", count: 10_000)),
            username: "alice")
        #expect(e.isAuthEndpoint)
        #expect(e.classes == [ClassConfidence(.sqli, 0.95), ClassConfidence(.xss, 0)])
        #expect(e.usernameHash == StableHash.fnv1a64("alice"))
        #expect((e.identities.jwtSub?.utf8.count ?? 0) <= ClientIdentities.maxValueBytes)
        #expect(ClientIdentities(ip: "").ip == nil)
    }
}
