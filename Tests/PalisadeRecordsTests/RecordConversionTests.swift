import PalisadeCore
import PalisadeDetect
import PalisadeRecords
import Testing

@Suite
struct RecordConversionTests {
    @Test("CaptureRecord converts to its message and back, optional fields kept absent")
    func captureRecordRoundTrip() throws {
        let full = CaptureRecord(
            id: "01JD0000000000000000000009", ts: 1_763_700_000_123, node: "kong-1", clientIP: "203.0.113.7",
            method: "POST", scheme: "https", host: "api.example.com", rawPath: "/v1/users/42?expand=1",
            headers: [.init("content-type", "application/json"), .init("X-Dup", "1"), .init("x-dup", "2")],
            body: Array(#"{"a":1}"#.utf8) + [0x00, 0xff], bodyTruncated: true, status: 201, latencyMs: 3.25,
            responseBytes: 512, service: "users", route: "users-v1", consumer: "mobile-app")
        let message = CaptureRecordMessage(full)
        let decoded = try CaptureRecordMessage.decodeRecord(message.encodedRecord())
        #expect(CaptureRecord(decoded) == full)

        let minimal = CaptureRecord(id: "x", ts: 0, method: "GET", rawPath: "/")
        let back = CaptureRecord(try CaptureRecordMessage.decodeRecord(CaptureRecordMessage(minimal).encodedRecord()))
        #expect(back == minimal)
        #expect(back.status == nil && back.host == nil && back.latencyMs == nil)
    }

    @Test("Verdict converts to its message and back")
    func verdictRoundTrip() throws {
        let verdict = Verdict(
            id: "01JD0000000000000000000009", ts: 1_763_700_000_123, client: "203.0.113.7",
            endpoint: .init(host: "api.example.com", method: "GET", template: "/v1/users/{id}"), status: nil,
            score: 91, attack: true,
            hits: [
                Hit(
                    attackClass: .sqli, point: 2, location: "query.id", confidence: 0.9, evidence: "1 OR 1=1",
                    rule: "sqli.tautology"),
                Hit(
                    attackClass: .pathTraversal, point: -1, location: "path", confidence: 0.6, evidence: "../..",
                    rule: "pt.dotdot"),
            ],
            anomalies: [.init(code: "limit.points", location: "body", detail: "", value: 4096)], decodeMs: 0.05)
        let message = VerdictMessage(verdict)
        #expect(message.hits.map(\.attackClass) == ["sqli", "path_traversal"])
        let back = try Verdict(VerdictMessage.decodeRecord(message.encodedRecord()))
        #expect(back == verdict)
    }

    @Test("an attack class this build does not know is an error, not a trap")
    func unknownAttackClass() {
        var message = RecordSamples.verdict
        message.hits[0].attackClass = "quantum_injection"
        #expect(throws: RecordError.self) { try Verdict(message) }
    }

    @Test(
        "malformed bytes throw a RecordError naming the type",
        arguments: [
            [0xff, 0xff, 0xff], [0x0a, 0x10, 0x41], Array(repeating: 0x80, count: 11), [0x12, 0x7f],
        ] as [[UInt8]])
    func malformedBytes(bytes: [UInt8]) {
        #expect {
            _ = try VerdictMessage.decodeRecord(bytes)
        } throws: { error in
            (error as? RecordError)?.messageType == "palisade.v1.Verdict"
        }
    }

    @Test("keys: endpoint key text and decision key")
    func keys() {
        #expect(RecordSamples.endpointBaseline.endpoint.keyText == "api.example.com GET /v1/users/{id}")
        #expect(RecordSamples.decision.keyText == "ip:203.0.113.7")
        var header = RecordSamples.decision
        header.scope = .header
        header.value = "x-api-client:evil"
        #expect(header.keyText == "header:x-api-client:evil")
    }
}
