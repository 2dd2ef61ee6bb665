import PalisadeDetect

/// How much a policy (or a route) may enforce.
///
/// - `monitoring`: nothing is enforced; every decision a rule makes is still recorded, with
///   action `monitor` and the action it would have taken in its reason.
/// - `safe_blocking`: `block`/`throttle` only for high-confidence, known-bad triggers — a verdict
///   hit of an attack class (not `protocol_anomaly`, `schema_anomaly`, `rate_anomaly`) with
///   confidence ≥ `safe_blocking.min_attack_confidence` (default 0.9), or a behaviour finding
///   other than `rate_anomaly` with confidence ≥ `safe_blocking.min_behaviour_confidence`
///   (default 0.8). Everything else is recorded as `monitor`. Never blocks on anomalies alone.
/// - `blocking`: rules apply as written.
public enum PolicyMode: String, Sendable, Hashable, CaseIterable {
    case monitoring
    case safeBlocking = "safe_blocking"
    case blocking
}

/// What a decision applies to at the gateway.
public enum DecisionScope: String, Sendable, Hashable, CaseIterable {
    case ip, cidr
    case apiKey = "api_key"
    case jwtSub = "jwt_sub"
    /// Value `name:value`, name lowercase.
    case header
}

/// What the gateway does; ordered by severity (`monitor` < `throttle` < `block`).
public enum DecisionAction: String, Sendable, Hashable, CaseIterable, Comparable {
    case monitor, throttle, block

    public var severity: Int {
        switch self {
        case .monitor: 1
        case .throttle: 2
        case .block: 3
        }
    }

    public static func < (lhs: DecisionAction, rhs: DecisionAction) -> Bool { lhs.severity < rhs.severity }
}

/// A parsed, validated policy. Build one with `Policy.parse(yaml:)`; see docs/POLICY.md.
public struct Policy: Sendable, Equatable {
    /// Policy file format version. Only 1 exists.
    public var version: Int = 1
    /// Global mode (default `monitoring`: a new install observes before it blocks).
    public var mode: PolicyMode = .monitoring
    public var safeBlocking = SafeBlocking()
    /// Per-route modes, first match wins; routes not listed use `mode`.
    public var routes: [RouteMode] = []
    public var allowlist = Allowlist()
    public var rules: [Rule] = []
    /// Detector thresholds (the `behaviour:` section; defaults when absent).
    public var behaviour = BehaviourEngine.Config()
    /// Auth endpoint heuristic and overrides (`behaviour.auth_endpoints`).
    public var authEndpoints = AuthEndpointClassifier()

    public init() {}

    /// Thresholds that make a trigger eligible for enforcement in `safe_blocking`.
    public struct SafeBlocking: Sendable, Equatable {
        /// Default 0.9.
        public var minAttackConfidence: Double = 0.9
        /// Default 0.8.
        public var minBehaviourConfidence: Double = 0.8
        public init() {}
    }

    /// A mode for the endpoints matching `host`, `method` and `template` (each optional; the
    /// template is exact, or a prefix when it ends in `*`).
    public struct RouteMode: Sendable, Equatable {
        public var host: String?
        public var method: String?
        public var template: String?
        public var mode: PolicyMode

        public init(host: String? = nil, method: String? = nil, template: String? = nil, mode: PolicyMode) {
            self.host = host?.lowercased()
            self.method = method?.uppercased()
            self.template = template
            self.mode = mode
        }

        public func matches(_ endpoint: Verdict.Endpoint) -> Bool {
            if let host, host != endpoint.host.lowercased() { return false }
            if let method, method != endpoint.method.uppercased() { return false }
            if let template {
                if template.hasSuffix("*") {
                    if !endpoint.template.hasPrefix(template.dropLast()) { return false }
                } else if template != endpoint.template {
                    return false
                }
            }
            return true
        }
    }

    /// Identities that are never blocked or throttled.
    public struct Allowlist: Sendable, Equatable {
        /// Single addresses and networks; a single address is stored as a /32 or /128. Add with
        /// `add(_:)` (which keeps the lookup index in step).
        public private(set) var networks: [CIDR] = []
        /// Networks by family and prefix length: a lookup masks the address once per length
        /// present, so 100,000 entries cost no more per request than 10.
        private var index: [Int: Set<[UInt8]>] = [:]
        public var apiKeys: Set<String> = []
        public var jwtSubs: Set<String> = []
        /// `name:value`, name lowercase.
        public var headers: Set<String> = []
        public init() {}

        public var isEmpty: Bool { networks.isEmpty && apiKeys.isEmpty && jwtSubs.isEmpty && headers.isEmpty }

