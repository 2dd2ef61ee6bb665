import Testing

@testable import PalisadeCore

@Suite struct CaptureRecordTests {
    func parse(_ line: String, number: Int = 1) throws(CaptureError) -> CaptureRecord {
        try CaptureRecord.parse(json: Array(line.utf8), lineNumber: number, now: 42, makeID: { "generated" })
    }

    @Test func parsesTheDocumentedRecord() throws {
        let record = try parse(
            """
            {"id":"01J","ts":1763700000123,"node":"kong-1","client_ip":"203.0.113.7","method":"POST",
             "scheme":"https","host":"api.example.com","path":"/v1/users/42?expand=1#frag",
             "headers":[["content-type","application/json"],["X-Dup","1"],["x-dup","2"]],
             "body_b64":"eyJhIjoxfQ==","body_truncated":false,"status":200,"latency_ms":3.2,
             "response_bytes":512,"service":"users","route":"users-v1","consumer":"mobile-app","extra":{"x":1}}
            """)
        #expect(record.id == "01J")
        #expect(record.ts == 1_763_700_000_123)
        #expect(record.method == "POST")
        #expect(record.path == "/v1/users/42")
        #expect(record.query == "expand=1")
        #expect(record.headers.count == 3)
        #expect(record.headers[1] == .init("X-Dup", "1"))
        #expect(record.header("x-dup") == "1")
        #expect(record.header("CONTENT-TYPE") == "application/json")
        #expect(record.body == Array(#"{"a":1}"#.utf8))
        #expect(record.status == 200)
        #expect(record.latencyMs == 3.2)
        #expect(record.responseBytes == 512)
        #expect(record.consumer == "mobile-app")
    }

    @Test func defaultsIdAndTimestampAndAcceptsTextBody() throws {
        let record = try parse(#"{"method":"GET","path":"/","body":"hé"}"#)
        #expect(record.id == "generated")
        #expect(record.ts == 42)
        #expect(record.body == Array("hé".utf8))
        #expect(record.query == nil)
    }

    @Test func acceptsHeaderObjectsToo() throws {
        let record = try parse(#"{"method":"GET","path":"/","headers":{"a":"1","b":["2","3"]}}"#)
        #expect(record.headers == [.init("a", "1"), .init("b", "2"), .init("b", "3")])
    }

    @Test(arguments: [
        (#"{"path":"/"}"#, "missing required field 'method'"),
        (#"{"method":"GET"}"#, "missing required field 'path'"),
        (#"{"method":"G E T","path":"/"}"#, "field 'method' must be an HTTP token"),
        (#"{"method":"GET","path":""}"#, "field 'path' must not be empty"),
        (#"{"method":"GET","path":"/","status":"200"}"#, "field 'status' must be an integer"),
        (#"{"method":"GET","path":"/","status":1200}"#, "field 'status' must be 0-999"),
        (#"{"method":"GET","path":"/","body_b64":"%%%"}"#, "field 'body_b64' is not valid Base64"),
        (#"{"method":"GET","path":"/","headers":[["a"]]}"#, "headers[0] must be a [name, value] pair"),
        (#"{"method":"GET","path":"/","ts":-5}"#, "field 'ts' must not be negative"),
        (#"[1,2]"#, "a capture record must be a JSON object"),
        (#"{"method":"GET","path":"/""#, "invalid JSON"),
    ])
    func rejectsWithAReason(line: String, reason: String) {
        #expect {
            try parse(line, number: 7)
        } throws: { error in
            guard let error = error as? CaptureError else { return false }
            return error.line == 7 && error.reason.contains(reason)
        }
    }

    @Test func truncatesOversizedBodies() throws {
        var options = CaptureRecord.ParseOptions()
        options.maxBodyBytes = 4
        let record = try CaptureRecord.parse(
            json: Array(#"{"method":"GET","path":"/","body":"abcdefgh"}"#.utf8), now: 0, options: options)
        #expect(record.body == Array("abcd".utf8))
        #expect(record.bodyTruncated)
    }

    @Test func ulidsAreWellFormedAndTimeOrdered() {
        let a = ULID.make(milliseconds: 1_000)
        let b = ULID.make(milliseconds: 2_000)
        #expect(a.utf8.count == 26)
        #expect(a < b)
        #expect(ULID.make() != ULID.make())
    }

    @Test func lineSplitterKeepsNumbersAndBoundsLines() {
        var splitter = LineSplitter(maxLineBytes: 8)
        var events: [String] = []
        let record: (LineSplitter.Event) -> Void = { event in
            switch event {
            case .line(let bytes, let n): events.append("\(n):\(String(decoding: bytes, as: UTF8.self))")
            case .blank(let n): events.append("\(n):blank")
            case .oversized(let n, let size): events.append("\(n):oversized \(size)")
            }
        }
        splitter.feed(Array("ab\r\n\n0123456789abc\nxy".utf8), emit: record)
        splitter.finish(emit: record)
        #expect(events == ["1:ab", "2:blank", "3:oversized 13", "4:xy"])
    }

    @Test func iso8601() {
        #expect(ISO8601.milliseconds(from: "1970-01-01T00:00:00Z") == 0)
        #expect(ISO8601.milliseconds(from: "2025-11-21T09:52:57.123Z") == 1_763_718_777_123)
        #expect(ISO8601.milliseconds(from: "2025-11-21T10:52:57.1+01:00") == 1_763_718_777_100)
        #expect(ISO8601.milliseconds(from: "yesterday") == nil)
    }

    @Test func pathTemplates() {
        #expect(PathTemplate.template(for: "/v1/users/42/orders/550e8400-e29b-41d4-a716-446655440000") ==
            "/v1/users/{id}/orders/{uuid}")
        #expect(PathTemplate.template(for: "/v2/reports/2025-11-21") == "/v2/reports/{date}")
        #expect(PathTemplate.template(for: "/v1/users/me") == "/v1/users/me")
        #expect(PathTemplate.template(for: "") == "/")
    }
}
