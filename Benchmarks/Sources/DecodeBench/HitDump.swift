// `DecodeBench --dump-hits FILE`: every detector's hits over the test corpora, written as text so
// that two builds can be compared byte for byte (a speed change must not change any reading).
//
// Values: every line of Tests/PalisadeDetectTests/Corpus/*.txt (placement tags kept and stripped)
// and every one-line string literal of Tests/PalisadeDetectTests/*.swift.
// 1. Value detectors (`DetectorRegistry.standard`), each value judged under 15 field names,
//    4 sources and as text and binary: rule, confidence, adjusted confidence (`Scoring.adjust`),
//    evidence.
// 2. The whole `Analyzer` (value + request-level detectors, scoring): each value placed in a query
//    parameter, a JSON value and key, a form field, headers, a cookie and the path, plus the
//    request-corpus lines and the benchmark traffic: every verdict hit and anomaly.
import BenchTraffic
import Foundation
import PalisadeDetect

enum HitDump {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../Tests/PalisadeDetectTests").standardized

    static func unescape(_ line: Substring) -> String {
        var out = ""
        var iterator = line.makeIterator()
        while let c = iterator.next() {
            guard c == "\\" else {
                out.append(c)
                continue
            }
            guard let next = iterator.next() else {
                out.append("\\")
                break
            }
            switch next {
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "\\": out.append("\\")
            default:
                out.append("\\")
                out.append(next)
            }
        }
        return out
    }

