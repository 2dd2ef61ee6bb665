import PalisadeDetect
import Testing

@testable import PalisadeCLI

@Suite struct ScanCommandTests {
    @Test func parsesArgumentsAndRejectsBadLimits() throws {
        let command = try ScanCommand.parse(["captures.jsonl", "--explain", "--sensitivity", "high"])
        #expect(command.file == "captures.jsonl")
        #expect(command.explain)
        #expect(command.sensitivity.value == .high)
        #expect(throws: (any Error).self) { try ScanCommand.parse(["--max-depth", "0"]) }
        #expect(throws: (any Error).self) { try ScanCommand.parse(["--sensitivity", "paranoid"]) }
    }

    func scan(_ input: String, format: ScanCommand.Format = .auto, chunk: Int = 7, explain: Bool = false) -> Scanner {
        var scanner = Scanner(
            analyzer: Analyzer(), format: format, explain: explain, attacksOnly: false, maxLineBytes: 4096,
            out: .memory(), err: .memory())
        let bytes = Array(input.utf8)
        var start = 0
        // Feed in small chunks so lines and HAR entries straddle chunk boundaries.
        while start < bytes.count {
            let end = min(start + chunk, bytes.count)
            bytes[start..<end].withUnsafeBufferPointer { scanner.feed($0) }
            start = end
        }
        scanner.finish()
        return scanner
    }

    @Test func streamsJSONLinesRejectingBadLinesAlone() throws {
        let input = """
            {"id":"a","ts":1,"method":"GET","path":"/v1/users/42?expand=1","client_ip":"203.0.113.7"}

            {"method":"GET"}
            not json
            {"method":"POST","path":"/v1/x","body":"{\\"q\\":1}","headers":[["content-type","application/json"]]}
            """
        let scanner = scan(input)
        #expect(scanner.summary == .init(scanned: 2, rejected: 2, attacks: 0, limitHits: 0))
        let out = scanner.out.capturedText.split(separator: "\n")
        #expect(out.count == 2)
        let first = try JSONReader().parse(Array(out[0].utf8))
        #expect(first["id"] == .string("a"))
        #expect(first["client"] == .string("203.0.113.7"))
        #expect(first["endpoint"]?["template"] == .string("/v1/users/{id}"))
        #expect(first["attack"] == .bool(false))
        let errors = scanner.err.capturedText
        #expect(errors.contains("rejected line 3: missing required field 'path'"))
        #expect(errors.contains("rejected line 4: invalid JSON"))
        #expect(errors.contains("2 scanned, 2 rejected"))
    }

    @Test func oversizedLinesAreRejectedWithBoundedMemory() {
        let big = "{\"method\":\"GET\",\"path\":\"/" + String(repeating: "a", count: 10_000) + "\"}"
        let scanner = scan(big + "\n{\"method\":\"GET\",\"path\":\"/ok\"}\n", chunk: 1000)
        #expect(scanner.summary.scanned == 1)
        #expect(scanner.summary.rejected == 1)
        #expect(scanner.err.capturedText.contains("line 1: line of 10027 bytes exceeds --max-line-bytes"))
    }

    @Test func readsHARExports() throws {
        let har = """
            {"log": {"version": "1.2", "creator": {"name": "test", "entries": "not these"},
              "pages": [{"id": "p", "title": "{[\\"tricky\\""}],
              "entries": [
                {"startedDateTime": "2025-11-21T09:52:57.123Z", "time": 12.5,
                 "request": {"method": "POST", "url": "https://api.example.com/v1/login?next=%2Fhome",
                   "headers": [{"name": "Content-Type", "value": "application/json"}],
                   "postData": {"mimeType": "application/json", "text": "{\\"user\\":\\"bob\\"}"}},
                 "response": {"status": 401, "content": {"size": 20}}},
                {"request": {"method": "GET", "url": "https://api.example.com/v1/items/7"},
                 "response": {"status": 200}},
                {"request": {"url": "https://api.example.com/broken"}}
              ]}}
            """
        let scanner = scan(har, chunk: 13)
        #expect(scanner.summary.scanned == 2)
        #expect(scanner.summary.rejected == 1)
        let out = scanner.out.capturedText.split(separator: "\n")
        let first = try JSONReader().parse(Array(out[0].utf8))
        #expect(first["ts"] == .number("1763718777123"))
        #expect(first["status"] == .number("401"))
        #expect(first["endpoint"]?["host"] == .string("api.example.com"))
        #expect(first["endpoint"]?["template"] == .string("/v1/login"))
        #expect(scanner.err.capturedText.contains("entry 3: missing 'request.method'"))
    }

    @Test func harWithoutEntriesIsReported() {
        let scanner = scan(#"{"log":{"version":"1.2"}}"#, format: .har)
        #expect(scanner.summary.rejected == 1)
        #expect(scanner.err.capturedText.contains("no log.entries array"))
    }

    @Test func explainPrintsTheValueTree() {
        let scanner = scan(
            #"{"method":"POST","path":"/v1/x?a=1","headers":[["content-type","application/json"]],"body":"{\"k\":[\"v\"]}"}"#,
            explain: true)
        let text = scanner.out.capturedText
        #expect(text.contains("body.json.k[0]  [text]  \"v\""))
        #expect(text.contains("body  [text, container]"))
    }

    @Test func explainShowsWhyEachHitFired() {
        let scanner = scan(
            #"{"method":"GET","path":"/.git/config?host=127.0.0.1%3Bc%27%27at%20/etc/passwd&url=http://2130706433/","headers":[["user-agent","sqlmap/1.7.2#stable"]]}"#,
            explain: true)
        let text = scanner.out.capturedText
        #expect(
            text.contains(
                "shell tokens: command(127.0.0.1)=unknown separator(;) command(cat)=word+evasion arg(/etc/passwd)=path"),
            "\(text)")
        #expect(
            text.contains(
                "host `2130706433` → 127.0.0.1 written as single decimal number, range loopback (obfuscated)"),
            "\(text)")
        #expect(text.contains("user-agent names the tool `sqlmap`"), "\(text)")
        #expect(text.contains("path probes a sensitive file: `"), "\(text)")
    }
}
