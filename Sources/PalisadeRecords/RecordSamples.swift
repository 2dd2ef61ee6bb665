import Foundation
import PalisadeCore
import PalisadeLearn

/// One filled-in example of every record type: the content of the checked-in fixtures
/// (Tests/PalisadeRecordsTests/Fixtures), and sample traffic for transport tests and benchmarks.
/// Never change a sample's existing fields: the fixtures encode them.
public enum RecordSamples {
    public static var captureRecord: CaptureRecordMessage {
        var m = CaptureRecordMessage()
        m.id = "01JD0000000000000000000001"
        m.tsMs = 1_763_700_000_123
        m.node = "kong-1"
        m.clientIp = "203.0.113.7"
        m.method = "POST"
        m.scheme = "https"
        m.host = "api.example.com"
        m.rawPath = "/v1/users/42?expand=1"
        m.headers = [
            header("content-type", "application/json"), header("authorization", "Bearer abc.def.ghi"),
            header("x-forwarded-for", "203.0.113.7"), header("x-forwarded-for", "10.0.0.1"),
        ]
        m.body = Data(#"{"name":"alice","filter":"' OR 1=1 --"}"#.utf8)
        m.bodyTruncated = false
        m.status = 200
        m.latencyMs = 3.2
        m.responseBytes = 512
        m.service = "users"
        m.route = "users-v1"
        m.consumer = "mobile-app"
        return m
    }

    public static var verdict: VerdictMessage {
        var m = VerdictMessage()
        m.id = "01JD0000000000000000000001"
        m.tsMs = 1_763_700_000_123
        m.client = "203.0.113.7"
        m.endpoint = Palisade_V1_EndpointKey(host: "api.example.com", method: "POST", template: "/v1/users/{id}")
        m.status = 200
        m.score = 87.5
        m.attack = true
        var hit = Palisade_V1_Hit()
        hit.attackClass = "sqli"
        hit.location = "body.json.filter"
        hit.confidence = 0.95
        hit.evidence = "' OR 1=1 --"
        hit.rule = "sqli.tautology"
        hit.point = 3
        var nested = Palisade_V1_Hit()
        nested.attackClass = "xss"
        nested.location = "body.json.items[0].filter>base64>json.q"
        nested.confidence = 0.7
        nested.evidence = "<svg onload=…"
        nested.rule = "xss.event_handler"
        nested.point = 7
        m.hits = [hit, nested]
        var anomaly = Palisade_V1_Anomaly()
        anomaly.code = "limit.depth"
        anomaly.location = "body.json"
        anomaly.detail = "nesting deeper than 32"
        anomaly.value = 32
        m.anomalies = [anomaly]
        m.decodeMs = 0.042
        return m
    }

    public static var endpointObservation: EndpointObservationMessage {
        var m = EndpointObservationMessage()
        m.endpoint = Palisade_V1_EndpointKey(host: "api.example.com", method: "GET", template: "/v1/users/{id}")
        m.requestID = "01JD0000000000000000000002"
        m.tsMs = 1_763_700_000_456
        m.client = "198.51.100.9"
        m.status = 200
        m.authScheme = "bearer"
        m.parameters = [
            shape(.path, "id", .integer, "int64", 2, .digits),
            shape(.query, "expand", .integer, "int32", 1, .digits),
            shape(.header, "user-agent", .string, "", 68, .printableAscii),
            shape(.body, "items[].email", .email, "email", 17, .printableAscii),
        ]
        var sensitive = Palisade_V1_ObservedSensitive()
        sensitive.kind = "email"
        sensitive.location = "body.json.items[0].email"
        m.sensitive = [sensitive]
        m.contentType = "application/json"
        m.bodyBytes = 64
        m.score = 2.5
        m.attack = false
        return m
    }

    public static var endpointBaseline: EndpointBaselineMessage {
        var m = EndpointBaselineMessage()
        m.endpoint = Palisade_V1_EndpointKey(host: "api.example.com", method: "GET", template: "/v1/users/{id}")
        m.state = .enforcing
        m.version = 17
        m.samples = 12_000
        m.updatedAtMs = 1_763_700_100_000
        var id = Palisade_V1_ParameterBaseline()
        id.location = .path
        id.name = "id"
        id.types = [typeShare(.integer, "int64", 0.99), typeShare(.uuid, "uuid", 0.01)]
        id.minLength = 1
        id.maxLength = 36
        id.p99Length = 6
        id.charsets = [charsetShare(.digits, 0.99), charsetShare(.hex, 0.01)]
        id.presenceRatio = 1
        id.samples = 12_000
        var expand = Palisade_V1_ParameterBaseline()
        expand.location = .query
        expand.name = "expand"
        expand.types = [typeShare(.integer, "int32", 1)]
        expand.minLength = 1
        expand.maxLength = 1
        expand.p99Length = 1
        expand.charsets = [charsetShare(.digits, 1)]
        expand.presenceRatio = 0.25
        expand.samples = 3_000
        m.parameters = [id, expand]
        m.statusCounts = [200: 11_500, 404: 450, 403: 50]
        m.authSchemes = ["bearer"]
        m.sensitiveKinds = ["email"]
        m.p99RequestsPerMinutePerClient = 40
        return m
    }

    public static var decision: DecisionMessage {
        var m = DecisionMessage()
        m.scope = .ip
        m.value = "203.0.113.7"
        m.action = .block
        m.reason = "sqli burst: 12 attacks in 60 s"
        m.sourceRule = "attack-burst"
        m.createdAtMs = 1_763_700_000_999
        m.expiresAtMs = 1_763_703_600_999
        m.version = "1763700000:42"
        return m
    }

    // MARK: Revision 2 (fixtures `*.v1.2.pb`)

    /// A verdict with every revision-2 identity field set.
    public static var verdictRevision2: VerdictMessage {
        var m = verdict
        m.clientIp = "203.0.113.7"
        m.client = "api_key:" + IdentityHash.apiKey("k-0123456789")
        m.apiKeyHash = IdentityHash.apiKey("k-0123456789")
        m.jwtSub = "user-42"
        m.objectIDHash = IdentityHash.fnv1a64("42")
        m.usernameHash = IdentityHash.fnv1a64("alice@example.com")
        m.pathHash = IdentityHash.fnv1a64("/v1/users/42")
        m.identityHeaders = [header("x-client-id", "mobile-7")]
        return m
    }

    /// PalisadeLearn's observation behind `endpointObservationRevision2`.
    public static var learnObservation: EndpointObservation {
        EndpointObservation(
            endpoint: EndpointKey(host: "api.example.com", method: "POST", template: "/v1/users/{id}/orders"),
            requestID: "01JD0000000000000000000003", ts: 1_763_700_000_789, status: 201, auth: .bearerJWT,
            contentType: "application/json", bodyBytes: 96,
            segments: [
                PathSegmentObservation(
                    kind: .literal, literal: "v1", hash: IdentityHash.fnv1a64("v1"),
                    shape: ValueShape(format: .word, length: 2, charset: [.lower, .digit])),
                PathSegmentObservation(
                    kind: .literal, literal: "users", hash: IdentityHash.fnv1a64("users"),
                    shape: ValueShape(format: .word, length: 5, charset: [.lower])),
                PathSegmentObservation(
                    kind: .number, literal: "42", hash: IdentityHash.fnv1a64("42"),
                    shape: ValueShape(format: .integer, length: 2, charset: [.digit])),
                PathSegmentObservation(
                    kind: .literal, literal: "orders", hash: IdentityHash.fnv1a64("orders"),
                    shape: ValueShape(format: .word, length: 6, charset: [.lower])),
            ],
            params: [
                ParamObservation(
                    location: "path.{id}", source: .path,
                    shape: ValueShape(format: .integer, length: 2, charset: [.digit])),
                ParamObservation(
                    location: "query.expand", source: .query,
                    shape: ValueShape(format: .word, length: 5, charset: [.lower])),
                ParamObservation(
                    location: "body.json.items[].sku", source: .body,
                    shape: ValueShape(format: .hex, length: 12, charset: [.digit, .lower]),
                    formats: [FormatSet(.hex), FormatSet(.integer)], minLength: 8, type: .string, occurrences: 3),
                ParamObservation(
                    location: "body.json.email", source: .body,
                    shape: ValueShape(format: .email, length: 17, charset: [.lower, .safePunct, .punct]),
                    sensitive: SensitiveSet(.email)),
                ParamObservation(
                    location: "body.json.meta", source: .body,
                    shape: ValueShape(format: .base64, length: 24, charset: [.lower, .upper, .digit, .punct]),
                    encodings: EncodingSet(.base64)),
                ParamObservation(
                    location: "body.json.count", source: .body,
                    shape: ValueShape(format: .integer, length: 1, charset: [.digit]), type: .number),
            ],
            droppedParams: 1)
    }

    public static var endpointObservationRevision2: EndpointObservationMessage {
        EndpointObservationMessage(learnObservation, client: "203.0.113.7", score: 4, attack: false)
    }

    /// PalisadeLearn's baseline behind `endpointBaselineRevision2`.
    public static var learnBaseline: EndpointBaseline {
        EndpointBaseline(
            endpoint: EndpointKey(host: "api.example.com", method: "GET", template: "/v1/users/{id}"),
            segments: [.literal("v1"), .literal("users"), .param(name: "id", kind: .number)], state: .enforcing,
            version: 18, samples: 12_000, updatedAt: 1_763_700_200_000, openParameters: false,
            parameters: [
                ParameterBaseline(
                    location: "path.{id}", source: .path, samples: 12_000, presence: 1, required: true,
                    enforced: true, formats: [FormatFrequency(format: .integer, frequency: 1)], minLength: 1,
                    maxLength: 6, p1Length: 1, p99Length: 5, charset: [.digit], type: .string),
                ParameterBaseline(
                    location: "query.expand", source: .query, samples: 3_000, presence: 0.25, required: false,
                    enforced: true,
                    formats: [
                        FormatFrequency(format: .word, frequency: 0.9), FormatFrequency(format: .empty, frequency: 0.1),
                    ], minLength: 0, maxLength: 12, p1Length: 0, p99Length: 9, charset: [.lower, .safePunct],
                    type: .string),
                ParameterBaseline(
                    location: "header.x-session", source: .header, samples: 11_000, presence: 0.92, required: false,
                    enforced: true, formats: [FormatFrequency(format: .base64, frequency: 1)], minLength: 24,
                    maxLength: 44, p1Length: 24, p99Length: 44, charset: [.lower, .upper, .digit, .punct],
                    type: .string, sensitive: [.secret], encoded: true),
            ], statusCounts: [200: 11_500, 404: 450, 403: 50], authSchemes: [.bearerJWT, .none],
            contentTypes: ["application/json"])
    }

    public static var endpointBaselineRevision2: EndpointBaselineMessage {
        EndpointBaselineMessage(learnBaseline)
    }

    public static var deadLetter: DeadLetterMessage {
        var m = DeadLetterMessage()
        m.topic = "palisade.requests"
        m.partition = 7
        m.offset = 1234
        m.reason = "cannot read palisade.v1.CaptureRecord: malformed protobuf"
        m.value = Data([0xff, 0xff, 0xff, 0x01, 0x02])
        m.valueTruncated = false
        m.rejectedBy = "worker"
        m.rejectedAtMs = 1_763_700_300_000
        return m
    }

    private static func header(_ name: String, _ value: String) -> Palisade_V1_Header {
        var h = Palisade_V1_Header()
        h.name = name
        h.value = value
        return h
    }

    private static func shape(
        _ location: Palisade_V1_ParameterLocation, _ name: String, _ type: Palisade_V1_ValueType, _ format: String,
        _ length: UInt32, _ charset: Palisade_V1_CharsetClass
    ) -> Palisade_V1_ParameterShape {
        var s = Palisade_V1_ParameterShape()
        s.location = location
        s.name = name
        s.type = type
        s.format = format
        s.length = length
        s.charset = charset
        return s
    }

    private static func typeShare(_ type: Palisade_V1_ValueType, _ format: String, _ ratio: Double)
        -> Palisade_V1_TypeShare
    {
        var t = Palisade_V1_TypeShare()
        t.type = type
        t.format = format
        t.ratio = ratio
        return t
    }

    private static func charsetShare(_ charset: Palisade_V1_CharsetClass, _ ratio: Double) -> Palisade_V1_CharsetShare {
        var c = Palisade_V1_CharsetShare()
        c.charset = charset
        c.ratio = ratio
        return c
    }
}
