import Testing

@testable import PalisadeDetect

/// The request-level detectors through the whole `Analyzer`: placements, locations, the
/// monitor-level rules and the anomaly calibration.
@Suite struct RequestDetectorTests {
    let analyzer = Analyzer()

    func verdict(_ line: String, sensitivity: Sensitivity = .default) -> Verdict {
        Analyzer(sensitivity: sensitivity).analyze(RequestCorpus.record(line)).verdict
    }

    func hit(_ verdict: Verdict, _ attackClass: AttackClass) -> Hit? {
        verdict.hits.first { $0.attackClass == attackClass }
    }

    // MARK: nosqli

    @Test func operatorObjectInLoginBody() throws {
        let v = verdict(#"[json] {"username":"admin","password":{"$ne":null}}"#)
        #expect(v.attack)
        let h = try #require(hit(v, .nosqli))
        #expect(h.rule == "nosqli.operator_on_credential")
        #expect(h.location.hasPrefix("body.json.password"), "\(h.location)")
    }

    @Test func bracketOperatorInQueryKey() throws {
        let v = verdict("[query] username=admin&password[$ne]=x")
        #expect(v.attack)
        let h = try #require(hit(v, .nosqli))
        #expect(h.location.hasPrefix("query"), "\(h.location)")
        #expect(h.evidence.contains("$ne"))
    }

    @Test func whereBodyIsJavaScript() {
        let v = verdict(#"[json] {"$where":"this.password.match(/^a/)"}"#)
        #expect(v.attack)
        #expect(v.hits.contains { $0.rule == "nosqli.where_body" || $0.rule == "nosqli.operator_js" })
    }

    @Test func filterLanguagesAndSchemasAreNotInjection() {
        #expect(!verdict("[query] filters[price][$gt]=100&filters[price][$lt]=500").attack)
        #expect(!verdict(#"[json] {"where":{"status":{"$in":["open","pending"]}}}"#).attack)
        #expect(
            !verdict(
                ##"[json] {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"x","properties":{"a":{"$ref":"#/$defs/a"}}}"##
            ).attack)
        #expect(!verdict("Price: $1,299.00 (was $1,499.00)").attack)
        #expect(
            verdict("[query] filters[price][$gt]=100", sensitivity: .high).hits.contains { $0.attackClass == .nosqli })
    }

    // MARK: prototype_pollution