    /// Corpus lines (`##` comments and blank lines skipped), as given.
    static func corpusLines() -> [(file: String, line: String)] {
        let directory = root.appendingPathComponent("Corpus")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
        var lines: [(String, String)] = []
        for file in files where file.hasSuffix(".txt") {
            guard let text = try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8) else {
                continue
            }
            for line in text.split(separator: "\n", omittingEmptySubsequences: false)
            where !line.isEmpty && !line.hasPrefix("##") {
                lines.append((file, unescape(line)))
            }
        }
        return lines
    }

    /// One-line string literals of the detector tests (no interpolation), escapes decoded.
    static func testLiterals() -> [String] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted()
        var out: [String] = []
        for file in files where file.hasSuffix(".swift") {
            guard let text = try? String(contentsOf: root.appendingPathComponent(file), encoding: .utf8) else {
                continue
            }
            for line in text.split(separator: "\n") {
                let chars = Array(line)
                var i = 0
                while i < chars.count {
                    guard chars[i] == "\"" else {
                        i += 1
                        continue
                    }
                    var j = i + 1
                    var literal = ""
                    var closed = false
                    var interpolated = false
                    while j < chars.count {
                        let c = chars[j]
                        if c == "\\", j + 1 < chars.count {
                            let n = chars[j + 1]
                            switch n {
                            case "n": literal.append("\n")
                            case "r": literal.append("\r")
                            case "t": literal.append("\t")
                            case "0": literal.append("\0")
                            case "(": interpolated = true
                            default: literal.append(n)
                            }
                            j += 2
                            continue
                        }
                        if c == "\"" {
                            closed = true
                            break
                        }
                        literal.append(c)
                        j += 1
                    }
                    if closed, !interpolated, literal.utf8.count >= 2 { out.append(literal) }
                    i = j + 1
                }
            }
        }
        return out
    }

    /// The placement tag of a corpus line (`[field:NAME] `, `[json] `…) and the rest.
    static func splitTag(_ line: String) -> (tag: String?, value: String) {
        guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { return (nil, line) }
        let tag = String(line[line.index(after: line.startIndex)..<close])
        guard tag.allSatisfy({ $0.isLetter || $0 == ":" || $0 == "-" || $0 == "_" || $0 == "/" }) else {
            return (nil, line)
        }
        var rest = line[line.index(after: close)...]
        if rest.first == " " { rest = rest.dropFirst() }
        return (tag, String(rest))
    }

    static func percentEncoded(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            if (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2D
                || byte == 0x2E || byte == 0x5F || byte == 0x7E
            {
                out.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(UnicodeScalar(hex[Int(byte >> 4)])) + String(UnicodeScalar(hex[Int(byte & 15)]))
            }
        }
        return out
    }

    static func json(_ value: String) -> String { JSONWriter.quoted(value) }

    static let browser =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"

    static func request(
        _ method: String, _ path: String, headers: [CaptureRecord.Header] = [], body: String = ""
    ) -> CaptureRecord {
        var all = headers
        if !all.contains(where: { $0.name == "user-agent" }) { all.append(.init("user-agent", browser)) }
        all.append(.init("accept", "application/json"))
        return CaptureRecord(
            id: "d", ts: 0, clientIP: "198.51.100.7", method: method, host: "api.example.com", rawPath: path,
            headers: all, body: Array(body.utf8), status: 200)
    }

    /// The requests a value is judged in through the whole analyzer.
    static func placements(_ value: String) -> [(String, CaptureRecord)] {
        let encoded = percentEncoded(value)
        var out: [(String, CaptureRecord)] = []
        for field in ["q", "url", "cmd", "comment", "password"] {
            out.append(("query.\(field)", request("GET", "/api/v1/search?\(field)=\(encoded)&page=2")))
        }
        let jsonType = CaptureRecord.Header("content-type", "application/json")
        for field in ["name", "path", "file"] {
            out.append(
                (
                    "json.\(field)",
                    request("POST", "/api/v1/items", headers: [jsonType], body: "{\"\(field)\":\(json(value)),\"n\":1}")
                ))
        }
        out.append(("json.key", request("POST", "/api/v1/items", headers: [jsonType], body: "{\(json(value)):1}")))
        out.append(
            (
                "json.nested",
                request("POST", "/api/v1/items", headers: [jsonType], body: "{\"a\":{\"b\":[\(json(value))]}}")
            ))
        out.append(
            (
                "form",
                request(
                    "POST", "/api/v1/login", headers: [.init("content-type", "application/x-www-form-urlencoded")],
                    body: "username=\(encoded)&password=x")
            ))
        out.append(
            (
                "form.key",
                request(
                    "POST", "/api/v1/login", headers: [.init("content-type", "application/x-www-form-urlencoded")],
                    body: "\(encoded)=1")
            ))
        if !value.contains("\n") && !value.contains("\r") {
            out.append(("header.user-agent", request("GET", "/api/v1/items", headers: [.init("user-agent", value)])))
            out.append(("header.referer", request("GET", "/api/v1/items", headers: [.init("referer", value)])))
            out.append(
                ("header.x-forwarded-for", request("GET", "/api/v1/items", headers: [.init("x-forwarded-for", value)])))
        }
        out.append(("cookie", request("GET", "/api/v1/items", headers: [.init("cookie", "sid=abc; pref=\(encoded)")])))
        out.append(("path", request("GET", "/api/v1/items/\(encoded)/view")))
        out.append(("rawpath", request("GET", "/" + value.filter { $0 != " " && $0 != "\n" && $0 != "\r" })))
        return out
    }

    /// A request-corpus line with its tag, as a request (the simple tags; others as a query value).
    static func tagged(_ line: String) -> CaptureRecord? {
        let (tag, value) = splitTag(line)
        guard let tag else { return nil }
        if tag == "json" {
            return request("POST", "/api/v1/items", headers: [.init("content-type", "application/json")], body: value)
        }
        if tag == "form" {
            return request(
                "POST", "/api/v1/items", headers: [.init("content-type", "application/x-www-form-urlencoded")],
                body: value)
        }
        if tag == "query" {
            return request("GET", "/api/v1/items?" + (value.hasPrefix("?") ? String(value.dropFirst()) : value))
        }
        if tag == "path" { return request("GET", value) }
        if tag == "graphql" {
            return request(
                "POST", "/graphql", headers: [.init("content-type", "application/json")],
                body: "{\"query\":\(json(value))}")
        }
        if tag.hasPrefix("header:") {
            return request("GET", "/api/v1/items", headers: [.init(String(tag.dropFirst(7)), value)])
        }
        if tag.hasPrefix("body:") {
            return request(
                "POST", "/api/v1/items", headers: [.init("content-type", String(tag.dropFirst(5)))], body: value)
        }
        if tag.hasPrefix("field:") {
            return request("GET", "/api/v1/search?\(tag.dropFirst(6))=\(percentEncoded(value))")
        }
        return nil
    }

    static func describe(_ verdict: Verdict) -> String {
        var out = "score \(verdict.score) attack \(verdict.attack)"
        for hit in verdict.hits {
            out +=
                "\n  \(hit.attackClass) \(hit.rule) \(hit.confidence) @\(hit.point) \(hit.location) | \(hit.evidence)"
        }
        for anomaly in verdict.anomalies {
            out += "\n  ! \(anomaly.code) \(anomaly.location) \(anomaly.detail)"
        }
        return out
    }

    static func run(to path: String) {
        var out = ""
        let lines = corpusLines()
        var values: [String] = []
        for (_, line) in lines {
            values.append(line)
            let (tag, value) = splitTag(line)
            if tag != nil { values.append(value) }
        }
        values += testLiterals()
        out += "values \(values.count)\n"
        let fields: [String?] = [
            nil, "q", "cmd", "url", "comment", "next", "user-agent", "code", "email", "file", "host", "ip", "to",
            "search", "名前",
        ]
        let sources: [Source] = [.query, .header, .body, .cookie]
        let detectors = DetectorRegistry.standard
        var hitLines = 0
        for (index, text) in values.enumerated() {
            let bytes = Array(text.utf8)
            let value = bytes[...]
            for field in fields {
                for source in sources {
                    for kind in [ValueKind.text, .binary] {
                        let context = DetectionContext(
                            value: value, source: source, kind: kind, fieldName: field, depth: 1,
                            sensitivity: .default)
                        for detector in detectors {
                            var hits: [Hit] = []
                            detector.detect(value, context: context, hits: &hits)
                            for hit in hits {
                                let adjusted = Scoring.adjust(hit, context: context)
                                out += "v\(index) \(field ?? "-") \(source) \(kind) \(detector.name) \(hit.rule) "
                                out += "\(hit.confidence) \(adjusted.confidence) | \(hit.evidence)\n"
                                hitLines += 1
                            }
                        }
                    }
                }
            }
        }
        out += "value hit lines \(hitLines)\n"
        // No decode time budget: a request cut short on a loaded machine would differ between runs.
        var limits = DecodeLimits.default
        limits.timeBudgetMicros = 600_000_000
        // DECODE_BENCH_MEMO=N: the analyzer's detection memo with N slots (0 = off), to compare
        // verdicts with the memo off, small (constant eviction) and default.
        let analyzer = Analyzer(
            limits: limits,
            memoCapacity: ProcessInfo.processInfo.environment["DECODE_BENCH_MEMO"].flatMap { Int($0) }
                ?? DetectionMemo.defaultCapacity)
        var requests = 0
        for (index, text) in values.enumerated() {
            var records = placements(text)
            if let record = tagged(text) { records.append(("tagged", record)) }
            for (name, record) in records {
                out += "r\(index) \(name) \(describe(analyzer.analyze(record).verdict))\n"
                requests += 1
            }
        }
        for (index, record) in Traffic.mixed(count: 2_000).enumerated() {
            out += "t\(index) \(describe(analyzer.analyze(record).verdict))\n"
            requests += 1
        }
        out += "requests \(requests)\n"
        _ = FileManager.default.createFile(atPath: path, contents: Data(out.utf8))
        print("values \(values.count), value hit lines \(hitLines), requests \(requests) → \(path)")
        if let memo = analyzer.memo {
            let s = memo.statistics
            print(
                "memo: \(memo.capacity) slots, hits \(s.hits), misses \(s.misses) (first sightings \(s.firstSightings)), evictions \(s.evictions), skipped \(s.skipped)"
            )
        }
    }
}
