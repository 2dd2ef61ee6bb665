import PalisadeCore
import PalisadeRecords
import Testing

@testable import MirrorService

/// The single-pass reader against the general parser (`CaptureRecord.parse` + protobuf
/// encoding): whenever the reader takes a line, its bytes and id must be the general path's.
@Suite struct CaptureLineReaderTests {
    static let now: Int64 = 1_763_700_000_000

    enum Outcome: Equatable {
        case accepted([UInt8], String)
        case rejected(String)
    }

    func general(_ line: [UInt8], options: CaptureRecord.ParseOptions) -> Outcome {
        do {
            let record = try CaptureRecord.parse(json: line, now: Self.now, options: options, makeID: { "generated" })
            return .accepted(CaptureRecordMessage(record).encodedRecord(), record.id)
        } catch {
            return .rejected(error.reason)
        }
    }

    func fast(_ line: [UInt8], options: CaptureRecord.ParseOptions) -> Outcome? {
        var reader = CaptureLineReader(options: options)
        return line.withUnsafeBufferPointer {
            reader.read($0, now: Self.now, makeID: { "generated" }).map { .accepted($0.value, $0.id) }
        }
    }

    /// Checks one line; returns whether the reader took it.
    @discardableResult
    func check(
        _ text: String, options: CaptureRecord.ParseOptions = .init(), sourceLocation: SourceLocation = #_sourceLocation
    ) -> Bool {
        check(Array(text.utf8), options: options, sourceLocation: sourceLocation)
    }

