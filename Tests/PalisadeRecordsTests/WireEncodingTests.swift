import PalisadeCore
import PalisadeDetect
import PalisadeLearn
import Testing

@testable import PalisadeRecords

/// The hand-written encoders of verdicts and observations against SwiftProtobuf's: the same
/// bytes (both write fields in number order), decoding to the same message.
@Suite
struct WireEncodingTests {
    /// SplitMix64: the same records every run.
    struct Generator {
        var rng: SplitMix64

        init(state: UInt64) { rng = SplitMix64(state: state) }

        mutating func next() -> UInt64 { rng.next() }

        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
        mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }

        static let words = [
            "", "a", "api.example.com", "GET", "/v1/users/{id}", "é✓", "日本語のテキスト", "emoji 😀🚀", "nul\u{0}byte",
            "line\nbreak", String(repeating: "x", count: 127), String(repeating: "ü", count: 200),
        ]
        /// Past a two-byte length prefix.
        static let long = String(repeating: "long-value-", count: 1_500)

        mutating func string() -> String {
            if chance(1) { return Self.long }
            return chance(20)
                ? String(decoding: (0..<below(40)).map { _ in UInt8(32 + below(95)) }, as: UTF8.self) : pick(Self.words)
        }

        mutating func optionalString() -> String? { chance(30) ? nil : string() }

        mutating func int64() -> Int64 {
            pick([
                0, 1, -1, 127, 128, 16_383, 16_384, Int64.max, Int64.min, 1_763_700_000_123, Int64(bitPattern: next()),
            ])
        }

        mutating func int() -> Int { Int(truncatingIfNeeded: int64()) }

        mutating func status() -> Int? {
            chance(25) ? nil : pick([0, 200, 404, -1, Int(Int32.max) + 1, Int(Int32.min) - 1, Int.max, Int.min, int()])
        }

        mutating func double() -> Double {
            pick([
                0, -0.0, 1, 0.5, 99.75, -3.25, .infinity, -.infinity, .greatestFiniteMagnitude,
                Double(bitPattern: next()),
            ])
        }

