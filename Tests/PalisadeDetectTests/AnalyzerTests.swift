import Testing

@testable import PalisadeDetect

/// The analyzer's plumbing, independent of any detector: points reach detectors with their
/// context, hits get their locations, limits become protocol anomalies, verdicts encode.
@Suite struct AnalyzerTests {
    /// Flags any value containing "EVIL" and records what it was shown.
    struct Probe: Detector {
        let name = "probe"
        func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {
            guard Bytes.containsIgnoringCase(value, "EVIL") else { return }
            hits.append(
                Hit(
                    attackClass: .sqli, point: -1, confidence: 0.9,
                    evidence: "\(context.source.rawValue)/\(context.fieldName ?? "-")/\(context.kind)", rule: "probe"))
        }
    }

    func record(path: String = "/", body: String = "", headers: [(String, String)] = []) -> CaptureRecord {
        CaptureRecord(
            id: "r1", ts: 5, clientIP: "203.0.113.7", method: "POST", host: "api.example.com", rawPath: path,
            headers: headers.map { .init($0.0, $0.1) }, body: Array(body.utf8), status: 403)
    }

    @Test func hitsCarryLocationAndContext() {
        let analyzer = Analyzer(detectors: [Probe()])
        let (_, verdict) = analyzer.analyze(
            record(
                path: "/v1/users/42", body: #"{"user":{"name":"EVIL"},"n":1}"#,
                headers: [("content-type", "application/json")]))
        #expect(verdict.attack)
        #expect(verdict.hits.count == 1)
        #expect(verdict.hits[0].location == "body.json.user.name")
        #expect(verdict.hits[0].evidence == "body/name/text")
        #expect(verdict.endpoint == .init(host: "api.example.com", method: "POST", template: "/v1/users/{id}"))
        #expect(verdict.score == 90)
    }

    @Test func containersAreNotJudgedAsText() {
        let analyzer = Analyzer(detectors: [Probe()])
        // "EVIL" only as a key: the raw JSON text is a container, the key is a plain identifier.
        let (_, verdict) = analyzer.analyze(
            record(body: #"{"EVIL":1}"#, headers: [("content-type", "application/json")]))
        #expect(verdict.hits.isEmpty)
        #expect(!verdict.attack)
    }

    @Test func limitsBecomeProtocolAnomalies() {
        var limits = DecodeLimits()
        limits.maxPoints = 16
        let body = "[" + (0..<100).map { String($0) }.joined(separator: ",") + "]"
        let (_, verdict) = Analyzer(limits: limits, detectors: []).analyze(
            record(body: body, headers: [("content-type", "application/json")]))
        #expect(verdict.hits.map(\.attackClass) == [.protocolAnomaly])
        #expect(verdict.anomalies.contains { $0.code == "limit.points" })
        #expect(!verdict.attack)  // an anomaly alone is not an attack
    }

    @Test func sensitivityMovesTheThreshold() {
        let weak = Hit(attackClass: .xss, point: 0, confidence: 0.5, evidence: "", rule: "r")
        #expect(!Scoring.score([weak], sensitivity: .default).attack)
        #expect(Scoring.score([weak], sensitivity: .high).attack)
        #expect(!Scoring.score([weak], sensitivity: .low).attack)
    }

    @Test func verdictEncodesTheDocumentedShape() throws {
        let (_, verdict) = Analyzer(detectors: [Probe()]).analyze(record(path: "/a?q=EVIL"))
        let json = try JSONReader().parse(Array(verdict.jsonLine().utf8))
        guard case .object(let members) = json else {
            Issue.record("not an object")
            return
        }
        #expect(
            members.map(\.key) == [
                "id", "ts", "client", "endpoint", "status", "score", "attack", "hits", "anomalies", "decode_ms",
            ])
        #expect(json["hits"] == .array([
            .object([
                .init(key: "class", value: .string("sqli")), .init(key: "location", value: .string("query.q")),
                .init(key: "confidence", value: .number("0.9")), .init(key: "evidence", value: .string("query/q/text")),
                .init(key: "rule", value: .string("probe")),
            ])
        ]))
        #expect(json["status"] == .number("403"))
    }
}
