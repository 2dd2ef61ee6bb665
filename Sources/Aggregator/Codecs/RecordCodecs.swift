import PalisadeCore
import PalisadeDetect
import PalisadeLearn
import PalisadePolicy
import PalisadeRecords

// The encodings of the records the aggregator reads and writes, each behind one small protocol so
// that a schema change (protobuf EndpointObservation/EndpointBaseline, identity fields on Verdict)
// is a change in this file only.

/// Reads and writes `palisade.observations` values.
public protocol ObservationCodec: Sendable {
    func decode(_ bytes: [UInt8]) throws -> EndpointObservation
    func encode(_ observation: EndpointObservation) -> [UInt8]
}

/// Reads and writes `palisade.baselines` values.
public protocol BaselineCodec: Sendable {
    func decode(_ bytes: [UInt8]) throws -> EndpointBaseline
    func encode(_ baseline: EndpointBaseline) -> [UInt8]
}

/// Reads and writes `palisade.verdicts` values, with the behaviour facts the record carries.
public protocol VerdictCodec: Sendable {
    func decode(_ bytes: [UInt8]) throws -> VerdictRecord
    func encode(_ record: VerdictRecord) -> [UInt8]
}

/// Reads and writes `palisade.decisions` values (keys are `scope:value`).
public protocol DecisionCodec: Sendable {
    func decode(_ bytes: [UInt8]) throws -> Decision
    func encode(_ decision: Decision) -> [UInt8]
}

/// A verdict and what the aggregator derives behaviour from. Fields a record does not carry yet
/// (identity hashes, object id, username) are nil.
public struct VerdictRecord: Sendable, Equatable {
    public var verdict: Verdict
    public var identities: ClientIdentities
    public var objectIDHash: UInt64?
    public var usernameHash: UInt64?
    public var pathHash: UInt64?

    public init(
        verdict: Verdict, identities: ClientIdentities? = nil, objectIDHash: UInt64? = nil,
        usernameHash: UInt64? = nil, pathHash: UInt64? = nil
    ) {
        self.verdict = verdict
        self.identities = identities ?? VerdictRecord.identities(client: verdict.client)
        self.objectIDHash = objectIDHash
        self.usernameHash = usernameHash
        self.pathHash = pathHash
    }

    /// Identities from the verdict's `client` key alone: an address is the IP; `api_key:…` and
    /// `jwt_sub:…` name those identities; anything else is taken as the IP text.
    public static func identities(client: String) -> ClientIdentities {
        if client.hasPrefix("api_key:") { return ClientIdentities(apiKeyHash: String(client.dropFirst(8))) }
        if client.hasPrefix("jwt_sub:") { return ClientIdentities(jwtSub: String(client.dropFirst(8))) }
        if client.hasPrefix("ip:") { return ClientIdentities(ip: String(client.dropFirst(3))) }
        return client.isEmpty ? ClientIdentities() : ClientIdentities(ip: client)
    }

    /// The behaviour event of this verdict.
    public func event(classifier: AuthEndpointClassifier) -> BehaviourEvent {
        BehaviourEvent(
            ts: verdict.ts, requestID: verdict.id, identities: identities, endpoint: verdict.endpoint,
            isAuthEndpoint: classifier.isAuth(method: verdict.endpoint.method, template: verdict.endpoint.template),
            status: verdict.status, score: verdict.score, attack: verdict.attack,
            classes: verdict.hits.map { ClassConfidence($0.attackClass, $0.confidence) }, objectIDHash: objectIDHash,
            usernameHash: usernameHash, pathHash: pathHash)
    }
}

/// Observations in PalisadeLearn's versioned JSON wire format (docs/LEARNING.md §7); for storage
/// and tools — the topics carry protobuf.
public struct JSONObservationCodec: ObservationCodec {
    public init() {}
    public func decode(_ bytes: [UInt8]) throws -> EndpointObservation { try EndpointObservation(json: bytes) }
    public func encode(_ observation: EndpointObservation) -> [UInt8] { Array(observation.json().utf8) }
}

/// Baselines in PalisadeLearn's versioned JSON wire format (docs/LEARNING.md §7).
public struct JSONBaselineCodec: BaselineCodec {
    public init() {}
    public func decode(_ bytes: [UInt8]) throws -> EndpointBaseline { try EndpointBaseline(json: bytes) }
    public func encode(_ baseline: EndpointBaseline) -> [UInt8] { Array(baseline.json().utf8) }
}

/// Observations as `palisade.v1.EndpointObservation` protobuf records (revision 2, what workers
/// publish; docs/RECORDS.md).
public struct ProtobufObservationCodec: ObservationCodec {
    public init() {}
    public func decode(_ bytes: [UInt8]) throws -> EndpointObservation {
        EndpointObservation(try EndpointObservationMessage.decodeRecord(bytes))
    }
    public func encode(_ observation: EndpointObservation) -> [UInt8] {
        EndpointObservationMessage(observation).encodedRecord()
    }
}