        mutating func hash() -> UInt64 { chance(20) ? 0 : next() }
    }

    // MARK: Verdicts

    func verdict(_ g: inout Generator) -> (Verdict, VerdictIdentities) {
        let hits = (0..<g.pick([0, 0, 1, 2, 5])).map { _ in
            Hit(
                attackClass: g.pick(AttackClass.allCases), point: Int32(truncatingIfNeeded: g.int64()),
                location: g.string(), confidence: g.double(), evidence: g.string(), rule: g.string())
        }
        let anomalies = (0..<g.pick([0, 0, 1, 3])).map { _ in
            Verdict.Anomaly(code: g.string(), location: g.string(), detail: g.string(), value: g.int())
        }
        let verdict = Verdict(
            id: g.string(), ts: g.int64(), client: g.string(),
            endpoint: .init(host: g.string(), method: g.string(), template: g.string()), status: g.status(),
            score: g.double(), attack: g.chance(50), hits: hits, anomalies: anomalies, decodeMs: g.double())
        let identities = VerdictIdentities(
            clientIP: g.optionalString(), apiKeyHash: g.optionalString(), jwtSub: g.optionalString(),
            objectIDHash: g.chance(50) ? g.hash() : nil, usernameHash: g.chance(50) ? g.hash() : nil,
            pathHash: g.chance(80) ? g.hash() : nil,
            headers: (0..<g.pick([0, 0, 1, 3])).map { _ in CaptureRecord.Header(g.string(), g.string()) })
        return (verdict, identities)
    }

    @Test("verdicts: the direct encoding is SwiftProtobuf's, byte for byte, over varied records")
    func verdicts() throws {
        var g = Generator(state: 11)
        var classes: Set<AttackClass> = []
        for _ in 0..<2_000 {
            let (verdict, identities) = verdict(&g)
            classes.formUnion(verdict.hits.map(\.attackClass))
            let message = VerdictMessage(verdict, identities: identities)
            let expected = message.encodedRecord()
            let bytes = verdict.encodedRecord(identities: identities)
            #expect(bytes == expected)
            let decoded = try VerdictMessage.decodeRecord(bytes)
            #expect(decoded.encodedRecord() == expected)
            if !verdict.score.isNaN, !verdict.decodeMs.isNaN, !verdict.hits.contains(where: { $0.confidence.isNaN }) {
                #expect(decoded == message)
            }
        }
        #expect(classes == Set(AttackClass.allCases))
    }

    @Test("a verdict without identities or findings; a minimal one")
    func verdictEdges() throws {
        let empty = Verdict(
            id: "", ts: 0, client: "", endpoint: .init(host: "", method: "", template: ""), status: nil, score: 0,
            attack: false, hits: [], anomalies: [], decodeMs: 0)
        // Only the (empty) endpoint message is written.
        #expect(empty.encodedRecord(identities: VerdictIdentities()) == [0x22, 0x00])
        #expect(
            empty.encodedRecord(identities: VerdictIdentities())
                == VerdictMessage(empty, identities: VerdictIdentities()).encodedRecord())
        var negative = empty
        negative.status = -1
        negative.score = -0.0
        let bytes = negative.encodedRecord(identities: VerdictIdentities(pathHash: 0))
        #expect(bytes == VerdictMessage(negative, identities: VerdictIdentities(pathHash: 0)).encodedRecord())
        let decoded = try VerdictMessage.decodeRecord(bytes)
        #expect(decoded.status == -1 && decoded.hasPathHash && decoded.pathHash == 0)
        #expect(decoded.score.sign == .minus)
    }

    // MARK: Observations

    func shape(_ g: inout Generator) -> ValueShape {
        ValueShape(
            format: g.pick(ValueFormat.allCases), length: g.pick([0, 1, 64, 300, -5, Int.max, g.int()]),
            charset: CharsetClass(rawValue: UInt8(truncatingIfNeeded: g.next())))
    }

    func observation(_ g: inout Generator) -> EndpointObservation {
        let segments = (0..<g.pick([0, 1, 3, 8])).map { _ in
            PathSegmentObservation(
                kind: g.pick(SegmentKind.allCases), literal: g.optionalString(), hash: g.hash(), shape: shape(&g),
                sensitive: SensitiveSet(rawValue: UInt8(truncatingIfNeeded: g.next())))
        }
        let params = (0..<g.pick([0, 1, 2, 6, 20])).map { _ in
            ParamObservation(
                location: g.string(), source: g.pick(ParamSource.allCases), shape: shape(&g),
                formats: FormatSet(rawValue: g.chance(20) ? 0 : UInt32(truncatingIfNeeded: g.next())),
                minLength: g.pick([0, 3, -1, Int.max, g.int()]), type: g.pick(ValueType.allCases),
                sensitive: SensitiveSet(rawValue: g.chance(50) ? 0 : UInt8(truncatingIfNeeded: g.next())),
                encodings: EncodingSet(rawValue: g.chance(50) ? 0 : UInt16(truncatingIfNeeded: g.next())),
                occurrences: g.pick([0, 1, 2, -3, Int.max, g.int()]), point: Int32(truncatingIfNeeded: g.int64()))
        }
        return EndpointObservation(
            endpoint: EndpointKey(host: g.string(), method: g.string(), template: g.string()), requestID: g.string(),
            ts: g.int64(), status: g.status(), auth: g.pick(AuthScheme.allCases),
            contentType: g.optionalString(), bodyBytes: g.pick([0, 10, -1, Int.max, g.int()]), segments: segments,
            params: params, droppedParams: g.pick([0, 1, -2, Int.max, g.int()]))
    }

    @Test("observations: the direct encoding is SwiftProtobuf's, byte for byte, over varied records")
    func observations() throws {
        var g = Generator(state: 29)
        var kinds: Set<SegmentKind> = []
        var formats = FormatSet()
        var sources: Set<ParamSource> = []
        var auths: Set<AuthScheme> = []
        for _ in 0..<2_000 {
            let observation = observation(&g)
            let client = g.string()
            let score = g.double()
            let attack = g.chance(30)
            kinds.formUnion(observation.segments.map(\.kind))
            sources.formUnion(observation.params.map(\.source))
            for param in observation.params { formats.formUnion(param.formats) }
            auths.insert(observation.auth)
            let message = EndpointObservationMessage(observation, client: client, score: score, attack: attack)
            let expected = message.encodedRecord()
            let bytes = observation.encodedRecord(client: client, score: score, attack: attack)
            #expect(bytes == expected)
            let decoded = try EndpointObservationMessage.decodeRecord(bytes)
            #expect(decoded.encodedRecord() == expected)
            if !score.isNaN { #expect(decoded == message) }
        }
        #expect(kinds == Set(SegmentKind.allCases))
        #expect(sources == Set(ParamSource.allCases))
        #expect(auths == Set(AuthScheme.allCases))
        #expect(formats.formats == ValueFormat.allCases)
    }

    @Test("the sets' packed lists take the bit-by-bit path: one bit per member, rising in allCases order")
    func packedSetTables() {
        for table in [LearnWireTables.formatsByBit, LearnWireTables.sensitiveByBit, LearnWireTables.encodingsByBit] {
            #expect(table.oneByte)
            #expect(table.known.nonzeroBitCount == table.members.count)
            #expect(table.members(of: table.known) == table.members.map(\.raw))
        }
    }

    @Test("observations the builder makes read back as the same observation")
    func builtObservations() throws {
        let records = [
            CaptureRecord(
                id: "r1", ts: 1_763_700_000_000, clientIP: "192.0.2.1", method: "post", host: "API.example.com:443",
                rawPath: "/v1/users/42/orders/3f2b8c1e-8a4b-4c5d-9e6f-0a1b2c3d4e5f?page=2",
                headers: [
                    .init("Content-Type", "application/json; charset=utf-8"), .init("Authorization", "Basic eDp5"),
                ],
                body: Array(#"{"a":1}"#.utf8), status: 201),
            CaptureRecord(id: "", ts: 0, method: "GET", rawPath: "/"),
            CaptureRecord(
                id: "é", ts: -1, method: "GET", rawPath: "/files/ünïcödé/" + String(repeating: "a", count: 300)),
        ]
        for record in records {
            let observation = ObservationBuilder().observe(record: record, decoded: DecodedRequest())
            let bytes = observation.encodedRecord(client: "ip:192.0.2.1", score: 12.5, attack: true)
            #expect(
                bytes
                    == EndpointObservationMessage(observation, client: "ip:192.0.2.1", score: 12.5, attack: true)
                    .encodedRecord())
            let back = EndpointObservation(try EndpointObservationMessage.decodeRecord(bytes))
            #expect(back == observation)
        }
    }

    @Test("embedded messages of 128 bytes and more get a longer length prefix")
    func longEmbeddedMessages() throws {
        for length in [100, 120, 121, 122, 123, 124, 125, 126, 127, 128, 16_000, 16_400, 2_100_000] {
            let header = CaptureRecord.Header("n", String(repeating: "v", count: length))
            let verdict = Verdict(
                id: "x", ts: 1, client: "", endpoint: .init(host: "h", method: "GET", template: "/"), status: 200,
                score: 1, attack: false, hits: [], anomalies: [], decodeMs: 0)
            let identities = VerdictIdentities(headers: [header, header])
            let bytes = verdict.encodedRecord(identities: identities)
            #expect(bytes == VerdictMessage(verdict, identities: identities).encodedRecord(), "\(length)")
            #expect(
                try VerdictMessage.decodeRecord(bytes).identityHeaders.map(\.value) == [header.value, header.value])
        }
    }
}
