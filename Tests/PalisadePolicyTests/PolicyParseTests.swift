import PalisadeDetect
import Testing

@testable import PalisadePolicy

func repoFile(_ relative: String) throws -> String {
    var url = #filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")
    url += "/" + relative
    return try String(contentsOfFile: url, encoding: .utf8)
}

func parseErrors(_ yaml: String) -> PolicyErrors? {
    do {
        _ = try Policy.parse(yaml: yaml)
        return nil
    } catch {
        return error
    }
}

@Suite struct PolicyParseTests {
    @Test func exampleFileParses() throws {
        let policy = try Policy.parse(yaml: try repoFile("examples/policy.yaml"))
        #expect(policy.mode == .safeBlocking)
        #expect(policy.routes.count == 3)
        #expect(policy.rules.count == 9)
        #expect(policy.allowlist.networks.count == 5)
        #expect(policy.allowlist.headers == ["x-palisade-scanner:internal-dast"])
        let network = policy.rules.first { $0.name == "login-abuse-network" }
        #expect(network?.decision.scope == .cidr)
        #expect(network?.decision.action == .throttle)
        #expect(network?.match.behaviours == [.credentialStuffing])
        #expect(policy.mode(for: .init(host: "api.example.com", method: "POST", template: "/v1/login")) == .blocking)
        #expect(policy.mode(for: .init(host: "LEGACY.example.com", method: "GET", template: "/x")) == .monitoring)
        #expect(policy.mode(for: .init(host: "a", method: "GET", template: "/internal/jobs/{id}")) == .monitoring)
        #expect(policy.mode(for: .init(host: "a", method: "GET", template: "/v1/login")) == .safeBlocking)
    }

    @Test func behaviourSectionSetsDetectorThresholds() throws {
        let policy = try Policy.parse(yaml: try repoFile("examples/policy.yaml"))
        #expect(policy.behaviour == BehaviourEngine.Config())
        #expect(policy.authEndpoints.isAuth(method: "POST", template: "/v1/customers/verify"))
        let tuned = try Policy.parse(
            yaml: """
                version: 1
                behaviour:
                  brute_force: {min_failures: 3, failure_statuses: [401, 400]}
                  rate_anomaly: {multiplier: 2.5, quantile: 0.95}
                  auth_endpoints: {keywords: [anmelden]}
                """)
        #expect(tuned.behaviour.bruteForce.minFailures == 3)
        #expect(tuned.behaviour.bruteForce.failureStatuses == [400, 401])
        #expect(tuned.behaviour.bruteForce.windowSecs == 300)
        #expect(tuned.behaviour.rateAnomaly.multiplier == 2.5)
        #expect(tuned.behaviour.rateAnomaly.quantile == 0.95)
        #expect(tuned.authEndpoints.isAuth(method: "POST", template: "/de/anmelden"))
        #expect(!tuned.authEndpoints.isAuth(method: "POST", template: "/login"))
    }

