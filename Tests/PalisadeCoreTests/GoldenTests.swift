import Foundation
import Testing

@testable import PalisadeCore

/// Golden decode trees for the nested cases: each `Fixtures/golden/NAME.json` capture record is
/// decoded and its tree (location, kind, value) must equal `NAME.golden` line for line.
/// Regenerate with `PALISADE_UPDATE_GOLDEN=1 swift test --filter GoldenTests`, then review the diff:
/// the golden files are the contract for locations.
@Suite struct GoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/golden")

    static var cases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    static func render(_ decoded: DecodedRequest) -> String {
        var lines: [String] = []
        for index in decoded.points.indices {
            let point = decoded.points[index]
            let value: String
            if point.kind == .binary {
                value = "<\(point.value.count) bytes>"
            } else {
                value = JSONWriter.quoted(String(decoding: point.value.prefix(200), as: UTF8.self))
            }
            lines.append("\(decoded.location(of: index))\t\(point.kind)\(point.isContainer ? " container" : "")\t\(value)")
        }
        for annotation in decoded.annotations {
            let at = annotation.point >= 0 ? decoded.location(of: Int(annotation.point)) : "request"
            lines.append("! \(annotation.code) at \(at) \(annotation.detail) \(annotation.value)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func thereAreGoldenCases() {
        #expect(Self.cases.count >= 7)
    }

    @Test(arguments: cases)
    func decodesToTheGoldenTree(name: String) throws {
        let input = try Data(contentsOf: Self.directory.appendingPathComponent(name + ".json"))
        let json = try JSONReader().parse(Array(input))
        let record = try CaptureRecord.from(json: json, now: 0, makeID: { "golden" })
        let rendered = Self.render(RequestDecoder().decode(record))
        let goldenURL = Self.directory.appendingPathComponent(name + ".golden")
        if ProcessInfo.processInfo.environment["PALISADE_UPDATE_GOLDEN"] == "1" {
            try rendered.write(to: goldenURL, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: goldenURL, encoding: .utf8)
        #expect(rendered == expected, "decode tree of \(name) changed; rerun with PALISADE_UPDATE_GOLDEN=1 and review")
    }

    /// The locations the issue names, asserted directly (independent of the golden snapshots).
    @Test(arguments: [
        ("xml-in-base64-in-json", "body.json.items[0].doc>base64>xml.order.filter", "1 OR 1=1"),
        ("xml-in-base64-in-json", "body.json.items[0].doc>base64>xml.order@id", "7"),
        ("json-in-form-in-multipart", "body.multipart.payload.form.q>json.search", "it's here"),
        ("json-in-form-in-multipart", "body.multipart.upload", "root:x:0:0"),
        ("graphql-variables", "body.json.query>graphql.user.posts(filter).tag", "x"),
        ("graphql-variables", "body.json.query>graphql.$f", "new"),
        ("graphql-variables", "body.json.variables.f", "draft"),
        ("grpc-protobuf-strings", "body.grpc[0].1.2", "robert'); DROP TABLE students;--"),
        ("grpc-protobuf-strings", "body.grpc[0].1.1", "150"),
        ("grpc-protobuf-strings", "body.grpc[0].3", "plain string"),
        ("jwt-claims-in-cookie", "cookie.session>jwt.sub", "user-42"),
        ("jwt-claims-in-cookie", "cookie.session>jwt.org.id", "acme"),
        ("jwt-claims-in-cookie", "cookie.session>jwt{header}.alg", "HS256"),
        ("gzip-in-base64", "body.json.payload>base64>gzip>json.cmd", "ls -la; cat /etc/passwd"),
        ("query-path-double-encoding", "query.name>url", "<script>"),
        ("query-path-double-encoding", "path[2]>url", "../../etc/passwd"),
        ("query-path-double-encoding", "path[1];jsessionid", "abc"),
        ("query-path-double-encoding", "query.tags", "a"),
    ])
    func namedLocations(name: String, location: String, value: String) throws {
        let input = try Data(contentsOf: Self.directory.appendingPathComponent(name + ".json"))
        let record = try CaptureRecord.from(json: try JSONReader().parse(Array(input)), now: 0)
        let decoded = RequestDecoder().decode(record)
        #expect(
            decoded.value(at: location) == value,
            "\(name): \(location)\n\(Self.render(decoded))")
    }
}
