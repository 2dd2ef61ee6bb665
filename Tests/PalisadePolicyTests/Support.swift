import PalisadeCore
import PalisadeDetect

@testable import PalisadePolicy

/// Builds events for generated streams. `ts` in ms; times below are relative to `t0`.
let t0: Int64 = 1_763_700_000_000

func event(
    at ts: Int64, ip: String? = "203.0.113.7", key: String? = nil, sub: String? = nil,
    headers: [ClientIdentities.HeaderValue] = [],
    method: String = "GET", host: String = "api.example.com", template: String = "/v1/items/{id}", status: Int? = 200,
    auth: Bool? = nil, attack: Bool = false, score: Double = 0, classes: [ClassConfidence] = [],
    objectID: String? = nil,
    username: String? = nil, path: String? = nil, id: String = "r"
) -> BehaviourEvent {
    BehaviourEvent(
        ts: ts, requestID: id, identities: ClientIdentities(ip: ip, apiKeyHash: key, jwtSub: sub, headers: headers),
        endpoint: Verdict.Endpoint(host: host, method: method, template: template),
        isAuthEndpoint: auth ?? AuthEndpointClassifier().isAuth(method: method, template: template), status: status,
        score: score, attack: attack, classes: classes, objectIDHash: objectID.map(StableHash.fnv1a64),
        usernameHash: username.map(StableHash.fnv1a64), pathHash: path.map(StableHash.fnv1a64))
}

func login(at ts: Int64, ip: String? = "198.51.100.9", sub: String? = nil, user: String, ok: Bool) -> BehaviourEvent {
    event(at: ts, ip: ip, sub: sub, method: "POST", template: "/v1/login", status: ok ? 200 : 401, username: user)
}

/// Feeds events in order; returns every finding.
func run<D>(_ detector: inout D, _ events: [BehaviourEvent], observe: (inout D, BehaviourEvent) -> [Finding])
    -> [Finding]
{
    var out: [Finding] = []
    for e in events { out += observe(&detector, e) }
    return out
}

/// A deterministic pseudo-random generator (SplitMix64) for generated traffic.
typealias SplitMix = SplitMix64
