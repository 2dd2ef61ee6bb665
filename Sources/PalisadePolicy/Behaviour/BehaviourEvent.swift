import PalisadeCore
import PalisadeDetect

/// What the aggregator derives from one verdict to feed the behaviour detectors and the policy.
///
/// The worker provides the fields (a verdict plus a few facts only it can see: identities, the
/// object id of the endpoint's last path parameter, the login username). Everything that came
/// from the request is attacker-controlled: identity values are length-capped here, ids and
/// usernames arrive as 64-bit hashes (never the raw text), and timestamps are clamped so that no
/// arithmetic on them can overflow.
///
/// | field | meaning |
/// |---|---|
/// | `ts` | milliseconds since the Unix epoch (the capture time, not the arrival time) |
/// | `requestID` | the capture record id (for evidence and de-duplication upstream) |
/// | `identities` | client IP, API key hash, JWT `sub`, selected header values |
/// | `endpoint` | host, method and path template (`/v1/users/{id}`) |
/// | `isAuthEndpoint` | login/token/sign-in/password-reset; see `AuthEndpointClassifier` |
/// | `status` | the upstream response status, nil when unknown |
/// | `score`, `attack` | the verdict's score (0…100) and attack flag |
/// | `classes` | each attack class hit, with its maximum confidence (0…1) |
/// | `objectIDHash` | hash of the value of the template's last path parameter (`42` in `/users/42`) |
/// | `usernameHash` | hash of the username a login body carried |
/// | `pathHash` | hash of the concrete path (without query), for forced-browsing distinctness |
public struct BehaviourEvent: Sendable, Equatable {
    /// Largest timestamp kept (year ~2112 in ms); larger or negative values are clamped.
    public static let maxTimestamp: Int64 = 1 << 52

    public var ts: Int64
    public var requestID: String
    public var identities: ClientIdentities
    public var endpoint: Verdict.Endpoint
    public var isAuthEndpoint: Bool
    public var status: Int?
    public var score: Double
    public var attack: Bool
    /// Sorted by class id; one entry per class with the highest confidence seen.
    public var classes: [ClassConfidence]
    public var objectIDHash: UInt64?
    public var usernameHash: UInt64?
    public var pathHash: UInt64?

    public init(
        ts: Int64, requestID: String, identities: ClientIdentities, endpoint: Verdict.Endpoint,
        isAuthEndpoint: Bool, status: Int?, score: Double = 0, attack: Bool = false,
        classes: [ClassConfidence] = [], objectIDHash: UInt64? = nil, usernameHash: UInt64? = nil,
        pathHash: UInt64? = nil
    ) {
        self.ts = min(max(ts, 0), Self.maxTimestamp)
        self.requestID = ClientIdentities.capped(requestID)
        self.identities = identities
        self.endpoint = endpoint
        self.isAuthEndpoint = isAuthEndpoint
        self.status = status
        self.score = score.isFinite ? min(max(score, 0), 100) : 0
        self.attack = attack
        self.classes = ClassConfidence.merged(classes)
        self.objectIDHash = objectIDHash
        self.usernameHash = usernameHash
        self.pathHash = pathHash
    }

    /// Builds the event from a verdict: classes from its hits, the auth flag from `classifier`.
    public init(
        verdict: Verdict, identities: ClientIdentities, classifier: AuthEndpointClassifier = AuthEndpointClassifier(),
        objectID: String? = nil, username: String? = nil, path: String? = nil
    ) {
        self.init(
            ts: verdict.ts, requestID: verdict.id, identities: identities, endpoint: verdict.endpoint,
            isAuthEndpoint: classifier.isAuth(method: verdict.endpoint.method, template: verdict.endpoint.template),
            status: verdict.status, score: verdict.score, attack: verdict.attack,
            classes: verdict.hits.map { ClassConfidence($0.attackClass, $0.confidence) },
            objectIDHash: objectID.map(StableHash.fnv1a64), usernameHash: username.map(StableHash.fnv1a64),
            pathHash: path.map(StableHash.fnv1a64))
    }

    /// The highest confidence among attack (non-anomaly) classes, 0 when none.
    public var maxAttackConfidence: Double {
        classes.lazy.filter { !$0.attackClass.isAnomalyClass }.map(\.confidence).max() ?? 0
    }

    /// The attack (non-anomaly) class with the highest confidence.
    public var topAttackClass: ClassConfidence? {
        classes.filter { !$0.attackClass.isAnomalyClass }.max { $0.confidence < $1.confidence }
    }
}

/// One attack class with a confidence in 0…1.
public struct ClassConfidence: Sendable, Equatable, Hashable {
    public var attackClass: AttackClass
    public var confidence: Double

    public init(_ attackClass: AttackClass, _ confidence: Double) {
        self.attackClass = attackClass
        self.confidence = confidence.isFinite ? min(max(confidence, 0), 1) : 0
    }

    /// One entry per class (the maximum), sorted by class id.
    static func merged(_ list: [ClassConfidence]) -> [ClassConfidence] {
        var best: [AttackClass: Double] = [:]
        for item in list { best[item.attackClass] = max(best[item.attackClass] ?? 0, item.confidence) }
        return best.map { ClassConfidence($0.key, $0.value) }.sorted {
            $0.attackClass.rawValue < $1.attackClass.rawValue
        }
    }
}

extension AttackClass {
    /// Classes that describe unusual traffic rather than an attack payload. `safe_blocking`
    /// never blocks on these alone, and attack bursts do not count them.
    public var isAnomalyClass: Bool {
        switch self {
        case .protocolAnomaly, .schemaAnomaly, .rateAnomaly: true
        default: false
        }
    }
}
