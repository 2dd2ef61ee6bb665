import PalisadeDetect
import Yams

extension Policy {
    /// Largest policy file accepted (1 MiB).
    public static let maxFileBytes = 1 << 20
    /// Most rules, routes and allowlist entries accepted (each).
    public static let maxRules = 1_000
    public static let maxRoutes = 1_000
    public static let maxAllowlistEntries = 100_000
    /// Longest TTL: 30 days.
    public static let maxTTLSecs = 2_592_000

    /// Parses and validates a policy file. Throws `PolicyErrors` listing every problem with its
    /// field and line. Never traps, whatever the input.
    public static func parse(yaml text: String) throws(PolicyErrors) -> Policy {
        guard text.utf8.count <= maxFileBytes else {
            throw PolicyErrors([
                PolicyError(
                    code: .tooLarge, field: "$", line: nil, column: nil,
                    reason: "policy file is \(text.utf8.count) bytes, the limit is \(maxFileBytes)")
            ])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw PolicyErrors([Self.syntaxError(error)])
        }
        guard let root else {
            throw PolicyErrors([
                PolicyError(
                    code: .missingField, field: "version", line: nil, column: nil, reason: "the policy file is empty")
            ])
        }
        var reader = PolicyReader()
        let policy = reader.policy(root)
        guard reader.errors.isEmpty else { throw PolicyErrors(reader.errors) }
        return policy
    }

    static func syntaxError(_ error: any Error) -> PolicyError {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                .composer(_, let problem, let mark, _):
                return PolicyError(
                    code: .syntax, field: "$", line: mark.line, column: mark.column,
                    reason: "not valid YAML: \(problem)")
            case .duplicatedKeysInMapping(let duplicates, let context):
                let keys = duplicates.sorted().joined(separator: ", ")
                return PolicyError(
                    code: .duplicate, field: duplicates.sorted().first ?? "$", line: context.mark.line,
                    column: context.mark.column, reason: "key given more than once in one mapping: \(keys)")
            case .reader(let problem, _, _, _):
                return PolicyError(
                    code: .syntax, field: "$", line: nil, column: nil, reason: "not valid YAML: \(problem)")
            default: break
            }
        }
        return PolicyError(code: .syntax, field: "$", line: nil, column: nil, reason: "not valid YAML: \(error)")
    }
}

/// Walks the YAML node tree against the schema, collecting every error with its field and line.
struct PolicyReader {
    var errors: [PolicyError] = []

    mutating func fail(_ code: PolicyError.Code, _ field: String, _ node: Node?, _ reason: String) {
        errors.append(
            PolicyError(code: code, field: field, line: node?.mark?.line, column: node?.mark?.column, reason: reason))
    }

    // MARK: document

    mutating func policy(_ root: Node) -> Policy {
        var policy = Policy()
        guard
            let fields = mapping(
                root, "$", allowed: ["version", "mode", "safe_blocking", "routes", "allowlist", "rules", "behaviour"])
        else { return policy }
        if let node = fields["version"] {
            if let version = int(node, "version", 1...1) { policy.version = version }
        } else {
            fail(.missingField, "version", root, "required; write `version: 1`")
        }
        if let node = fields["mode"], let mode: PolicyMode = choice(node, "mode") { policy.mode = mode }
        if let node = fields["safe_blocking"] { policy.safeBlocking = safeBlocking(node, "safe_blocking") }
        if let node = fields["routes"] {
            for (i, item) in list(node, "routes", limit: Policy.maxRoutes).enumerated() {
                if let route = route(item, "routes[\(i)]") { policy.routes.append(route) }
            }
        }
        if let node = fields["allowlist"] { policy.allowlist = allowlist(node, "allowlist") }
        if let node = fields["rules"] {
            var names: Set<String> = []
            for (i, item) in list(node, "rules", limit: Policy.maxRules).enumerated() {
                guard let rule = rule(item, "rules[\(i)]") else { continue }
                if !names.insert(rule.name).inserted {
                    fail(
                        .duplicate, "rules[\(i)].name", item["name"],
                        "another rule is already named \(quoted(rule.name))")
                    continue
                }
                policy.rules.append(rule)
            }
        }
        if let node = fields["behaviour"] { behaviour(node, "behaviour", into: &policy) }
        return policy
    }