    @Test func defaultPolicyParsesAndIsDocumented() throws {
        let parsed = try Policy.parse(yaml: Policy.defaultYAML)
        #expect(parsed == Policy.default)
        #expect(parsed.rules.count == 7)
        #expect(parsed.mode == .safeBlocking)
        let doc = try repoFile("docs/POLICY.md")
        for rule in parsed.rules { #expect(doc.contains(rule.name), "\(rule.name)") }
    }

    @Test func minimalPolicyDefaults() throws {
        let policy = try Policy.parse(yaml: "version: 1\n")
        #expect(policy.mode == .monitoring)
        #expect(policy.rules.isEmpty)
        #expect(policy.safeBlocking == Policy.SafeBlocking())
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var yaml: String
        var field: String
        var code: PolicyError.Code
        var line: Int?
        var testDescription: String { "\(code.rawValue) at \(field)" }
    }

    static let rule = "rules:\n  - name: r\n    match: {classes: [sqli]}\n    decision: {scope: ip, action: block}\n"

    static let bad: [Bad] = [
        Bad(yaml: "mode: blocking\n", field: "version", code: .missingField, line: 1),
        Bad(yaml: "version: 2\n", field: "version", code: .invalidValue, line: 1),
        Bad(yaml: "version: one\n", field: "version", code: .wrongType, line: 1),
        Bad(yaml: "version: 1\nmode: block\n", field: "mode", code: .invalidValue, line: 2),
        Bad(yaml: "version: 1\nmodes: blocking\n", field: "modes", code: .unknownField, line: 2),
        Bad(yaml: "version: 1\nmode: blocking\nmode: monitoring\n", field: "mode", code: .duplicate, line: 2),
        Bad(
            yaml: "version: 1\nsafe_blocking: {min_attack_confidence: 1.5}\n",
            field: "safe_blocking.min_attack_confidence", code: .invalidValue, line: 2),
        Bad(yaml: "version: 1\nroutes: {template: /x}\n", field: "routes", code: .wrongType, line: 2),
        Bad(yaml: "version: 1\nroutes:\n  - template: /x\n", field: "routes[0].mode", code: .missingField, line: 3),
        Bad(yaml: "version: 1\nroutes:\n  - mode: blocking\n", field: "routes[0]", code: .missingField, line: 3),
        Bad(
            yaml: "version: 1\nroutes:\n  - {template: x, mode: blocking}\n", field: "routes[0].template",
            code: .invalidValue, line: 3),
        Bad(
            yaml: "version: 1\nroutes:\n  - {host: a b, mode: blocking}\n", field: "routes[0].host",
            code: .invalidValue, line: 3),
        Bad(
            yaml: "version: 1\nallowlist:\n  ips: [1.2.3.400]\n", field: "allowlist.ips[0]", code: .invalidValue,
            line: 3),
        Bad(yaml: "version: 1\nallowlist:\n  ips: 1.2.3.4\n", field: "allowlist.ips", code: .wrongType, line: 3),
        Bad(
            yaml: "version: 1\nallowlist:\n  cidrs: [10.0.0.0/33]\n", field: "allowlist.cidrs[0]", code: .invalidValue,
            line: 3),
        Bad(
            yaml: "version: 1\nallowlist:\n  cidrs: [10.0.0.0]\n", field: "allowlist.cidrs[0]", code: .invalidValue,
            line: 3),
        Bad(
            yaml: "version: 1\nallowlist:\n  cidrs: [\"2001:db8::/129\"]\n", field: "allowlist.cidrs[0]",
            code: .invalidValue, line: 3),
        Bad(
            yaml: "version: 1\nallowlist:\n  jwt_subs: [[a]]\n", field: "allowlist.jwt_subs[0]", code: .wrongType,
            line: 3),
        Bad(
            yaml: "version: 1\nallowlist:\n  headers: [{name: x-a}]\n", field: "allowlist.headers[0].value",
            code: .missingField, line: 3),
        Bad(yaml: "version: 1\nallowlist:\n  users: [a]\n", field: "allowlist.users", code: .unknownField, line: 3),
        Bad(
            yaml: "version: 1\nrules:\n  - match: {classes: [sqli]}\n    decision: {scope: ip, action: block}\n",
            field: "rules[0].name", code: .missingField, line: 3),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: bad name!\n    match: {classes: [sqli]}\n    decision: {scope: ip, action: block}\n",
            field: "rules[0].name", code: .invalidValue, line: 3),
        Bad(
            yaml: "version: 1\n" + rule
                + "  - name: r\n    match: {classes: [xss]}\n    decision: {scope: ip, action: block}\n",
            field: "rules[1].name", code: .duplicate, line: 6),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {classes: [sqly]}\n    decision: {scope: ip, action: block}\n",
            field: "rules[0].match.classes[0]", code: .invalidValue, line: 4),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {behaviours: [ddos]}\n    decision: {scope: ip, action: block}\n",
            field: "rules[0].match.behaviours[0]", code: .invalidValue, line: 4),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {classes: []}\n    decision: {scope: ip, action: block}\n",
            field: "rules[0].match.classes", code: .invalidValue, line: 4),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {min_confidence: 2}\n    decision: {scope: ip, action: block}\n",
            field: "rules[0].match.min_confidence", code: .invalidValue, line: 4),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {min_score: high}\n    decision: {scope: ip, action: block}\n",
            field: "rules[0].match.min_score", code: .wrongType, line: 4),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {source: verdict}\n    decision: {scope: ip, action: block}\n",
            field: "rules[0].match", code: .missingField, line: 4),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {behaviours: [enumeration], min_score: 5}\n    decision: {scope: ip, action: block}\n",
            field: "rules[0].match", code: .invalidValue, line: 4),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {behaviours: [enumeration], source: verdict}\n    decision: {scope: ip, action: block}\n",
            field: "rules[0].match.source", code: .invalidValue, line: 4),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {classes: [sqli], when: x}\n    decision: {scope: ip, action: block}\n",
            field: "rules[0].match.when", code: .unknownField, line: 4),
        Bad(
            yaml: "version: 1\nrules:\n  - name: r\n    match: {classes: [sqli]}\n", field: "rules[0].decision",
            code: .missingField, line: 3),
        Bad(
            yaml: "version: 1\nrules:\n  - name: r\n    match: {classes: [sqli]}\n    decision: {action: block}\n",
            field: "rules[0].decision.scope", code: .missingField, line: 5),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {classes: [sqli]}\n    decision: {scope: mac, action: block}\n",
            field: "rules[0].decision.scope", code: .invalidValue, line: 5),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {classes: [sqli]}\n    decision: {scope: ip, action: ban}\n",
            field: "rules[0].decision.action", code: .invalidValue, line: 5),
        Bad(
            yaml: "version: 1\nrules:\n  - name: r\n    match: {classes: [sqli]}\n    decision: {scope: ip}\n",
            field: "rules[0].decision.action", code: .missingField, line: 5),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {classes: [sqli]}\n    decision:\n      scope: ip\n      action: block\n      ttl_secs: 0\n",
            field: "rules[0].decision.ttl_secs", code: .invalidValue, line: 8),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {classes: [sqli]}\n    decision:\n      scope: ip\n      action: block\n      ttl_secs: 1h\n",
            field: "rules[0].decision.ttl_secs", code: .wrongType, line: 8),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {classes: [sqli]}\n    decision:\n      scope: ip\n      action: block\n      ttl_secs: 99999999999999999999999\n",
            field: "rules[0].decision.ttl_secs", code: .wrongType, line: 8),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {classes: [sqli]}\n    decision: {scope: header, action: block}\n",
            field: "rules[0].decision.header", code: .missingField, line: 5),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {classes: [sqli]}\n    decision: {scope: ip, header: x-a, action: block}\n",
            field: "rules[0].decision.header", code: .invalidValue, line: 5),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {classes: [sqli]}\n    decision: {scope: cidr, cidr_prefix_v4: 8, action: block}\n",
            field: "rules[0].decision.cidr_prefix_v4", code: .invalidValue, line: 5),
        Bad(
            yaml:
                "version: 1\nrules:\n  - name: r\n    match: {classes: [sqli]}\n    decision: {scope: ip, action: block, ttl: 5}\n",
            field: "rules[0].decision.ttl", code: .unknownField, line: 5),
        Bad(
            yaml: "version: 1\nbehaviour:\n  brute_force: {min_failures: 0}\n",
            field: "behaviour.brute_force.min_failures", code: .invalidValue, line: 3),
        Bad(
            yaml: "version: 1\nbehaviour:\n  brute_force: {statuses: [401]}\n", field: "behaviour.brute_force.statuses",
            code: .unknownField, line: 3),
        Bad(
            yaml: "version: 1\nbehaviour:\n  enumeration: {failure_statuses: [99]}\n",
            field: "behaviour.enumeration.failure_statuses[0]", code: .invalidValue, line: 3),
        Bad(
            yaml: "version: 1\nbehaviour:\n  rate_anomaly: {multiplier: 0.5}\n",
            field: "behaviour.rate_anomaly.multiplier", code: .invalidValue, line: 3),
        Bad(
            yaml: "version: 1\nbehaviour:\n  scraping: {}\n", field: "behaviour.scraping", code: .unknownField, line: 3),
        Bad(
            yaml:
                "version: 1\nbehaviour:\n  auth_endpoints:\n    overrides: [{method: POST, template: /x, auth: maybe}]\n",
            field: "behaviour.auth_endpoints.overrides[0].auth", code: .wrongType, line: 4),
        Bad(yaml: "version: 1\nrules: [1, 2]\n", field: "rules[0]", code: .wrongType, line: 2),
        Bad(yaml: "- version: 1\n", field: "$", code: .wrongType, line: 1),
        Bad(
            yaml: "version: 1\nrules:\n  - name: r\n    match: {classes: [sqli]\n", field: "$", code: .syntax, line: nil
        ),
        Bad(yaml: "", field: "version", code: .missingField, line: nil),
    ]

    @Test(arguments: bad)
    func invalidFieldsGiveClearErrors(_ bad: Bad) {
        guard let errors = parseErrors(bad.yaml) else {
            Issue.record("accepted: \(bad.yaml)")
            return
        }
        let match = errors.first(field: bad.field)
        #expect(match != nil, "errors were: \(errors)")
        #expect(match?.code == bad.code, "errors were: \(errors)")
        if let line = bad.line { #expect(match?.line == line, "errors were: \(errors)") }
        #expect(match?.description.contains(bad.field) == true)
        if let line = match?.line { #expect(match?.description.contains("line \(line)") == true) }
    }

    @Test func reportsEveryErrorInOneRound() {
        let yaml = """
            version: 1
            mode: sometimes
            rules:
              - name: a
                match: {classes: [sqly]}
                decision: {scope: ip, action: ban, ttl_secs: -1}
            """
        let errors = parseErrors(yaml)?.errors ?? []
        #expect(
            errors.map(\.field) == [
                "mode", "rules[0].match.classes[0]", "rules[0].decision.action", "rules[0].decision.ttl_secs",
            ])
        #expect(
            errors[0].description
                == #"policy line 2 column 7, mode: unknown value "sometimes"; expected one of monitoring, safe_blocking, blocking"#
        )
    }

    @Test func syntaxErrorsNameTheLine() {
        let errors = parseErrors("version: 1\nrules:\n  - name: [a\n") ?? PolicyErrors([])
        #expect(errors.errors.first?.code == .syntax)
        #expect(errors.errors.first?.line != nil)
    }

    @Test(arguments: [
        String(repeating: "[", count: 10_000),
        String(repeating: "- ", count: 5_000) + "x",
        "a: &a [1,2]\nb: &b [*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c]\nversion: 1\nrules: [*d, *d, *d]\n",
        "version: 1\nrules:\n  - &r {name: r, match: {classes: [sqli]}, decision: {scope: ip, action: block}}\n  - *r\n",
        "\u{0}\u{1}\u{FFFF}version: \u{7F}",
        "version: !!binary aGVsbG8=\n",
        "version: 1\nallowlist:\n  ips: [\"\(String(repeating: "1", count: 5_000))\"]\n",
        "version: 1\nrules:\n  - name: \"\(String(repeating: "é", count: 5_000))\"\n",
        "version: 1\nsafe_blocking: {min_attack_confidence: .nan}\n",
        "version: 1\nsafe_blocking: {min_attack_confidence: 1e308}\n",
        "version: 1:2:3\n",
    ])
    func hostileInputIsAnErrorNotATrap(_ yaml: String) {
        #expect(parseErrors(yaml) != nil)
    }

    @Test func oversizedFileIsRefused() {
        let big = "version: 1\n#" + String(repeating: "x", count: Policy.maxFileBytes)
        #expect(parseErrors(big)?.errors.first?.code == .tooLarge)
    }
}