    @Test func protoKeyInJSONAndQuery() throws {
        let json = verdict(#"[json] {"user":{"__proto__":{"isAdmin":true}}}"#)
        #expect(json.attack)
        #expect(try #require(hit(json, .prototypePollution)).location.contains("__proto__"))
        #expect(verdict("[query] a[__proto__][polluted]=1").attack)
        #expect(verdict("[query] constructor.prototype.isAdmin=1").attack)
        #expect(verdict(#"[json] {"__proto__":{}}"#).attack)
        #expect(verdict(#"[json] {"path":"constructor.prototype.admin","value":true}"#).attack)
    }

    @Test func constructorInProseIsNotPollution() {
        #expect(!verdict("[field:comment] The constructor of this class sets the prototype chain up").attack)
        #expect(!verdict(#"[json] {"constructor":"Acme Builders","phase":"prototype"}"#).attack)
        #expect(!verdict("[field:description] __proto__ is the legacy accessor of the prototype").attack)
    }

    // MARK: graphql_abuse

    @Test func aliasBruteForceAndDepth() throws {
        let aliases = (0..<120).map { "a\($0): login(user: \"admin\", password: \"p\($0)\") { token }" }
        let v = verdict("[graphql] mutation { " + aliases.joined(separator: " ") + " }")
        #expect(v.attack)
        // 120 aliases of one login: the alias limit, and 120 guesses of one password argument
        let rules = Set(v.hits.filter { $0.attackClass == .graphqlAbuse }.map(\.rule))
        #expect(rules == ["graphql_abuse.aliases", "graphql_abuse.credential_guessing"])
        var deep = "id"
        for _ in 0..<25 { deep = "friends { " + deep + " }" }
        #expect(verdict("[graphql] query { " + deep + " }").attack)
        #expect(!verdict("[graphql] query { a: user(id: 1) { name } b: user(id: 2) { name } }").attack)
    }

    @Test func introspectionIsMonitorLevel() throws {
        let line = "[graphql] { __schema { types { name } } }"
        let v = verdict(line)
        #expect(!v.attack)
        #expect(try #require(hit(v, .graphqlAbuse)).rule == "graphql_abuse.introspection")
        #expect(verdict(line, sensitivity: .high).attack)
        let strict = Analyzer(requestDetectors: [GraphQLAbuseDetector(introspectionConfidence: 0.9)])
        #expect(strict.analyze(RequestCorpus.record(line)).verdict.attack)
    }

    @Test func batchedArrayOfOperations() {
        let ops = (0..<30).map { #"{"query":"query { user(id: \#($0)) { id } }"}"# }
        let v = verdict("[json] [" + ops.joined(separator: ",") + "]")
        #expect(v.attack)
        #expect(v.hits.contains { $0.rule == "graphql_abuse.batch" })
        let small = (0..<3).map { _ in #"{"query":"query { me { id } }"}"# }
        #expect(!verdict("[json] [" + small.joined(separator: ",") + "]").attack)
    }

    // MARK: scanner

    @Test func toolUserAgentsAndOrdinaryClients() throws {
        let v = verdict("[header:user-agent] sqlmap/1.7.2#stable (https://sqlmap.org)")
        #expect(v.attack)
        #expect(try #require(hit(v, .scanner)).location == "header.user-agent")
        for ua in ["curl/8.5.0", "python-requests/2.31.0", "Go-http-client/1.1", "okhttp/4.12.0", "NucleiCell LIMS/4"] {
            #expect(!verdict("[header:user-agent] " + ua).attack, "\(ua)")
        }
    }

    @Test func probePathsAreReportedNotBlocked() throws {
        let v = verdict("[path] /.git/config")
        #expect(!v.attack)
        #expect(try #require(hit(v, .scanner)).rule == "scanner.probe_sensitive")
        #expect(verdict("[path] /.git/config", sensitivity: .high).attack)
        #expect(hit(verdict("[path] /.gitignore"), .scanner) == nil)
        #expect(hit(verdict("[path] /.well-known/security.txt"), .scanner) == nil)
    }

    @Test func shellshockAndCallbackDomains() {
        #expect(verdict("[header:referer] () { :;}; echo; /bin/id").attack)
        #expect(verdict("[query] url=http://a1b2.oast.fun/x").attack)
        #expect(!verdict("[field:q] oast.fun meaning").attack)
    }

    // MARK: protocol_anomaly

    @Test func smugglingHintsAreAnomaliesNotAttacks() throws {
        let v = verdict("[request] POST /api\nContent-Length: 4\nTransfer-Encoding: chunked\n\nabcd")
        #expect(!v.attack)
        #expect(v.hits.contains { $0.rule == "protocol_anomaly.smuggling_cl_te" })
        let te = verdict("[request] POST /api\nTransfer-Encoding: chunked, identity\n\n0")
        #expect(te.hits.contains { $0.rule == "protocol_anomaly.smuggling_te_obfuscated" })
        let plain = verdict("[request] POST /api\nTransfer-Encoding: chunked\n\n0")
        #expect(!plain.hits.contains { $0.attackClass == .protocolAnomaly })
    }

    /// The decoder marks the common names it knows (`knownHeaderNames`) and the framing checks
    /// skip them: the framing fields, their obfuscated and underscored forms, and names that are
    /// not tokens are all still read.
    @Test func framingChecksReadEveryNameTheDecoderDoesNotKnow() throws {
        func analyze(_ headers: [(String, String)]) -> (DecodedRequest, Verdict) {
            let result = Analyzer().analyze(
                CaptureRecord(
                    id: "t", ts: 0, method: "POST", rawPath: "/api", headers: headers.map { .init($0.0, $0.1) },
                    body: Array("0\r\n\r\n".utf8)))
            return (result.decoded, result.verdict)
        }
        let common = [("Accept", "*/*"), ("USER-AGENT", "curl/8"), ("Cookie", "a=1"), ("X-Request-Id", "7")]
        let (decoded, plain) = analyze(common + [("Content-Length", "5"), ("X-Custom", "1")])
        #expect(decoded.knownHeaderNames == 0b1111)
        #expect(!plain.hits.contains { $0.attackClass == .protocolAnomaly })
        let cases: [([(String, String)], String)] = [
            ([("Content-Length", "5"), ("Transfer-Encoding", "chunked")], "smuggling_cl_te"),
            ([("Transfer-Encoding ", "chunked"), ("Content-Length", "5")], "smuggling_cl_te"),
            ([("content_length", "5")], "header_name_invalid"),
            ([("Acc\u{0}ept", "*/*")], "header_name_invalid"),
            ([("Transfer-Encoding", "chunked"), ("TRANSFER-ENCODING", "identity")], "smuggling_te_obfuscated"),
        ]
        for (extra, rule) in cases {
            let (decoded, verdict) = analyze(common + extra)
            #expect(decoded.knownHeaderNames == 0b1111, "\(extra)")
            #expect(verdict.hits.contains { $0.rule == "protocol_anomaly." + rule }, "\(extra)")
        }
    }

    @Test func methodsPathsTokensAndDuplicates() {
        #expect(verdict("[request] G(ET /x\n\n").hits.contains { $0.rule == "protocol_anomaly.method_invalid" })
        #expect(!verdict("[request] PROPFIND /dav/\n\n").hits.contains { $0.attackClass == .protocolAnomaly })
        let jwt = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiJ9."
        #expect(
            verdict("[header:authorization] Bearer " + jwt).hits.contains { $0.rule == "protocol_anomaly.jwt_alg_none" }
        )
        let dup = verdict(#"[json] {"role":"user","role":"admin"}"#)
        #expect(dup.hits.contains { $0.rule == "protocol_anomaly.duplicate_key_conflict" && $0.confidence == 0.55 })
        #expect(!verdict(#"[json] {"a":1,"a":1}"#).hits.contains { $0.attackClass == .protocolAnomaly })
    }

    // MARK: hostile inputs

    @Test func hostileInputsStayBounded() {
        let big = 1 << 20
        let lines = [
            "[json] {\"k\":\"" + String(repeating: "$ne", count: big / 3) + "\"}",
            "[query] q=" + String(repeating: "this.", count: big / 5),
            "[query] q=" + String(repeating: "db.a.", count: big / 5),
            "[query] q=" + String(repeating: "__proto__", count: big / 9),
            "[query] q=" + String(repeating: "constructor.", count: big / 12),
            "[query] q=" + String(repeating: "{$", count: big / 2),
            "[path] /" + String(repeating: "/.git", count: big / 5),
            "[header:user-agent] " + String(repeating: "nmap ", count: big / 5),
            "[query] q=" + String(repeating: "sleep(", count: big / 6),
        ]
        // A hang guard, not a speed test (speed is in BENCHMARKS.md): a quadratic path over 1 MiB
        // takes hours, while a linear one takes seconds in a debug build even on a loaded CI
        // machine, so the bound is far from both.
        let bound = Duration.seconds(90)
        let clock = ContinuousClock()
        for line in lines {
            let elapsed = clock.measure { _ = analyzer.analyze(RequestCorpus.record(line)) }
            #expect(elapsed < bound, "\(line.prefix(30)): \(elapsed)")
        }
        var headers: [CaptureRecord.Header] = []
        for i in 0..<2000 { headers.append(.init("transfer-encoding", "chunked\(i)")) }
        let record = CaptureRecord(id: "h", ts: 0, method: "POST", rawPath: "/", headers: headers)
        let elapsed = clock.measure { _ = analyzer.analyze(record) }
        #expect(elapsed < bound)
    }
}