    @discardableResult
    func check(
        _ line: [UInt8], options: CaptureRecord.ParseOptions = .init(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Bool {
        guard let fast = fast(line, options: options) else { return false }
        let general = general(line, options: options)
        #expect(fast == general, "\(String(decoding: line, as: UTF8.self))", sourceLocation: sourceLocation)
        return true
    }

    static let gatewayLine =
        #"{"ts":1763700000001,"node":"kong-1","client_ip":"203.0.113.7","method":"POST","scheme":"https","host":"api.example.com","path":"/v1/users/42/orders?expand=items&page=3","headers":[["content-type","application/json"],["user-agent","mobile-app/4.2 (iOS 17.1)"],["authorization","Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJl"],["x-empty",""]],"body_b64":"eyJ1c2VyX2lkIjogNDIsICJpdGVtcyI6IFtdfQ==","status":200,"latency_ms":12.75,"response_bytes":5120,"service":"users","route":"users-v1","consumer":"mobile-app"}"#

    @Test func theUsualFormsTakeTheFastPathWithTheGeneralResult() {
        let lines = [
            Self.gatewayLine,
            #"{"method":"GET","path":"/"}"#,
            #"{"id":"req-7","method":"GET","path":"/a","ts":0}"#,
            // Lua cjson escapes '/' (paths and Base64 bodies).
            #"{"id":"c","method":"GET","path":"\/v1\/users?q=a\/b","body_b64":"YS9i\/w=="}"#,
            #"{"method":"POST","path":"/p","body":"{\"a\":\"\u00e9\\n\tx\"}","headers":[]}"#,
            #"{"method":"GET","path":"/caf\#u{e9}/\#u{1F600}","host":"h\u0000st","node":""}"#,
            #"  { "method" : "GET" , "path" : "/s" , "headers" : [ [ "a" , "b" ] ] }  "#,
            #"{"method":"GET","path":"/u","extra":{"deep":[1,-2.5e3,true,false,null,"\ud800",{"k":{}}]},"more":[]}"#,
            #"{"method":"GET","path":"/n","node":null,"status":null,"latency_ms":null,"headers":null,"body_truncated":null}"#,
            #"{"method":"GET","path":"/t","body_truncated":true,"status":0,"latency_ms":-0,"response_bytes":0}"#,
            #"{"method":"GET","path":"/t","body_truncated":false,"latency_ms":1e2,"ts":9223372036854775807}"#,
            #"{"method":"M-SEARCH","path":"*","id":""}"#,
            "{\"method\":\"GET\",\"path\":\"/r\"}\r",
        ]
        for line in lines {
            #expect(check(line), "fast path expected for \(line)")
        }
    }

    @Test func limitsOfTheGeneralParserApply() {
        var options = CaptureRecord.ParseOptions()
        options.maxHeaders = 2
        options.maxBodyBytes = 3
        #expect(
            check(
                #"{"method":"GET","path":"/","headers":[["a","1"],["b","2"],["c","3"]],"body":"abcdef"}"#,
                options: options))
        #expect(check(#"{"method":"GET","path":"/","body_b64":"YWJjZGVm"}"#, options: options))
        #expect(check(#"{"method":"GET","path":"/","body":"abc"}"#, options: options))
        // Nesting: the general parser's limit holds for unknown fields too.
        options.maxDepth = 4
        #expect(check(#"{"method":"GET","path":"/","x":[[[["deep"]]]]}"#, options: options) == false)
        #expect(check(#"{"method":"GET","path":"/","x":[["ok"]]}"#, options: options))
    }

    @Test func rejectedAndUnusualLinesGoTheGeneralWay() {
        let lines = [
            "", "nope", "[]", "{}", #"{"method":"GET"}"#, #"{"path":"/"}"#, #"{"method":"GET","path":""}"#,
            #"{"method":"G T","path":"/"}"#, #"{"method":"\#(String(repeating: "A", count: 33))","path":"/"}"#,
            #"{"method":"GET","path":"/"} x"#, #"{"method":"GET","path":"/",}"#, #"{"method":"GET","path":"/""#,
            #"{"method":"GET","path":"/","ts":-1}"#, #"{"method":"GET","path":"/","ts":1.7e12}"#,
            #"{"method":"GET","path":"/","ts":"1"}"#, #"{"method":"GET","path":"/","status":1000}"#,
            #"{"method":"GET","path":"/","status":200.0}"#, #"{"method":"GET","path":"/","latency_ms":-1}"#,
            #"{"method":"GET","path":"/","response_bytes":-5}"#, #"{"method":"GET","path":"/","body_truncated":1}"#,
            #"{"method":"GET","path":"/","method":"POST"}"#,
            #"{"method":"GET","path":"/","body":"a","body_b64":"Yg=="}"#,
            #"{"method":"GET","path":"/","body_b64":"Yg==","body":"a"}"#,
            #"{"method":"GET","path":"/","body_b64":"Y g=="}"#,
            #"{"method":"GET","path":"/","body_b64":"!!"}"#, #"{"method":"GET","path":"/","headers":{"a":"b"}}"#,
            #"{"method":"GET","path":"/","headers":[["a"]]}"#, #"{"method":"GET","path":"/","headers":[["","v"]]}"#,
            #"{"method":"GET","path":"/","headers":[["a",1]]}"#, #"{"method":"GET","path":"/\ud83d\ude00"}"#,
            #"{"method":"GET","path":"/\ud800"}"#, #"{"method":"GET","path":"/\x"}"#,
            #"{"met\u0068od":"GET","path":"/"}"#,
            #"{"method":"GET","path":"/","x":01}"#, #"{"method":"GET","path":"/","x":1.}"#,
            #"{"method":"GET","path":"/","x":-}"#,
            #"{"method":"GET","path":"/","x":tru}"#, #"{"method":"GET","path":"/","id":null}"#,
            #"{"method":"GET","path":"/","id":7}"#, "{\"method\":\"GET\",\"path\":\"/\t\"}",
        ]
        for line in lines {
            #expect(check(line) == false, "general path expected for \(line)")
        }
        // Invalid UTF-8 is repaired by the general parser, so the reader leaves it.
        #expect(check(Array(#"{"method":"GET","path":"/"#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)) == false)
        #expect(check(Array(#"{"method":"GET","path":"/"#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8)) == false)
    }

    /// Random damage to valid lines: whatever the reader accepts, the general parser accepts
    /// identically.
    @Test func mutatedLinesAgreeWithTheGeneralParser() {
        var generator = SplitMix64(state: 42)
        let seeds = [
            Array(Self.gatewayLine.utf8),
            Array(#"{"id":"c","method":"GET","path":"\/v1?q=\"x\"","body":"\u00e9","x":[{"a":[1,2]}],"ts":5}"#.utf8),
        ]
        let alphabet = Array(#"{}[]",:\/u0123456789aeflnrstu-+.E "#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xE9, 0xFF]
        var taken = 0
        for round in 0..<3_000 {
            var line = seeds[round % seeds.count]
            for _ in 0..<(1 + Int(generator.next() % 3)) {
                let position = Int(generator.next() % UInt64(line.count))
                let byte = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                switch generator.next() % 3 {
                case 0: line[position] = byte
                case 1: line.insert(byte, at: position)
                default: line.remove(at: position)
                }
            }
            if check(line) { taken += 1 }
        }
        #expect(taken > 100)  // the comparison did run on accepted lines
    }

    @Test func batchesKeepTheGeneralReasons() {
        let body = [
            Self.gatewayLine, #"{"method":"GET""#, #"{"method":"GET","path":"/","ts":-1}"#,
            #"{"method":"GET","path":"/","body":"a","body_b64":"Yg=="}"#,
        ].joined(separator: "\n")
        let batch = Array(body.utf8).withUnsafeBytes {
            CaptureBatch.parse($0, maxLineBytes: 1 << 16, maxErrorsReported: 10, now: Self.now)
        }
        #expect(batch.values.count == 2)
        #expect(batch.errors.map(\.line) == [2, 3])
        #expect(batch.errors[0].reason == "invalid JSON: unterminated object at byte 15")
        #expect(batch.errors[1].reason == "field 'ts' must not be negative")
        #expect(batch.ids[0].count == 26)
        let record = CaptureRecord(try! CaptureRecordMessage.decodeRecord(batch.values[1]))
        #expect(record.body == Array("b".utf8))  // body_b64 wins, as before
    }
}
