// The mirror's per-line work on `POST /v1/capture` (parse, validate, generate an id, encode the
// protobuf record), single thread, in one run: the general path (JSON tree → CaptureRecord →
// CaptureRecordMessage, what the mirror did before) against the mirror's own `CaptureBatch.parse`
// (the single-pass CaptureLineReader). The whole-role figures come from scripts/bench-mirror.sh.
// See BENCHMARKS.md, "Mirror".
//
//   swift run -c release --package-path Benchmarks MirrorParseBench 500000
import Foundation
@_spi(Benchmarks) import MirrorService
import PalisadeCore
import PalisadeRecords

let total = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 500_000 : 500_000

/// SplitMix64: deterministic input and cheap ids for the general path.
typealias Mix = SplitMix64

/// Capture lines like scripts/bench-mirror.sh sends (~730 bytes: five headers with a JWT, a
/// Base64 JSON body, no id).
func captureLine(_ i: Int, _ random: inout Mix) -> String {
    let methods = ["GET", "GET", "POST", "PUT"]
    let body =
        #"{"user_id": \#(random.next() % 1_000_000), "items": [{"sku": "SKU-\#(random.next() % 9999)", "qty": \#(1 + random.next() % 5)}], "note": "\#(String(repeating: "x", count: 10 + Int(random.next() % 110)))"}"#
    return
        #"{"ts":\#(1_763_700_000_000 + i),"node":"kong-1","client_ip":"203.0.113.\#(i % 250)","method":"\#(methods[Int(random.next() % 4)])","scheme":"https","host":"api.example.com","path":"/v1/users/\#(random.next() % 1_000_000)/orders?expand=items&page=\#(i % 7)","headers":[["content-type","application/json"],["user-agent","mobile-app/4.2 (iOS 17.1)"],["authorization","Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJl"],["accept","application/json"],["x-request-id","req-\#(i)"]],"body_b64":"\#(Base64.encode(Array(body.utf8)))","status":200,"latency_ms":\#(Double(random.next() % 4000) / 100),"response_bytes":\#(100 + random.next() % 4900),"service":"users","route":"users-v1","consumer":"mobile-app"}"#
}

enum Corpus {
    static let perRequest = 1_000
    static let now: Int64 = 1_763_700_000_000
    static let lines: [String] = {
        var random = Mix(state: 7)
        return (0..<10_000).map { captureLine($0, &random) }
    }()
    static let bodies: [[UInt8]] = stride(from: 0, to: lines.count, by: perRequest).map {
        Array(lines[$0..<min(lines.count, $0 + perRequest)].joined(separator: "\n").utf8)
    }
}

/// The general path, as `CaptureBatch.parse` did it before the single-pass reader. Returns the
/// accepted lines and the bytes encoded (so nothing is optimized away).
func general(_ body: [UInt8]) -> (accepted: Int, bytes: Int) {
    var splitter = LineSplitter(maxLineBytes: 1 << 20)
    var ids = Mix(state: UInt64(body.count))
    var accepted = 0
    var encoded = 0
    func handle(_ event: LineSplitter.Event) {
        guard case .line(let bytes, let number) = event else { return }
        guard
            let record = try? CaptureRecord.parse(
                json: bytes, lineNumber: number, now: Corpus.now,
                makeID: { ULID.make(milliseconds: UInt64(Corpus.now), using: &ids) })
        else { return }
        encoded &+= CaptureRecordMessage(record).encodedRecord().count
        accepted += 1
    }
    splitter.feed(body, emit: handle)
    splitter.finish(emit: handle)
    return (accepted, encoded)
}

func singlePass(_ body: [UInt8]) -> (accepted: Int, bytes: Int) {
    let result = body.withUnsafeBytes { parseCaptureBody($0, maxLineBytes: 1 << 20, now: Corpus.now) }
    return (result.accepted, result.rejected)
}

/// Lines per second over `total` lines, after one warm-up pass.
func measure(_ label: String, total: Int, _ parse: ([UInt8]) -> (accepted: Int, bytes: Int)) -> Double {
    for body in Corpus.bodies {
        precondition(parse(body).accepted == Corpus.perRequest, "\(label): a line was rejected")
    }
    let clock = ContinuousClock()
    let start = clock.now
    var done = 0
    var next = 0
    var sink = 0
    while done < total {
        let result = parse(Corpus.bodies[next])
        done += result.accepted
        sink &+= result.bytes
        next = (next + 1) % Corpus.bodies.count
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    if sink == 42 { print("") }
    return Double(done) / seconds
}

let lineBytes = Corpus.lines.reduce(0) { $0 + $1.utf8.count } / Corpus.lines.count
print(
    "\(Corpus.lines.count) distinct capture lines of \(lineBytes) bytes on average, \(Corpus.perRequest) per body, \(total) parsed per path"
)
let before = measure("general", total: total, general)
let after = measure("single-pass", total: total, singlePass)
print("| path | lines/s (1 core) | µs/line |")
print("|---|---:|---:|")
print(String(format: "| general (JSON tree → CaptureRecord → message) | %.0f | %.2f |", before, 1e6 / before))
print(String(format: "| single pass (CaptureLineReader) | %.0f | %.2f |", after, 1e6 / after))
print(String(format: "speed-up: %.2fx", after / before))
