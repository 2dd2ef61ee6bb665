import PalisadeCore
import PalisadeRecords
import Testing

@testable import MirrorService

@Suite struct CaptureBatchTests {
    func parse(_ text: String, maxLineBytes: Int = 1 << 16, maxErrors: Int = 10) -> CaptureBatch {
        Array(text.utf8).withUnsafeBytes {
            CaptureBatch.parse($0, maxLineBytes: maxLineBytes, maxErrorsReported: maxErrors, now: 1_763_700_000_000)
        }
    }

    @Test func malformedLinesAreRejectedAloneWithTheirLineNumbers() throws {
        let batch = parse(
            """
            {"id":"a","method":"GET","path":"/a"}
            {"method":"GET"
            {"id":"c","method":"POST","path":"/c","body":"x=1"}

            {"path":"/no-method"}
            {"id":"f","method":"GET","path":"/f"}
            """)
        #expect(batch.values.count == 3)
        #expect(batch.ids == ["a", "c", "f"])
        #expect(batch.rejected == 2)
        #expect(batch.received == 5)
        #expect(batch.errors.map(\.line) == [2, 5])
        #expect(batch.errors.map(\.kind) == [.invalidJSON, .invalidRecord])
        #expect(batch.errors[1].reason == "missing required field 'method'")
        let first = CaptureRecord(try CaptureRecordMessage.decodeRecord(batch.values[1]))
        #expect(first.id == "c" && first.method == "POST" && first.rawPath == "/c" && first.body == Array("x=1".utf8))
        #expect(first.ts == 1_763_700_000_000)
    }

    @Test func idsAreGeneratedWhenAbsent() {
        let batch = parse(#"{"method":"GET","path":"/"}"#)
        #expect(batch.ids.count == 1)
        #expect(batch.ids[0].count == 26)  // a ULID
    }

    @Test func anOversizedLineIsRejectedAlone() {
        let long = #"{"method":"GET","path":"/"# + String(repeating: "a", count: 2_000) + #""}"#
        let batch = parse(
            #"{"method":"GET","path":"/1"}"# + "\n" + long + "\n" + #"{"method":"GET","path":"/3"}"#,
            maxLineBytes: 1_024)
        #expect(batch.values.count == 2)
        #expect(batch.errors.map(\.line) == [2])
        #expect(batch.errors[0].kind == .lineTooLarge)
    }

    @Test func onlyTheFirstErrorsAreListed() {
        let batch = parse(String(repeating: "nope\n", count: 25), maxErrors: 10)
        #expect(batch.rejected == 25)
        #expect(batch.errors.count == 10)
        #expect(batch.responseJSON().hasPrefix(#"{"accepted":0,"rejected":25,"errors":[{"line":1,"reason":"#))
    }

    @Test func jsonLinesRoundTrip() throws {
        let record = CaptureRecord(
            id: "01J", ts: 5, node: "kong-1", clientIP: "203.0.113.7", method: "POST", scheme: "https",
            host: "api.example.com", rawPath: "/v1/users/42?expand=1",
            headers: [.init("content-type", "application/json")],
            body: Array(#"{"a":"\u00e9"}"#.utf8), bodyTruncated: true, status: 201, latencyMs: 3.25, responseBytes: 512,
            service: "users", route: "users-v1", consumer: "mobile")
        let parsed = try CaptureRecord.parse(json: Array(record.jsonLine().utf8), now: 0)
        #expect(parsed == record)
    }
}

@Suite struct BatchIDsTests {
    @Test func idsOfABatchAreDistinctULIDs() {
        var ids = BatchIDs(milliseconds: 1_763_700_000_123)
        let made = (0..<10_000).map { _ in ids.next() }
        #expect(Set(made).count == 10_000)
        #expect(made.allSatisfy { $0.count == 26 && $0.hasPrefix(String(made[0].prefix(10))) })
        var other = BatchIDs(milliseconds: 1_763_700_000_123)
        #expect(other.next() != made[0])
    }
}