    mutating func safeBlocking(_ node: Node, _ path: String) -> Policy.SafeBlocking {
        var safe = Policy.SafeBlocking()
        guard let fields = mapping(node, path, allowed: ["min_attack_confidence", "min_behaviour_confidence"]) else {
            return safe
        }
        if let n = fields["min_attack_confidence"], let v = double(n, "\(path).min_attack_confidence", 0...1) {
            safe.minAttackConfidence = v
        }
        if let n = fields["min_behaviour_confidence"], let v = double(n, "\(path).min_behaviour_confidence", 0...1) {
            safe.minBehaviourConfidence = v
        }
        return safe
    }

    mutating func route(_ node: Node, _ path: String) -> Policy.RouteMode? {
        guard let fields = mapping(node, path, allowed: ["host", "method", "template", "mode"]) else { return nil }
        let host = fields["host"].flatMap { string(token: $0, "\(path).host") }
        let method = fields["method"].flatMap { string(token: $0, "\(path).method") }
        var template: String?
        if let n = fields["template"], let t = string(n, "\(path).template") {
            if t.hasPrefix("/") {
                template = t
            } else {
                fail(
                    .invalidValue, "\(path).template", n,
                    "must start with `/` (an exact template, or a prefix ending in `*`)")
            }
        }
        guard let modeNode = fields["mode"] else {
            fail(
                .missingField, "\(path).mode", node,
                "required: one of \(PolicyMode.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        guard let mode: PolicyMode = choice(modeNode, "\(path).mode") else { return nil }
        if host == nil, method == nil, template == nil {
            fail(.missingField, path, node, "a route needs at least one of host, method, template")
            return nil
        }
        return Policy.RouteMode(host: host, method: method, template: template, mode: mode)
    }

    mutating func allowlist(_ node: Node, _ path: String) -> Policy.Allowlist {
        var allow = Policy.Allowlist()
        guard let fields = mapping(node, path, allowed: ["ips", "cidrs", "api_keys", "jwt_subs", "headers"]) else {
            return allow
        }
        if let n = fields["ips"] {
            for (i, item) in list(n, "\(path).ips", limit: Policy.maxAllowlistEntries).enumerated() {
                guard let text = string(item, "\(path).ips[\(i)]") else { continue }
                guard let bytes = IPBytes.parse(text), let net = CIDR(bytes: bytes, prefix: bytes.count * 8) else {
                    fail(.invalidValue, "\(path).ips[\(i)]", item, "\(quoted(text)) is not an IPv4 or IPv6 address")
                    continue
                }
                allow.add(net)
            }
        }
        if let n = fields["cidrs"] {
            for (i, item) in list(n, "\(path).cidrs", limit: Policy.maxAllowlistEntries).enumerated() {
                guard let text = string(item, "\(path).cidrs[\(i)]") else { continue }
                guard text.contains("/"), let net = CIDR(text) else {
                    fail(
                        .invalidValue, "\(path).cidrs[\(i)]", item,
                        "\(quoted(text)) is not a network like 10.0.0.0/8 or 2001:db8::/32")
                    continue
                }
                allow.add(net)
            }
        }
        if let n = fields["api_keys"] {
            for (i, item) in list(n, "\(path).api_keys", limit: Policy.maxAllowlistEntries).enumerated() {
                if let text = string(item, "\(path).api_keys[\(i)]") { allow.apiKeys.insert(text) }
            }
        }
        if let n = fields["jwt_subs"] {
            for (i, item) in list(n, "\(path).jwt_subs", limit: Policy.maxAllowlistEntries).enumerated() {
                if let text = string(item, "\(path).jwt_subs[\(i)]") { allow.jwtSubs.insert(text) }
            }
        }
        if let n = fields["headers"] {
            for (i, item) in list(n, "\(path).headers", limit: Policy.maxAllowlistEntries).enumerated() {
                let p = "\(path).headers[\(i)]"
                guard let h = mapping(item, p, allowed: ["name", "value"]) else { continue }
                guard let nameNode = h["name"] else {
                    fail(.missingField, "\(p).name", item, "required")
                    continue
                }
                guard let valueNode = h["value"] else {
                    fail(.missingField, "\(p).value", item, "required")
                    continue
                }
                if let name = string(token: nameNode, "\(p).name"), let value = string(valueNode, "\(p).value") {
                    allow.headers.insert("\(name.lowercased()):\(value)")
                }
            }
        }
        return allow
    }

    mutating func rule(_ node: Node, _ path: String) -> Policy.Rule? {
        guard let fields = mapping(node, path, allowed: ["name", "match", "decision"]) else { return nil }
        var name: String?
        if let n = fields["name"] {
            if let text = string(n, "\(path).name") {
                if text.isEmpty || text.utf8.count > 64
                    || !text.unicodeScalars.allSatisfy({
                        $0.isASCII
                            && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
                                || "-_.".unicodeScalars.contains($0))
                    })
                {
                    fail(
                        .invalidValue, "\(path).name", n,
                        "use 1–64 characters of a-z, 0-9, `-`, `_`, `.`; got \(quoted(text))")
                } else {
                    name = text
                }
            }
        } else {
            fail(.missingField, "\(path).name", node, "required (it is the decision's source_rule)")
        }
        var match: Policy.Rule.Match?
        if let n = fields["match"] {
            match = ruleMatch(n, "\(path).match")
        } else {
            fail(.missingField, "\(path).match", node, "required")
        }
        var decision: Policy.Rule.DecisionTemplate?
        if let n = fields["decision"] {
            decision = ruleDecision(n, "\(path).decision")
        } else {
            fail(.missingField, "\(path).decision", node, "required")
        }
        guard let name, let match, let decision else { return nil }
        return Policy.Rule(name: name, match: match, decision: decision)
    }

    mutating func ruleMatch(_ node: Node, _ path: String) -> Policy.Rule.Match? {
        guard
            let fields = mapping(
                node, path, allowed: ["source", "classes", "behaviours", "min_confidence", "min_score"])
        else { return nil }
        var match = Policy.Rule.Match()
        var ok = true
        if let n = fields["source"] {
            if let source: Policy.Source = choice(n, "\(path).source") { match.source = source } else { ok = false }
        }
        if let n = fields["classes"] {
            var set: Set<AttackClass> = []
            for (i, item) in list(n, "\(path).classes", limit: 64).enumerated() {
                if let c: AttackClass = choice(item, "\(path).classes[\(i)]") { set.insert(c) } else { ok = false }
            }
            if set.isEmpty, ok {
                fail(.invalidValue, "\(path).classes", n, "must list at least one class (leave it out to match any)")
                ok = false
            }
            match.classes = set
        }
        if let n = fields["behaviours"] {
            var set: Set<BehaviourKind> = []
            for (i, item) in list(n, "\(path).behaviours", limit: 64).enumerated() {
                if let b: BehaviourKind = choice(item, "\(path).behaviours[\(i)]") { set.insert(b) } else { ok = false }
            }
            if set.isEmpty, ok {
                fail(
                    .invalidValue, "\(path).behaviours", n,
                    "must list at least one behaviour (leave it out to match any)")
                ok = false
            }
            match.behaviours = set
        }
        if let n = fields["min_confidence"] {
            if let v = double(n, "\(path).min_confidence", 0...1) { match.minConfidence = v } else { ok = false }
        }
        if let n = fields["min_score"] {
            if let v = double(n, "\(path).min_score", 0...100) { match.minScore = v } else { ok = false }
        }
        guard ok else { return nil }
        if match.behaviours != nil, match.minScore != nil {
            fail(.invalidValue, path, node, "`behaviours` and `min_score` cannot be combined: findings have no score")
            return nil
        }
        if match.behaviours != nil, match.source == .verdict {
            fail(
                .invalidValue, "\(path).source", fields["source"],
                "`behaviours` only match findings; use `source: finding`")
            return nil
        }
        if match.minScore != nil, match.source == .finding {
            fail(
                .invalidValue, "\(path).source", fields["source"],
                "`min_score` only matches verdicts; use `source: verdict`")
            return nil
        }
        if match.classes == nil, match.behaviours == nil, match.minScore == nil, match.minConfidence <= 0 {
            fail(
                .missingField, path, node,
                "a rule must narrow what it matches: give classes, behaviours, min_confidence or min_score")
            return nil
        }
        return match
    }

    mutating func ruleDecision(_ node: Node, _ path: String) -> Policy.Rule.DecisionTemplate? {
        guard
            let fields = mapping(
                node, path,
                allowed: ["scope", "header", "cidr_prefix_v4", "cidr_prefix_v6", "action", "ttl_secs", "reason"])
        else { return nil }
        var d = Policy.Rule.DecisionTemplate()
        var ok = true
        if let n = fields["scope"] {
            if let scope: Policy.RuleScope = choice(n, "\(path).scope") { d.scope = scope } else { ok = false }
        } else {
            fail(
                .missingField, "\(path).scope", node,
                "required: one of \(Policy.RuleScope.allCases.map(\.rawValue).joined(separator: ", "))")
            ok = false
        }
        if let n = fields["header"] {
            if let name = string(token: n, "\(path).header") { d.header = name.lowercased() } else { ok = false }
            if d.scope != .header, ok {
                fail(.invalidValue, "\(path).header", n, "only used with `scope: header`")
                ok = false
            }
        } else if d.scope == .header, ok {
            fail(.missingField, "\(path).header", node, "required with `scope: header` (the header's name)")
            ok = false
        }
        if let n = fields["cidr_prefix_v4"] {
            if let v = int(n, "\(path).cidr_prefix_v4", 16...32) { d.cidrPrefixV4 = v } else { ok = false }
        }
        if let n = fields["cidr_prefix_v6"] {
            if let v = int(n, "\(path).cidr_prefix_v6", 32...128) { d.cidrPrefixV6 = v } else { ok = false }
        }
        if let n = fields["action"] {
            if let action: DecisionAction = choice(n, "\(path).action") { d.action = action } else { ok = false }
        } else {
            fail(.missingField, "\(path).action", node, "required: one of block, throttle, monitor")
            ok = false
        }
        if let n = fields["ttl_secs"] {
            if let v = int(n, "\(path).ttl_secs", 1...Policy.maxTTLSecs) { d.ttlSecs = v } else { ok = false }
        }
        if let n = fields["reason"] {
            if let text = string(n, "\(path).reason") {
                if text.utf8.count > Policy.maxReasonBytes {
                    fail(.invalidValue, "\(path).reason", n, "at most \(Policy.maxReasonBytes) bytes")
                    ok = false
                } else {
                    d.reason = text
                }
            } else {
                ok = false
            }
        }
        return ok ? d : nil
    }

    // MARK: behaviour thresholds

    mutating func behaviour(_ node: Node, _ path: String, into policy: inout Policy) {
        let sections = [
            "max_tracked_clients", "attack_burst", "brute_force", "credential_stuffing", "enumeration",
            "forced_browsing", "rate_anomaly", "auth_endpoints",
        ]
        guard let fields = mapping(node, path, allowed: sections) else { return }
        var c = policy.behaviour
        if let n = fields["max_tracked_clients"], let v = int(n, "\(path).max_tracked_clients", 100...10_000_000) {
            c.maxTrackedClients = v
        }
        if let n = fields["attack_burst"] {
            let p = "\(path).attack_burst"
            if let f = mapping(n, p, allowed: ["min_attacks", "window_secs", "min_hit_confidence", "cooldown_secs"]) {
                set(&c.attackBurst.minAttacks, f, "min_attacks", p, 1...10_000)
                set(&c.attackBurst.windowSecs, f, "window_secs", p, 1...86_400)
                set(&c.attackBurst.minHitConfidence, f, "min_hit_confidence", p, 0...1)
                set(&c.attackBurst.cooldownSecs, f, "cooldown_secs", p, 0...86_400)
            }
        }
        if let n = fields["brute_force"] {
            let p = "\(path).brute_force"
            let keys = ["min_failures", "min_failure_ratio", "window_secs", "failure_statuses", "cooldown_secs"]
            if let f = mapping(n, p, allowed: keys) {
                set(&c.bruteForce.minFailures, f, "min_failures", p, 1...1_000_000)
                set(&c.bruteForce.minFailureRatio, f, "min_failure_ratio", p, 0...1)
                set(&c.bruteForce.windowSecs, f, "window_secs", p, 1...86_400)
                statuses(&c.bruteForce.failureStatuses, f, p)
                set(&c.bruteForce.cooldownSecs, f, "cooldown_secs", p, 0...86_400)
            }
        }
        if let n = fields["credential_stuffing"] {
            let p = "\(path).credential_stuffing"
            let keys = [
                "min_distinct_usernames", "min_failure_ratio", "window_secs", "failure_statuses", "cooldown_secs",
            ]
            if let f = mapping(n, p, allowed: keys) {
                set(&c.credentialStuffing.minDistinctUsernames, f, "min_distinct_usernames", p, 1...10_000)
                set(&c.credentialStuffing.minFailureRatio, f, "min_failure_ratio", p, 0...1)
                set(&c.credentialStuffing.windowSecs, f, "window_secs", p, 1...86_400)
                statuses(&c.credentialStuffing.failureStatuses, f, p)
                set(&c.credentialStuffing.cooldownSecs, f, "cooldown_secs", p, 0...86_400)
            }
        }
        if let n = fields["enumeration"] {
            let p = "\(path).enumeration"
            let keys = [
                "min_distinct_ids", "min_failures", "min_failure_ratio", "window_secs", "failure_statuses",
                "cooldown_secs",
            ]
            if let f = mapping(n, p, allowed: keys) {
                set(&c.enumeration.minDistinctIDs, f, "min_distinct_ids", p, 1...10_000)
                set(&c.enumeration.minFailures, f, "min_failures", p, 0...1_000_000)
                set(&c.enumeration.minFailureRatio, f, "min_failure_ratio", p, 0...1)
                set(&c.enumeration.windowSecs, f, "window_secs", p, 1...86_400)
                statuses(&c.enumeration.failureStatuses, f, p)
                set(&c.enumeration.cooldownSecs, f, "cooldown_secs", p, 0...86_400)
            }
        }
        if let n = fields["forced_browsing"] {
            let p = "\(path).forced_browsing"
            if let f = mapping(
                n, p, allowed: ["min_distinct_paths", "min_not_found_ratio", "window_secs", "cooldown_secs"])
            {
                set(&c.forcedBrowsing.minDistinctPaths, f, "min_distinct_paths", p, 1...10_000)
                set(&c.forcedBrowsing.minNotFoundRatio, f, "min_not_found_ratio", p, 0...1)
                set(&c.forcedBrowsing.windowSecs, f, "window_secs", p, 1...86_400)
                set(&c.forcedBrowsing.cooldownSecs, f, "cooldown_secs", p, 0...86_400)
            }
        }
        if let n = fields["rate_anomaly"] {
            let p = "\(path).rate_anomaly"
            let keys = [
                "bucket_secs", "multiplier", "quantile", "min_requests_per_bucket", "min_baseline_samples",
                "shared_ip_min_users", "shared_window_secs", "max_endpoints", "cooldown_secs",
            ]
            if let f = mapping(n, p, allowed: keys) {
                set(&c.rateAnomaly.bucketSecs, f, "bucket_secs", p, 1...3_600)
                set(&c.rateAnomaly.multiplier, f, "multiplier", p, 1...1_000)
                set(&c.rateAnomaly.quantile, f, "quantile", p, 0.5...1)
                set(&c.rateAnomaly.minRequestsPerBucket, f, "min_requests_per_bucket", p, 1...10_000_000)
                set(&c.rateAnomaly.minBaselineSamples, f, "min_baseline_samples", p, 1...1_000_000)
                set(&c.rateAnomaly.sharedIPMinUsers, f, "shared_ip_min_users", p, 1...1_000)
                set(&c.rateAnomaly.sharedWindowSecs, f, "shared_window_secs", p, 1...86_400)
                set(&c.rateAnomaly.maxEndpoints, f, "max_endpoints", p, 1...1_000_000)
                set(&c.rateAnomaly.cooldownSecs, f, "cooldown_secs", p, 0...86_400)
            }
        }
        if let n = fields["auth_endpoints"] { policy.authEndpoints = authEndpoints(n, "\(path).auth_endpoints") }
        policy.behaviour = c
    }

    mutating func authEndpoints(_ node: Node, _ path: String) -> AuthEndpointClassifier {
        var classifier = AuthEndpointClassifier()
        guard let fields = mapping(node, path, allowed: ["keywords", "overrides"]) else { return classifier }
        if let n = fields["keywords"] {
            var words: Set<String> = []
            for (i, item) in list(n, "\(path).keywords", limit: 1_000).enumerated() {
                if let word = string(token: item, "\(path).keywords[\(i)]") { words.insert(word.lowercased()) }
            }
            classifier.keywords = words
        }
        if let n = fields["overrides"] {
            for (i, item) in list(n, "\(path).overrides", limit: 10_000).enumerated() {
                let p = "\(path).overrides[\(i)]"
                guard let f = mapping(item, p, allowed: ["method", "template", "auth"]) else { continue }
                guard let m = f["method"], let t = f["template"], let a = f["auth"] else {
                    fail(.missingField, p, item, "an override needs method, template and auth")
                    continue
                }
                guard let method = string(token: m, "\(p).method"), let template = string(t, "\(p).template"),
                    let auth = bool(a, "\(p).auth")
                else { continue }
                classifier.overrides["\(method.uppercased()) \(template)"] = auth
            }
        }
        return classifier
    }

    mutating func set(
        _ target: inout Int, _ fields: [String: Node], _ key: String, _ path: String, _ range: ClosedRange<Int>
    ) {
        if let n = fields[key], let v = int(n, "\(path).\(key)", range) { target = v }
    }

    mutating func set(
        _ target: inout Double, _ fields: [String: Node], _ key: String, _ path: String, _ range: ClosedRange<Double>
    ) {
        if let n = fields[key], let v = double(n, "\(path).\(key)", range) { target = v }
    }

    mutating func statuses(_ target: inout Set<Int>, _ fields: [String: Node], _ path: String) {
        guard let n = fields["failure_statuses"] else { return }
        var set: Set<Int> = []
        for (i, item) in list(n, "\(path).failure_statuses", limit: 100).enumerated() {
            if let v = int(item, "\(path).failure_statuses[\(i)]", 100...599) { set.insert(v) }
        }
        if set.isEmpty {
            fail(.invalidValue, "\(path).failure_statuses", n, "must list at least one status")
            return
        }
        target = set
    }

    mutating func bool(_ node: Node, _ path: String) -> Bool? {
        guard case .scalar(let scalar) = node, ["true", "false"].contains(scalar.string) else {
            fail(.wrongType, path, node, "must be true or false")
            return nil
        }
        return scalar.string == "true"
    }

    // MARK: node helpers

    /// A mapping's fields by key; unknown and duplicate keys are errors.
    mutating func mapping(_ node: Node, _ path: String, allowed: [String]) -> [String: Node]? {
        guard case .mapping(let map) = node else {
            fail(.wrongType, path, node, "must be a mapping (`key: value` lines), got \(describe(node))")
            return nil
        }
        var out: [String: Node] = [:]
        for (keyNode, value) in map {
            guard case .scalar(let scalar) = keyNode else {
                fail(.wrongType, path, keyNode, "keys must be plain names")
                continue
            }
            let key = scalar.string
            let field = path == "$" ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                fail(
                    .unknownField, field, keyNode,
                    "unknown field \(quoted(key)); expected one of \(allowed.joined(separator: ", "))")
                continue
            }
            guard out[key] == nil else {
                fail(.duplicate, field, keyNode, "given twice")
                continue
            }
            out[key] = value
        }
        return out
    }