        public mutating func add(_ network: CIDR) {
            let slot = network.network.count * 1_000 + network.prefix
            if index[slot, default: []].insert(network.network).inserted { networks.append(network) }
        }

        /// The allowlisted network containing `address` (4 or 16 bytes), if any.
        public func network(containing address: [UInt8]) -> CIDR? {
            for (slot, set) in index where slot / 1_000 == address.count {
                guard let masked = CIDR(bytes: address, prefix: slot % 1_000) else { continue }
                if set.contains(masked.network) { return masked }
            }
            return nil
        }

        /// Why a request with these identities is allowlisted, nil when it is not.
        public func match(_ identities: ClientIdentities) -> String? {
            if let ip = identities.ip, let bytes = IPBytes.parse(ip),
                let net = network(containing: bytes)
            {
                return "ip \(ip) is allowlisted (\(net))"
            }
            if let key = identities.apiKeyHash, apiKeys.contains(key) { return "api key is allowlisted" }
            if let sub = identities.jwtSub, jwtSubs.contains(sub) { return "jwt sub \(sub) is allowlisted" }
            for header in identities.headers where headers.contains("\(header.name):\(header.value)") {
                return "header \(header.name) is allowlisted"
            }
            return nil
        }

        /// Why a decision on `scope`/`value` would hit an allowlisted identity, nil when it would not.
        public func covers(scope: DecisionScope, value: String) -> String? {
            switch scope {
            case .ip:
                guard let bytes = IPBytes.parse(value) else { return nil }
                return network(containing: bytes).map { "ip \(value) is allowlisted (\($0))" }
            case .cidr:
                guard let cidr = CIDR(value) else { return nil }
                return networks.first { $0.overlaps(cidr) }.map { "network \(value) overlaps allowlisted \($0)" }
            case .apiKey: return apiKeys.contains(value) ? "api key is allowlisted" : nil
            case .jwtSub: return jwtSubs.contains(value) ? "jwt sub \(value) is allowlisted" : nil
            case .header:
                guard let colon = value.firstIndex(of: ":") else { return nil }
                let name = value[..<colon].lowercased()
                let rest = value[value.index(after: colon)...]
                return headers.contains("\(name):\(rest)") ? "header \(name) is allowlisted" : nil
            }
        }
    }

    /// Which triggers a rule looks at.
    public enum Source: String, Sendable, Hashable, CaseIterable {
        case any, verdict, finding
    }

    /// Where a rule's decision applies. `identity` is the finding's own identity (for a verdict:
    /// the most specific identity the request carried: jwt_sub, then api_key, then ip).
    public enum RuleScope: String, Sendable, Hashable, CaseIterable {
        case identity, ip, cidr
        case apiKey = "api_key"
        case jwtSub = "jwt_sub"
        case header
    }

    /// One rule: when `match` holds for a verdict or finding, propose `decision`.
    public struct Rule: Sendable, Equatable {
        public var name: String
        public var match: Match
        public var decision: DecisionTemplate

        public init(name: String, match: Match, decision: DecisionTemplate) {
            self.name = name
            self.match = match
            self.decision = decision
        }

        public struct Match: Sendable, Equatable {
            /// Default: `finding` when `behaviours` is set, `verdict` when `min_score` is set, else `any`.
            public var source: Source = .any
            /// Attack classes (a verdict hit, or the finding's class); nil = any.
            public var classes: Set<AttackClass>?
            /// Behaviour kinds (findings only); nil = any.
            public var behaviours: Set<BehaviourKind>?
            /// Minimum confidence of a matching hit or of the finding. Default 0.
            public var minConfidence: Double = 0
            /// Minimum verdict score (0…100), verdicts only.
            public var minScore: Double?
            public init() {}
        }

        public struct DecisionTemplate: Sendable, Equatable {
            public var scope: RuleScope = .ip
            /// Header name for `header` scope, lowercase.
            public var header: String?
            /// Prefix lengths for `cidr` scope. Defaults 24 and 64.
            public var cidrPrefixV4: Int = 24
            public var cidrPrefixV6: Int = 64
            public var action: DecisionAction = .block
            /// Default 3600 s.
            public var ttlSecs: Int = 3600
            /// Default: a summary of the trigger.
            public var reason: String?
            public init() {}
        }
    }

    /// The mode for an endpoint: the first matching route's, else the global one.
    public func mode(for endpoint: Verdict.Endpoint) -> PolicyMode {
        routes.first { $0.matches(endpoint) }?.mode ?? mode
    }
}
