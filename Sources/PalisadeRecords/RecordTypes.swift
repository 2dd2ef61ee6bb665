import SwiftProtobuf

// Short names for the generated `palisade.v1` messages (Sources/PalisadeRecords/palisade.proto).

/// `palisade.v1.CaptureRecord`, the value of `palisade.requests`.
public typealias CaptureRecordMessage = Palisade_V1_CaptureRecord
/// `palisade.v1.Verdict`, the value of `palisade.verdicts`.
public typealias VerdictMessage = Palisade_V1_Verdict
/// `palisade.v1.EndpointObservation`, the value of `palisade.observations`.
public typealias EndpointObservationMessage = Palisade_V1_EndpointObservation
/// `palisade.v1.EndpointBaseline`, the value of `palisade.baselines`.
public typealias EndpointBaselineMessage = Palisade_V1_EndpointBaseline
/// `palisade.v1.Decision`, the value of `palisade.decisions`.
public typealias DecisionMessage = Palisade_V1_Decision
/// `palisade.v1.DeadLetter`, the value of `palisade.deadletter`.
public typealias DeadLetterMessage = Palisade_V1_DeadLetter

/// The version of the record schema in this build: the `N` of the protobuf package `palisade.vN`.
public let recordSchemaVersion = 1

/// The revision of the schema within `palisade.v1` that this build writes (the `revision` field
/// of observations and baselines; the revision log is at the top of palisade.proto).
public let recordSchemaRevision = 2

/// A record that could not be decoded or converted. Hostile bytes end here, never in a trap.
public struct RecordError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The message type that was being read, e.g. `palisade.v1.Verdict`.
    public var messageType: String
    public var reason: String

    public init(messageType: String, reason: String) {
        self.messageType = messageType
        self.reason = reason
    }

    public var description: String { "cannot read \(messageType): \(reason)" }
}

extension SwiftProtobuf.Message {
    /// Decodes one record from its binary encoding; malformed bytes throw a ``RecordError``.
    public static func decodeRecord(_ bytes: [UInt8]) throws(RecordError) -> Self {
        do {
            return try Self(serializedBytes: bytes)
        } catch {
            throw RecordError(messageType: Self.protoMessageName, reason: "\(error)")
        }
    }

    /// The binary encoding of this record.
    public func encodedRecord() -> [UInt8] {
        // Serializing a message built in memory only fails for missing required fields, which
        // proto3 does not have.
        (try? serializedBytes()) ?? []
    }
}

extension Palisade_V1_EndpointKey {
    public init(host: String, method: String, template: String) {
        self.init()
        self.host = host
        self.method = method
        self.template = template
    }

    /// The Kafka key of observations and baselines: `"<host> <method> <template>"`.
    public var keyText: String { "\(host) \(method) \(template)" }
}

extension Palisade_V1_DecisionScope {
    /// The lower-case name used in keys and the JSON API (`ip`, `cidr`, `api_key`, `jwt_sub`,
    /// `header`).
    public var keyName: String {
        switch self {
        case .ip: "ip"
        case .cidr: "cidr"
        case .apiKey: "api_key"
        case .jwtSub: "jwt_sub"
        case .header: "header"
        case .unspecified: "unspecified"
        case .UNRECOGNIZED(let n): "unknown_\(n)"
        }
    }
}

extension Palisade_V1_Decision {
    /// The Kafka key of this decision on `palisade.decisions`: `"<scope>:<value>"`.
    public var keyText: String { "\(scope.keyName):\(value)" }
}
