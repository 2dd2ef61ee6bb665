import Testing

@testable import PalisadeCore

/// The engine: roots, declared vs sniffed decoders, locations, and every limit.
@Suite struct RequestDecoderTests {
    func record(
        _ method: String = "POST", _ path: String = "/", headers: [(String, String)] = [], body: String = ""
    ) -> CaptureRecord {
        CaptureRecord(
            id: "t", ts: 0, method: method, rawPath: path, headers: headers.map { .init($0.0, $0.1) },
            body: Array(body.utf8))
    }

    /// JSON text nested `levels` times as a string inside JSON: {"a":"{\"a\":\"…\"}"}.
    func nestedJSON(levels: Int, leaf: String = "x") -> String {
        var text = JSONWriter.quoted(leaf)
        for _ in 0..<levels {
            var w = JSONWriter()
            w.beginObject()
            w.key("a")
            w.raw(text)
            w.endObject()
            text = JSONWriter.quoted(w.output)
        }
        // Unwrap the outermost string: the body is the object itself.
        guard case .string(let body) = try! JSONReader().parse(Array(text.utf8)) else { return "" }
        return body
    }

    @Test func buildsRootsForPathQueryHeadersCookiesAndBody() {
        let decoded = RequestDecoder().decode(
            record(
                "POST", "/v1/users/42?expand=1",
                headers: [
                    ("User-Agent", "curl/8"), ("Content-Length", "7"), ("Cookie", "a=1"), ("X Weird", "v"),
                    ("content-type", "application/json"),
                ],
                body: #"{"k":"v"}"#))
        #expect(decoded.value(at: "path") == "/v1/users/42")
        #expect(decoded.value(at: "query") == "expand=1")
        #expect(decoded.value(at: "header.user-agent") == "curl/8")
        #expect(decoded.value(at: "header[\"x weird\"]") == "v")
        #expect(decoded.points(at: "header.content-length").isEmpty)
        #expect(decoded.value(at: "cookie") == "a=1")
        #expect(decoded.value(at: "body.json.k") == "v")
        let body = decoded.points(at: "body")[0]
        #expect(decoded.points[body].isContainer)
        #expect(decoded.source(of: decoded.points(at: "body.json.k")[0]) == .body)
        #expect(decoded.fieldName(of: decoded.points(at: "body.json.k")[0]) == "k")
        #expect(decoded.source(of: decoded.points(at: "header.user-agent")[0]) == .header)
    }

    @Test func sniffsNestedJSONAndRecordsTheChain() {
        let decoded = RequestDecoder().decode(
            record(headers: [("content-type", "application/json")], body: nestedJSON(levels: 3, leaf: "deep")))
        #expect(decoded.value(at: "body.json.a>json.a>json.a") == "deep")
        let leaf = decoded.points(at: "body.json.a>json.a>json.a")[0]
        #expect(decoded.points[leaf].depth == 3)
        #expect(decoded.limitHits.isEmpty)
    }

    @Test func keysThatAreNotIdentifiersBecomePoints() {
        let decoded = RequestDecoder().decode(
            record(headers: [("content-type", "application/json")], body: #"{"user":{"$ne":1},"__proto__":{"x":1}}"#))
        let keyPoints = decoded.points.indices.filter { decoded.points[$0].kind == .key }
        #expect(keyPoints.map { decoded.points[$0].text } == ["$ne"])
        #expect(decoded.location(of: keyPoints[0]) == "body.json.user.$ne")
        #expect(decoded.value(at: "body.json.__proto__.x") == "1")
    }

    @Test func depthLimitStopsTheMatryoshka() {
        var limits = DecodeLimits()
        limits.maxDepth = 4
        let decoded = RequestDecoder(limits: limits).decode(
            record(headers: [("content-type", "application/json")], body: nestedJSON(levels: 12)))
        #expect(decoded.limitHits == [.depth])
        #expect(decoded.annotations(.limitDepth).count == 1)
        #expect(decoded.points.allSatisfy { Int($0.depth) <= 4 })
    }

    @Test func pointLimitBoundsHugeDocuments() {
        var limits = DecodeLimits()
        limits.maxPoints = 100
        let body = "[" + (0..<10_000).map { "\"v\($0)\"" }.joined(separator: ",") + "]"
        let decoded = RequestDecoder(limits: limits).decode(record(headers: [("content-type", "application/json")], body: body))
        #expect(decoded.points.count == 100)
        #expect(decoded.limitHits.contains(.points))
        #expect(!decoded.annotations(.limitPoints).isEmpty)
    }

    @Test func decodedByteLimit() {
        var limits = DecodeLimits()
        limits.maxDecodedBytes = 1000
        let body = "[" + (0..<100).map { _ in "\"" + String(repeating: "x", count: 50) + "\"" }.joined(separator: ",") + "]"
        let decoded = RequestDecoder(limits: limits).decode(record(headers: [("content-type", "application/json")], body: body))
        #expect(decoded.limitHits.contains(.bytes))
    }

    @Test func bodyByteLimitCutsTheBody() {
        var limits = DecodeLimits()
        limits.maxBodyBytes = 10
        let decoded = RequestDecoder(limits: limits).decode(record(body: String(repeating: "a", count: 100)))
        #expect(decoded.value(at: "body")?.utf8.count == 10)
        #expect(decoded.limitHits == [.bodyBytes])
    }

    @Test func timeBudgetIsEnforced() {
        var limits = DecodeLimits()
        limits.timeBudgetMicros = 0
        let body = "[" + (0..<2_000).map { "\"{\\\"a\\\":\($0)}\"" }.joined(separator: ",") + "]"
        let decoded = RequestDecoder(limits: limits).decode(record(headers: [("content-type", "application/json")], body: body))
        #expect(decoded.limitHits.contains(.time))
        #expect(decoded.points.count < 4_000)
    }

    @Test func hostileDeepJSONIsBoundedAndFlagged() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let decoded = RequestDecoder().decode(record(headers: [("content-type", "application/json")], body: deep))
        #expect(decoded.limitHits.contains(.structureDepth))
        #expect(decoded.elapsedNanos < 5_000_000_000)
    }

    @Test func declaredBodyThatDoesNotParseIsSniffedAndFlagged() {
        let decoded = RequestDecoder().decode(
            record(headers: [("content-type", "application/json")], body: "plain words, not json"))
        #expect(!decoded.annotations(.contentTypeMismatch).isEmpty)
        #expect(decoded.value(at: "body") == "plain words, not json")
    }

    @Test(arguments: [
        ("application/json; charset=utf-8", "json"), ("application/vnd.api+json", "json"),
        ("application/x-www-form-urlencoded", "form"), ("multipart/form-data; boundary=x", "multipart"),
        ("text/xml", "xml"), ("application/soap+xml", "xml"), ("application/graphql", "graphql"),
        ("application/grpc+proto", "grpc"), ("application/x-protobuf", "protobuf"),
    ])
    func contentTypes(contentType: String, decoder: String) {
        #expect(RequestDecoder.decoderName(forContentType: contentType) == decoder)
    }

    @Test func unknownContentTypeIsNotDeclared() {
        #expect(RequestDecoder.decoderName(forContentType: "text/plain") == nil)
        #expect(RequestDecoder.decoderName(forContentType: "") == nil)
    }

    @Test func locationPathQuotesOddKeys() {
        #expect(LocationPath.key("q") == ".q")
        #expect(LocationPath.key("a b") == "[\"a b\"]")
        #expect(LocationPath.key("x\"y\n") == "[\"x\\\"y\\n\"]")
        #expect(LocationPath.index(3) == "[3]")
        #expect(DecodedRequest.lastKey(in: ".json.items[0].filter") == "filter")
        #expect(DecodedRequest.lastKey(in: ".json[\"a b\"]") == "a b")
        #expect(DecodedRequest.lastKey(in: ">base64") == nil)
    }
}
