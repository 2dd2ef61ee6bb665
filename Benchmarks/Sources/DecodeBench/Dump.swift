import BenchTraffic
import Foundation
import PalisadeDetect

/// `DecodeBench --dump OUT REPO`: writes the full decode of the bench corpus, the golden decode
/// fixtures and every detector corpus line (as query, header, cookie, JSON body and raw body) to
/// OUT — every point (location, segment, parent, kind, depth, container, decoder, value bytes,
/// context) and every annotation — so two builds can be compared byte for byte.
enum Dump {
    static func hex(_ bytes: some Collection<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func render(_ decoded: DecodedRequest, into out: inout String) {
        for index in decoded.points.indices {
            let point = decoded.points[index]
            let context = index < decoded.contexts.count ? decoded.contexts[index] : nil
            out += "P\(index) parent=\(point.parent) loc=\(decoded.location(of: index)) seg=\(point.segment)"
            out += " kind=\(point.kind) depth=\(point.depth) container=\(point.isContainer)"
            out += " decoder=\(point.decoder ?? "-") value=\(hex(point.value))"
            if let context {
                out += " ctx.source=\(context.source) ctx.ct=\(context.contentType ?? "-")"
                out +=
                    " ctx.field=\(context.fieldName ?? "-") ctx.depth=\(context.depth) ctx.declared=\(context.declared)"
            }
            out += " source=\(decoded.source(of: index)) field=\(decoded.fieldName(of: index) ?? "-")\n"
        }
        for annotation in decoded.annotations {
            out +=
                "A \(annotation.code) point=\(annotation.point) detail=\(annotation.detail) value=\(annotation.value)\n"
        }
        out += "L \(decoded.limitHits.map(\.rawValue).sorted())\n"
    }

    static func records(repo: String) -> [(String, CaptureRecord)] {
        var out: [(String, CaptureRecord)] = []
        for (index, record) in Traffic.mixed(count: 2_000).enumerated() { out.append(("bench \(index)", record)) }
        let golden = repo + "/Tests/PalisadeCoreTests/Fixtures/golden"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: golden)) ?? []).filter {
            $0.hasSuffix(".json")
        }.sorted()
        for name in names {
            guard let data = FileManager.default.contents(atPath: golden + "/" + name),
                let json = try? JSONReader().parse(Array(data)),
                let record = try? CaptureRecord.from(json: json, now: 0, makeID: { "golden" })
            else { fatalError("golden \(name)") }
            out.append(("golden \(name)", record))
        }
        let corpus = repo + "/Tests/PalisadeDetectTests/Corpus"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: corpus)) ?? []).sorted()
        for file in files {
            guard let text = try? String(contentsOfFile: corpus + "/" + file, encoding: .utf8) else { continue }
            for (number, line) in text.split(separator: "\n").enumerated() where !line.hasPrefix("##") {
                let value = String(line)
                let escaped = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
                let jsonValue = JSONWriter.quoted(value)
                let tag = "\(file):\(number)"
                out.append(
                    (
                        tag + " query",
                        CaptureRecord(
                            id: "c", ts: 0, method: "GET", rawPath: "/a/\(escaped)/b?q=\(escaped)&raw=\(value)",
                            headers: [.init("X-Data", value), .init("Cookie", "s=\(value); t=\(escaped)")])
                    ))
                func post(_ kind: String, contentType: String?, body: String) {
                    let headers: [CaptureRecord.Header] = contentType.map { [.init("Content-Type", $0)] } ?? []
                    let record = CaptureRecord(
                        id: "c", ts: 0, method: "POST", rawPath: "/p", headers: headers, body: Array(body.utf8))
                    out.append((tag + " " + kind, record))
                }
                post(
                    "json", contentType: "application/json",
                    body: "{\"q\":\(jsonValue),\"a\":[\(jsonValue),1,true,null]}")
                post("raw", contentType: nil, body: value)
                post("form", contentType: "application/x-www-form-urlencoded", body: "q=\(escaped)&r=\(value)")
            }
        }
        return out
    }

    static func run(output: String, repo: String) {
        var limits = DecodeLimits.default
        limits.timeBudgetMicros = 60_000_000
        let decoder = RequestDecoder(limits: limits)
        var text = ""
        let records = records(repo: repo)
        for (tag, record) in records {
            text += "== \(tag)\n"
            render(decoder.decode(record), into: &text)
        }
        guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
            fatalError("cannot write \(output)")
        }
        print("dumped \(records.count) requests to \(output)")
    }
}
