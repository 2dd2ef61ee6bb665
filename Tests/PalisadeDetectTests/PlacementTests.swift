import Testing

@testable import PalisadeDetect

/// Attacks placed where requests carry them, judged through the whole `Analyzer` (decode → detect
/// → adjust → score), with their locations.
@Suite struct PlacementTests {
    static func record(
        path: String, headers: [CaptureRecord.Header] = [], body: String = "", method: String = "GET"
    ) -> CaptureRecord {
        CaptureRecord(
            id: "t", ts: 0, clientIP: "203.0.113.7", method: method, host: "api.example.com", rawPath: path,
            headers: headers, body: Array(body.utf8))
    }

    let analyzer = Analyzer()

    @Test func sqliInQueryParameter() {
        let verdict = analyzer.analyze(Self.record(path: "/v1/users?id=1' OR '1'='1")).verdict
        #expect(verdict.attack)
        let hit = verdict.hits.first { $0.attackClass == .sqli }
        #expect(hit?.location.hasPrefix("query") == true, "\(verdict.hits)")
    }

    @Test func xssInJSONBodyField() {
        let body = #"{"user":{"name":"Ann","bio":"<img src=x onerror=alert(document.cookie)>"},"page":2}"#
        let verdict = analyzer.analyze(
            Self.record(
                path: "/v1/profile", headers: [.init("content-type", "application/json")], body: body, method: "POST")
        ).verdict
        #expect(verdict.attack)
        let hit = verdict.hits.first { $0.attackClass == .xss }
        #expect(hit?.location == "body.json.user.bio", "\(verdict.hits)")
        #expect(hit?.evidence.contains("onerror") == true)
    }

    @Test func sqliInJSONArrayElement() {
        let body = #"{"filters":[{"field":"status","value":"x' UNION SELECT password FROM users--"}]}"#
        let verdict = analyzer.analyze(
            Self.record(
                path: "/v1/search", headers: [.init("content-type", "application/json")], body: body, method: "POST")
        ).verdict
        #expect(verdict.attack)
        #expect(verdict.hits.first?.location == "body.json.filters[0].value", "\(verdict.hits)")
    }

    @Test func sqliInHeader() {
        let verdict = analyzer.analyze(
            Self.record(path: "/", headers: [.init("User-Agent", "Mozilla/5.0' AND SLEEP(5)-- ")])
        ).verdict
        #expect(verdict.attack)
        #expect(verdict.hits.first?.location == "header.user-agent", "\(verdict.hits)")
    }

    @Test func benignRequestIsClean() {
        let body =
            #"{"comment":"I'd like to select one or two of them -- O'Brien","html":"<p>Hi <b>there</b></p>","q":"a < b && c > d"}"#
        let verdict = analyzer.analyze(
            Self.record(
                path: "/v1/comments?sort=-created&q=union+station",
                headers: [
                    .init("content-type", "application/json"), .init("user-agent", "Mozilla/5.0 (X11; Linux x86_64)"),
                ],
                body: body, method: "POST")
        ).verdict
        #expect(!verdict.attack, "\(verdict.hits)")
        #expect(verdict.hits.isEmpty, "\(verdict.hits)")
    }

    @Test func codeFieldIsDiscounted() {
        let body = #"{"code":"SELECT * FROM users WHERE name = '' OR 1=1 --'"}"#
        let record = Self.record(path: "/v1/snippets", headers: [.init("content-type", "application/json")], body: body)
        #expect(!Analyzer().analyze(record).verdict.attack)
        #expect(Analyzer(sensitivity: .high).analyze(record).verdict.attack)
    }

    @Test func secretFieldEvidenceIsMasked() {
        let body = #"{"password":"Tr0ub4dor&3' OR '1'='1"}"#
        let verdict = analyzer.analyze(
            Self.record(
                path: "/login", headers: [.init("content-type", "application/json")], body: body, method: "POST")
        ).verdict
        #expect(verdict.attack)
        #expect(verdict.hits.first.map { !$0.evidence.contains("Tr0ub4dor") } == true, "\(verdict.hits)")
    }

    @Test func sensitivityOrdersVerdicts() {
        // A borderline value: an `<iframe>` shaped like an editor embed.
        let record = Self.record(path: "/p?x=<iframe width=560 height=315 src=https://evil.example/x></iframe>")
        let low = Analyzer(sensitivity: .low).analyze(record).verdict.attack
        let high = Analyzer(sensitivity: .high).analyze(record).verdict.attack
        #expect(!low)
        #expect(high)
    }
}