/// Baselines as `palisade.v1.EndpointBaseline` protobuf records (revision 2, what workers read).
public struct ProtobufBaselineCodec: BaselineCodec {
    public init() {}
    public func decode(_ bytes: [UInt8]) throws -> EndpointBaseline {
        EndpointBaseline(try EndpointBaselineMessage.decodeRecord(bytes))
    }
    public func encode(_ baseline: EndpointBaseline) -> [UInt8] { EndpointBaselineMessage(baseline).encodedRecord() }
}

/// Verdicts as `palisade.v1.Verdict` protobuf records (docs/RECORDS.md), with the identity fields
/// of revision 2 (client IP, API key digest, JWT subject, object/username/path hashes).
public struct ProtobufVerdictCodec: VerdictCodec {
    public init() {}
    public func decode(_ bytes: [UInt8]) throws -> VerdictRecord {
        let message = try VerdictMessage.decodeRecord(bytes)
        let verdict = try Verdict(message)
        var identities = VerdictRecord.identities(client: verdict.client)
        if message.hasClientIp, !message.clientIp.isEmpty { identities.ip = message.clientIp }
        if message.hasApiKeyHash, !message.apiKeyHash.isEmpty { identities.apiKeyHash = message.apiKeyHash }
        if message.hasJwtSub, !message.jwtSub.isEmpty { identities.jwtSub = message.jwtSub }
        return VerdictRecord(
            verdict: verdict, identities: identities,
            objectIDHash: message.hasObjectIDHash ? message.objectIDHash : nil,
            usernameHash: message.hasUsernameHash ? message.usernameHash : nil,
            pathHash: message.hasPathHash ? message.pathHash : nil)
    }
    public func encode(_ record: VerdictRecord) -> [UInt8] {
        var message = VerdictMessage(record.verdict)
        if let ip = record.identities.ip { message.clientIp = ip }
        if let key = record.identities.apiKeyHash { message.apiKeyHash = key }
        if let sub = record.identities.jwtSub { message.jwtSub = sub }
        if let hash = record.objectIDHash { message.objectIDHash = hash }
        if let hash = record.usernameHash { message.usernameHash = hash }
        if let hash = record.pathHash { message.pathHash = hash }
        return message.encodedRecord()
    }
}

/// Decisions as `palisade.v1.Decision` protobuf records (docs/RECORDS.md).
public struct ProtobufDecisionCodec: DecisionCodec {
    public struct Malformed: Error, CustomStringConvertible {
        public var description: String
    }

    public init() {}

    public func decode(_ bytes: [UInt8]) throws -> Decision {
        let m = try DecisionMessage.decodeRecord(bytes)
        let scope: DecisionScope
        switch m.scope {
        case .ip: scope = .ip
        case .cidr: scope = .cidr
        case .apiKey: scope = .apiKey
        case .jwtSub: scope = .jwtSub
        case .header: scope = .header
        default: throw Malformed(description: "unknown decision scope")
        }
        let action: DecisionAction
        switch m.action {
        case .block: action = .block
        case .throttle: action = .throttle
        case .monitor: action = .monitor
        default: throw Malformed(description: "unknown decision action")
        }
        guard let version = DecisionVersion(parsing: m.version) else {
            throw Malformed(description: "malformed version")
        }
        return Decision(
            scope: scope, value: m.value, action: action, reason: m.reason, sourceRule: m.sourceRule,
            createdAt: m.createdAtMs, expiresAt: m.expiresAtMs, version: version)
    }

    public func encode(_ decision: Decision) -> [UInt8] {
        var m = DecisionMessage()
        switch decision.scope {
        case .ip: m.scope = .ip
        case .cidr: m.scope = .cidr
        case .apiKey: m.scope = .apiKey
        case .jwtSub: m.scope = .jwtSub
        case .header: m.scope = .header
        }
        switch decision.action {
        case .block: m.action = .block
        case .throttle: m.action = .throttle
        case .monitor: m.action = .monitor
        }
        m.value = decision.value
        m.reason = decision.reason
        m.sourceRule = decision.sourceRule
        m.createdAtMs = decision.createdAt
        m.expiresAtMs = decision.expiresAt
        m.version = decision.version.description
        return m.encodedRecord()
    }
}

/// The codecs in use, in one place.
public struct AggregatorCodecs: Sendable {
    public var observations: any ObservationCodec
    public var baselines: any BaselineCodec
    public var verdicts: any VerdictCodec
    public var decisions: any DecisionCodec

    public init(
        observations: any ObservationCodec = ProtobufObservationCodec(),
        baselines: any BaselineCodec = ProtobufBaselineCodec(),
        verdicts: any VerdictCodec = ProtobufVerdictCodec(), decisions: any DecisionCodec = ProtobufDecisionCodec()
    ) {
        self.observations = observations
        self.baselines = baselines
        self.verdicts = verdicts
        self.decisions = decisions
    }
}
