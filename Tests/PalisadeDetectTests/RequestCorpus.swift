import Foundation
import PalisadeDetect

/// Corpus lines for the request-level classes (nosqli, prototype_pollution, graphql_abuse, scanner,
/// protocol_anomaly), each turned into a realistic request and judged through the whole `Analyzer`.
///
/// Placements (a line starts with one; escapes as in `Corpus.load`):
/// - `[json] BODY` — `POST /api/v1/items`, `application/json`
/// - `[form] BODY` — `POST /api/v1/items`, `application/x-www-form-urlencoded`
/// - `[query] RAW` — `GET /api/v1/items?RAW` (a leading `?` is dropped)
/// - `[header:NAME] VALUE` — `GET /api/v1/items` with that header
/// - `[path] PATH` — `GET PATH`
/// - `[graphql] DOCUMENT` — `POST /graphql`, JSON body `{"query": DOCUMENT}`
/// - `[body:TYPE] BODY` — `POST /api/v1/items` with that content type
/// - `[request] METHOD PATH\nName: value…\n\nBODY` — everything given
/// - `[field:NAME] VALUE` or a bare `VALUE` — `GET /api/v1/search?NAME=VALUE` (percent-encoded; NAME
///   defaults to `q`), the placement `benign.txt` uses.
/// Every request also carries an ordinary browser User-Agent and `Accept` unless it sets them.
enum RequestCorpus {
    static let browser =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"

    /// The default analyzer for whole-request checks of single lines (the follow-up suites).
    static let analyzer = Analyzer()

    /// The hits of `line` placed by `record(_:)`, through the default analyzer.
    static func hits(_ line: String) -> [Hit] { analyzer.analyze(record(line)).verdict.hits }

    /// The most confident hit of `attackClass` for `line`, if any.
    static func strongest(_ line: String, _ attackClass: AttackClass) -> Hit? {
        hits(line).filter { $0.attackClass == attackClass }.max { $0.confidence < $1.confidence }
    }

    /// Whether `line` is an attack at the default sensitivity.
    static func attack(_ line: String) -> Bool { analyzer.analyze(record(line)).verdict.attack }

    static func record(_ line: String) -> CaptureRecord {
        var method = "GET"
        var path = "/api/v1/items"
        var headers: [CaptureRecord.Header] = []
        var body = ""
        func tagged(_ tag: String) -> String? {
            guard line.hasPrefix(tag) else { return nil }
            var rest = line.dropFirst(tag.count)
            if rest.first == " " { rest = rest.dropFirst() }
            return String(rest)
        }
        if let rest = tagged("[json]") {
            (method, body) = ("POST", rest)
            headers.append(.init("content-type", "application/json"))
        } else if let rest = tagged("[form]") {
            (method, body) = ("POST", rest)
            headers.append(.init("content-type", "application/x-www-form-urlencoded"))
        } else if let rest = tagged("[query]") {
            path += "?" + (rest.hasPrefix("?") ? String(rest.dropFirst()) : rest)
        } else if let rest = tagged("[path]") {
            path = rest
        } else if let rest = tagged("[graphql]") {
            (method, path) = ("POST", "/graphql")
            body = "{\"query\":" + jsonString(rest) + "}"
            headers.append(.init("content-type", "application/json"))
        } else if line.hasPrefix("[header:"), let close = line.firstIndex(of: "]") {
            let name = String(line[line.index(line.startIndex, offsetBy: 8)..<close])
            var value = line[line.index(after: close)...]
            if value.first == " " { value = value.dropFirst() }
            headers.append(.init(name, String(value)))
        } else if line.hasPrefix("[body:"), let close = line.firstIndex(of: "]") {
            let type = String(line[line.index(line.startIndex, offsetBy: 6)..<close])
            var value = line[line.index(after: close)...]
            if value.first == " " { value = value.dropFirst() }
            (method, body) = ("POST", String(value))
            headers.append(.init("content-type", type))
        } else if let rest = tagged("[request]") {
            let parts = rest.components(separatedBy: "\n\n")
            let head = parts[0].components(separatedBy: "\n")
            body = parts.dropFirst().joined(separator: "\n\n")
            let requestLine = head[0]
            if let space = requestLine.lastIndex(of: " ") {
                method = String(requestLine[..<space])
                path = String(requestLine[requestLine.index(after: space)...])
            }
            for field in head.dropFirst() {
                guard let colon = field.firstIndex(of: ":") else { continue }
                var value = field[field.index(after: colon)...]
                if value.first == " " { value = value.dropFirst() }
                headers.append(.init(String(field[..<colon]), String(value)))
            }
        } else {
            let entry = Corpus.entries(from: line)
            path = "/api/v1/search?" + entry.field + "=" + percentEncoded(entry.value)
        }
        if !headers.contains(where: { $0.name.lowercased() == "user-agent" }) {
            headers.append(.init("user-agent", browser))
        }
        if !headers.contains(where: { $0.name.lowercased() == "accept" }) {
            headers.append(.init("accept", "application/json"))
        }
        return CaptureRecord(
            id: "c", ts: 0, clientIP: "203.0.113.7", method: method, host: "api.example.com", rawPath: path,
            headers: headers, body: Array(body.utf8))
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// The benign corpus files: `benign.txt` and every `benign-*.txt` next to it.
    static func benignFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Corpus.directory.path)) ?? []
        return names.filter { $0.hasPrefix("benign") && $0.hasSuffix(".txt") }.sorted()
    }
}

extension Corpus {
    /// One `[field:NAME] VALUE` or bare line as an entry.
    static func entries(from line: String) -> Entry {
        if line.hasPrefix("[field:"), let close = line.firstIndex(of: "]") {
            let field = String(line[line.index(line.startIndex, offsetBy: 7)..<close])
            var rest = line[line.index(after: close)...]
            if rest.first == " " { rest = rest.dropFirst() }
            return Entry(field: field, value: String(rest))
        }
        return Entry(field: "q", value: line)
    }
}