    mutating func list(_ node: Node, _ path: String, limit: Int) -> [Node] {
        guard case .sequence(let seq) = node else {
            fail(.wrongType, path, node, "must be a list (`- item` lines or `[a, b]`), got \(describe(node))")
            return []
        }
        let items = Array(seq)
        guard items.count <= limit else {
            fail(.tooLarge, path, node, "has \(items.count) entries, the limit is \(limit)")
            return []
        }
        return items
    }

    mutating func string(_ node: Node, _ path: String) -> String? {
        guard case .scalar(let scalar) = node else {
            fail(.wrongType, path, node, "must be text, got \(describe(node))")
            return nil
        }
        if scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
            fail(.wrongType, path, node, "must be text, got nothing")
            return nil
        }
        return scalar.string
    }

    /// A name-like string (host, method, header name): no spaces or control characters.
    mutating func string(token node: Node, _ path: String) -> String? {
        guard let text = string(node, path) else { return nil }
        guard !text.isEmpty, text.utf8.count <= 256,
            text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != ":" })
        else {
            fail(
                .invalidValue, path, node, "\(quoted(text)) must be a name without spaces, colons or control characters"
            )
            return nil
        }
        return text
    }

    mutating func int(_ node: Node, _ path: String, _ range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let scalar) = node else {
            fail(
                .wrongType, path, node,
                "must be a whole number in \(range.lowerBound)…\(range.upperBound), got \(describe(node))")
            return nil
        }
        let text = scalar.string
        guard text.utf8.count <= 19, !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }),
            let value = Int(text)
        else {
            fail(
                .wrongType, path, node,
                "must be a whole number in \(range.lowerBound)…\(range.upperBound), got \(quoted(text))")
            return nil
        }
        guard range.contains(value) else {
            fail(.invalidValue, path, node, "must be in \(range.lowerBound)…\(range.upperBound), got \(value)")
            return nil
        }
        return value
    }

    mutating func double(_ node: Node, _ path: String, _ range: ClosedRange<Double>) -> Double? {
        let bounds = "\(formatBound(range.lowerBound))…\(formatBound(range.upperBound))"
        guard case .scalar(let scalar) = node else {
            fail(.wrongType, path, node, "must be a number in \(bounds), got \(describe(node))")
            return nil
        }
        let text = scalar.string
        guard text.utf8.count <= 32, !text.isEmpty,
            text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+") }),
            let value = Double(text), value.isFinite
        else {
            fail(.wrongType, path, node, "must be a number in \(bounds), got \(quoted(text))")
            return nil
        }
        guard range.contains(value) else {
            fail(.invalidValue, path, node, "must be in \(bounds), got \(text)")
            return nil
        }
        return value
    }

    mutating func choice<E: RawRepresentable & CaseIterable>(_ node: Node, _ path: String) -> E?
    where E.RawValue == String {
        guard let text = string(node, path) else { return nil }
        guard let value = E(rawValue: text) else {
            let options = E.allCases.map(\.rawValue).joined(separator: ", ")
            fail(.invalidValue, path, node, "unknown value \(quoted(text)); expected one of \(options)")
            return nil
        }
        return value
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): "text \(quoted(s.string))"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// Quotes operator text for an error message, cut to 60 characters, control characters escaped.
    func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars.prefix(60) {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        if text.unicodeScalars.count > 60 { out += "…" }
        return out + "\""
    }
}

private func formatBound(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(value)
}
