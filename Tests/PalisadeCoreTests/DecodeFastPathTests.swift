import Testing

@testable import PalisadeCore

/// The decode engine's shortcuts must give exactly what the plain code gives: sniff gates never
/// turn away a value their decoder would take, byte-level content-type matching and path
/// templates agree with their `String` forms, and locations are joined as `+` would join them.
@Suite struct DecodeFastPathTests {
    /// Values that exercise every sniffer and its rejections: each sniffer's own formats, their
    /// prefixes and near misses, whitespace, BOMs and random bytes.
    static let samples: [[UInt8]] = {
        var samples: [[UInt8]] = [
            "plain", "HS256", "1763700000", "user-12345", "a%20b", "%", "%2", "%41", "%u0041", "a&amp;b", "&lt",
            "&#39;", "a\\nb", "\\u0041", "\\", "{\"a\":1}", "  {\"a\":[1,2]}  ", "[1,2,3]", "{}", "[]", "{",
            "<a>x</a>", "  <?xml version=\"1.0\"?><r/>", "\u{FEFF}<r>x</r>", "<b>bold</b>", "query { a }",
            "{ viewer { id } }", "mutation M { x }", "subscription { s }", "fragment F on T { a }", "queryx",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "Bearer eyJhbGciOiJub25lIn0.eyJhIjoxfQ.",
            "bearer eyJhbGciOiJub25lIn0.eyJhIjoxfQ.", "eyJhbGciOiJIUzI1NiJ9", "dGhpcyBpcyBhIHRlc3Q=",
            "eyJhdXRob3IiOiJhZGEifQ==", "data:text/plain;base64,aGVsbG8=", "aGVsbG8gd29ybGQ", "c2lnbmF0dXJl",
            "SGVsbG8-_w", "!!!!!!!!!!", "\t\n {\"k\":\"v\"}", " ", "\u{0B}{\"a\":1}",
        ].map { Array($0.utf8) }
        // Binary: gzip, zlib, protobuf-looking bytes.
        samples.append([0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0x03, 0x4B, 0x04, 0x00])
        samples.append([0x78, 0x9C, 0x4B, 0x04, 0x00, 0x00, 0x62, 0x00, 0x62])
        samples.append([0x08, 0x96, 0x01, 0x12, 0x03, 0x61, 0x62, 0x63])
        samples.append([0x0A, 0x02, 0xFF, 0xFE])
        samples.append(Inflate.compress(Array("hello hello hello".utf8), format: .gzip) ?? [])
        samples.append(Inflate.compress(Array("{\"a\":\"zlib\"}".utf8), format: .zlib) ?? [])
        // Deterministic random bytes and random printable text.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        for length in 1...48 {
            samples.append((0..<length).map { _ in UInt8(truncatingIfNeeded: next()) })
            samples.append((0..<length).map { _ in UInt8(32 + next() % 95) })
        }
        return samples
    }()

    @Test func sniffGatesNeverRejectWhatTheirDecoderAccepts() {
        let registry = DecoderRegistry.standard
        for value in Self.samples {
            let admitted = value.withUnsafeBufferPointer { registry.table.admitted($0) }
            for (position, sniffer) in registry.sniffers.enumerated() {
                var budget = DecodeBudget(limits: .default)
                let decoded = sniffer.decode(value[...], context: DecodeContext(source: .query), budget: &budget)
                let gate = value.withUnsafeBufferPointer { registry.sniffGates[position].admits($0) }
                let indexed = admitted & (1 << UInt64(position)) != 0
                // The compiled index and the gate agree; neither turns away an accepted value.
                #expect(gate == indexed, "\(sniffer.name) on \(value)")
                if decoded != nil {
                    #expect(gate, "\(sniffer.name) accepts \(value) but its gate rejects it")
                }
            }
        }
    }

    @Test func sniffGatesTurnAwayPlainWords() {
        let registry = DecoderRegistry.standard
        // `HS256` is 5 bytes: too short for Base64; protobuf needs a byte that is not printable
        // ASCII (a sniffed message is never mostly text).
        func admitted(_ text: String) -> [String] {
            let admitted = Array(text.utf8).withUnsafeBufferPointer { registry.table.admitted($0) }
            return registry.sniffers.enumerated().filter { admitted & (1 << UInt64($0.offset)) != 0 }.map {
                $0.element.name
            }
        }
        #expect(admitted("HS256") == [])
        #expect(admitted("user\u{01}") == ["protobuf"])
        #expect(admitted("user\u{E9}") == ["protobuf"])
    }

    @Test(arguments: [
        "application/json", "Application/JSON; charset=utf-8", "  text/xml ;x=1", "application/vnd.api+json",
        "application/problem+XML", "multipart/form-data; boundary=b", "MULTIPART/MIXED", "application/grpc-web+proto",
        "application/x-ndjson", "application/jsonl", "text/plain", "", ";", "application/json2", "json",
        "\tapplication/x-www-form-urlencoded\t", "application/vnd.google.protobuf", "application/graphql;",
    ])
    func contentTypeBytesMatchTheStringRules(contentType: String) {
        #expect(RequestDecoder.decoderName(forContentType: contentType) == Self.referenceDecoderName(contentType))
    }

    /// The former `String` implementation.
    static func referenceDecoderName(_ contentType: String) -> String? {
        let essence = Bytes.lowercased(
            contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first.map {
                $0.trimmingSpaces()
            } ?? "")
        switch essence {
        case "application/x-www-form-urlencoded": return "form"
        case "multipart/form-data", "multipart/mixed", "multipart/related", "multipart/alternative": return "multipart"
        case "application/graphql": return "graphql"
        case "application/grpc", "application/grpc+proto", "application/grpc-web", "application/grpc-web+proto":
            return "grpc"
        case "application/x-protobuf", "application/protobuf", "application/vnd.google.protobuf": return "protobuf"
        default: break
        }
        if essence == "application/json" || essence.hasSuffix("+json") || essence == "text/json"
            || essence == "application/x-ndjson" || essence == "application/jsonl"
        {
            return "json"
        }
        if essence == "application/xml" || essence == "text/xml" || essence.hasSuffix("+xml") { return "xml" }
        return nil
    }

    @Test func skippedHeadersSwitchMatchesTheSet() {
        for name in RequestDecoder.skippedHeaders { #expect(RequestDecoder.isSkipped(header: name)) }
        for name in [
            "host", "user-agent", "content-type", "cookies", "t", "", "ta", "upgrades", "accept", "connectio",
            "content-lengths", "transfer-encodinG", "keep_alive",
        ] {
            #expect(!RequestDecoder.isSkipped(header: name))
        }
    }

    @Test func headerRootLocationsMatchTheirBuiltForm() {
        for name in RequestDecoder.headerSegments.keys {
            #expect(RequestDecoder.headerSegment(name) == LocationPath.appending(key: name, to: "header"))
        }
        for name in ["x-custom", "we ird", "caf\u{E9}", "", String(repeating: "k", count: 70)] {
            #expect(RequestDecoder.headerSegment(name) == LocationPath.appending(key: name, to: "header"))
        }
    }

    @Test(arguments: [
        "[1]", "[0][2]", "[12345]", "[]", "[x]", "[1", "1]", "[1]]", "[[1]", "[-1]", "[1].a", ".a[0]", ".a[0][1]",
        "[\"k\"]", ".a[\"k\"][3]", ";jsessionid", ".json.items[0].filter", ">base64", ".a>json", "", ".", "[1]x",
        "x[1]", ".q", "{header}.alg", "[0]>url",
    ])
    func lastKeyMatchesThePlainReading(segment: String) {
        #expect(DecodedRequest.lastKey(in: segment) == DecodedRequest.lastKeyStrippingIndices(segment))
    }

    @Test func substringBytesMatchTheirUTF8() {
        let text = "/v1/caf\u{E9}/x?q=\u{1F600}&a=b"
        for start in [0, 1, 5, 9] {
            let substring = text.utf8.dropFirst(start)
            let piece = Substring(substring)
            #expect(RequestDecoder.bytes(piece) == Array(piece.utf8))
        }
        #expect(RequestDecoder.bytes(""[...]).isEmpty)
    }

    @Test(arguments: [
        "/v1/users/42/orders/550e8400-e29b-41d4-a716-446655440000", "/v2/reports/2025-11-21", "", "/", "//",
        "/a/", "/v1/users/me", "/u/ada@example.com/x", "/t/abcdefghij0123456789xyz", "/h/0123456789abcdef0123",
        "/caf\u{E9}/42", "/x/\u{301}42", "relative/7", "/v1/search?q=1",
    ])
    func pathTemplateOverBytesMatchesTheCharacterForm(path: String) {
        // `Substring` and `String` inputs take the byte path; the reference splits by Character.
        var reference = ""
        for (i, segment) in path.split(separator: "/", omittingEmptySubsequences: false).enumerated() {
            if i > 0 { reference += "/" }
            reference += PathTemplate.placeholder(for: segment) ?? String(segment)
        }
        if reference.isEmpty { reference = "/" }
        #expect(PathTemplate.template(for: path) == reference)
        #expect(PathTemplate.template(for: path[...]) == reference)
    }

    @Test(arguments: [
        "/v1/users/42?expand=1", "/v1/users/me?a=1#frag", "/x/2025-11-21#top", "?q=1", "#f", "", "/",
        "/v1/search?q=1%27%20UNION&sort=desc", "/caf\u{E9}/42?x=\u{E9}", "/x/\u{301}42?y", "/a?b?c", "/a#b?c",
        "/u/ada@example.com/550e8400-e29b-41d4-a716-446655440000?z", "relative/7?x=1",
    ])
    func pathTemplateOfTheRawPathIsThatOfThePathPart(rawPath: String) {
        // The analyzer's form (the raw path read in place) against `CaptureRecord.path`'s substring.
        let record = CaptureRecord(id: "r", ts: 0, method: "GET", rawPath: rawPath)
        #expect(PathTemplate.template(forRawPath: rawPath) == PathTemplate.template(for: record.path))
        #expect(PathTemplate.template(forRawPath: rawPath) == PathTemplate.template(for: String(record.path)))
    }

    @Test func locationsJoinLikeConcatenation() {
        #expect(LocationPath.joined("a", "", "") == "a")
        #expect(LocationPath.joined("", "b") == "b")
        #expect(LocationPath.joined(">jwt", "{header}.alg") == ">jwt{header}.alg")
        #expect(
            LocationPath.joined("[\"", "a long key with spaces in it", "\"]") == "[\"a long key with spaces in it\"]")
        #expect(LocationPath.joined("caf\u{E9}", ".", "\u{1F600}") == "caf\u{E9}.\u{1F600}")
        for index in [0, 1, 9, 10, 99, 100, 12_345, Int.max, -1, -20] {
            #expect(LocationPath.index(index) == "[" + String(index) + "]")
            #expect(LocationPath.joined(path: ".items", index: index) == ".items[" + String(index) + "]")
        }
        #expect(LocationPath.appending(key: "user-agent", to: "header") == "header.user-agent")
        #expect(LocationPath.appending(key: "we\"ird", to: ".a") == ".a[\"we\\\"ird\"]")
        #expect(LocationPath.isPlain("user_agent-1:$@") && !LocationPath.isPlain("a b") && !LocationPath.isPlain(""))
        #expect(!LocationPath.isPlain(String(repeating: "k", count: 65)))
    }

    @Test func decoderNamesRoundTripThroughTheirIds() {
        // Every registered decoder's name, the literals `name(of:)` switches over included.
        let names = Array(DecoderRegistry.standard.byName.keys) + DecoderName.standard
        for name in names {
            #expect(DecoderName.name(of: DecoderName.id(for: name)) == name)
            var point = Point(parent: -1, segment: "", value: [], kind: .text, depth: 0, decoder: name)
            #expect(point.decoder == name)
            point.decoder = nil
            #expect(point.decoder == nil && point.decoderID == 0)
        }
        #expect(Set(DecoderRegistry.standard.byName.keys) == Set(DecoderName.standard))
        // A name no shipped decoder has gets its own id, the same on every use.
        let custom = "custom-decoder-\(UInt64.random(in: 0...UInt64.max))"
        let id = DecoderName.id(for: custom)
        #expect(id > UInt16(DecoderName.standard.count) && DecoderName.id(for: custom) == id)
        #expect(DecoderName.name(of: id) == custom)
        #expect(Point(parent: 0, segment: ".a", value: [1], kind: .text, depth: 1, decoder: custom).decoder == custom)
    }

    @Test func aChildKeepsItsDeclaredContentType() {
        var child = Child(path: ".part", value: [1], contentType: "application/json", fieldName: "part")
        #expect(child.contentType == "application/json" && child.fieldName == "part")
        #expect(child == Child(path: ".part", value: [1], contentType: "application/json", fieldName: "part"))
        #expect(child != Child(path: ".part", value: [1], contentType: "text/plain", fieldName: "part"))
        child.contentType = nil
        #expect(child.contentType == nil && child == Child(path: ".part", value: [1], fieldName: "part"))
    }

    /// Segments are stored as the decoder's child path and rendered from the decoder's name on
    /// demand: every reader must see what a stored, joined segment would have shown.
    @Test func segmentsRenderedOnDemandReadLikeJoinedStrings() {
        let record = CaptureRecord(
            id: "s", ts: 0, method: "POST", rawPath: "/a/b?q=%2541&x=1&__p=1",
            headers: [
                .init("Content-Type", "application/json"), .init("Cookie", "s=eyJhIjoxfQ; t=x"),
                .init("X-Data", "{\"$where\":\"1\",\"__proto__\":{\"a\":1}}"),
            ],
            body: Array(
                #"{"items":[{"filter":"eyJxIjoiYSJ9"}],"we ird":"v","$gt":"1","constructor":{"prototype":{"b":1}},"__p":2}"#
                    .utf8))
        let decoded = RequestDecoder().decode(record)
        #expect(decoded.points.count > 10)
        var sniffed = 0
        var declared = 0
        for index in decoded.points.indices {
            let point = decoded.points[index]
            let segment = point.segment
            let bytes = Array(segment.utf8)
            // The same segment stored plainly: what the engine built before.
            let plain = Point(
                parent: point.parent, segment: segment, value: point.value, kind: point.kind, depth: point.depth,
                isContainer: point.isContainer, decoder: point.decoder)
            #expect(plain == point && plain.segment == segment)
            #expect(point.segmentFirstByte == bytes.first)
            #expect(decoded.segmentUTF8Count(of: index) == bytes.count)
            for byte in Set(bytes + Array("$_.>[]xyz".utf8)) {
                #expect(decoded.segment(of: index, contains: byte) == bytes.contains(byte))
            }
            #expect(decoded.withSegmentUTF8(of: index) { Array($0) == bytes })
            #expect(decoded.segmentHints(of: index) == Self.hints(of: bytes), "hints of \(segment)")
            // The location is the concatenation of the segments from the root.
            var joined = ""
            var current = index
            while current >= 0 {
                joined = decoded.points[current].segment + joined
                current = Int(decoded.points[current].parent)
            }
            #expect(decoded.location(of: index) == joined)
            if segment.hasPrefix(">") { sniffed += 1 }
            if segment.hasPrefix(".json") { declared += 1 }
        }
        #expect(sniffed > 0 && declared > 0)
        #expect(decoded.value(at: "body.json.items[0].filter>base64>json.q") == "a")
        // Setting a segment or the decoder keeps what is rendered consistent.
        let index = decoded.points.firstIndex { $0.segment.hasPrefix(">") }!
        var point = decoded.points[index]
        let before = point.segment
        point.decoder = "custom-\(index)"
        #expect(point.segment == before)
        point.segment = ".renamed"
        #expect(point.segment == ".renamed" && point.segmentFirstByte == UInt8(ascii: "."))
        #expect(SegmentHints(rawValue: point.segmentHints) == [])
        point.segment = ".x.__proto__"
        #expect(SegmentHints(rawValue: point.segmentHints) == .protoTrigram)
        let hinted = decoded.points.indices.filter { decoded.segmentHints(of: $0) != [] }.map {
            decoded.points[$0].segment
        }
        #expect(
            hinted.contains(">json.__proto__.a") && hinted.contains(".json.constructor.prototype.b")
                && hinted.contains(".json.$gt") && hinted.contains(".json.__p"), "\(hinted)")
        // `query.__p`'s segment is `.__p`: under 9 bytes, no trigram hint.
        #expect(decoded.points.contains { $0.segment == ".__p" } && !hinted.contains(".__p"), "\(hinted)")
    }

    /// `SegmentHints` read across the pieces a segment is made of: a trigram split between the
    /// decoder's name and the key, or between the marker and the name, is found.
    @Test func segmentHintsSpanTheDecoderNameAndTheKey() {
        let cases: [(name: String, key: String)] = [
            ("xc", "to.prototype"), ("x_", "_proto__.a"), ("abc", "tor"), ("c", "to-long-key"), ("_", "proto__x"),
            ("json", ".$ne"), ("a$", ".b"), ("json", ".plain-key-name"), ("t", "o"), ("ct", "o"),
        ]
        for (name, key) in cases {
            let id = DecoderName.id(for: name)
            for marker in [Point.declared, Point.sniffed] {
                let point = Point(parent: 0, key: key, marker: marker, value: [], kind: .text, depth: 1, decoderID: id)
                let rendered = Array(point.segment.utf8)
                #expect(SegmentHints(rawValue: point.segmentHints) == Self.hints(of: rendered), "\(point.segment)")
            }
        }
    }

    /// The plain reading of `SegmentHints` over a rendered segment.
    static func hints(of bytes: [UInt8]) -> SegmentHints {
        var hints: SegmentHints = []
        if bytes.contains(UInt8(ascii: "$")) { hints.insert(.dollar) }
        let text = String(decoding: bytes, as: UTF8.self)
        if bytes.count >= 9, text.contains("__p") || text.contains("cto") { hints.insert(.protoTrigram) }
        return hints
    }

    /// `headerPoints`: each header of the record to the root point holding its value, -1 for those
    /// without one (an empty value, `Cookie`, framing headers).
    @Test func headerPointsMapHeadersToTheirRoots() {
        let record = CaptureRecord(
            id: "h", ts: 0, method: "GET", rawPath: "/a?b=1",
            headers: [
                .init("User-Agent", "curl/8.0"), .init("Cookie", "s=1"), .init("Content-Length", "0"),
                .init("X-Empty", ""), .init("Accept", "*/*"), .init("accept", "text/html"),
            ])
        let decoded = RequestDecoder().decode(record)
        #expect(decoded.headerPoints.count == record.headers.count)
        #expect(decoded.headerPoints[1] == -1 && decoded.headerPoints[2] == -1 && decoded.headerPoints[3] == -1)
        for position in [0, 4, 5] {
            let point = decoded.headerPoints[position]
            #expect(point >= 0 && decoded.points[point].parent == -1)
            #expect(decoded.points[point].text == record.headers[position].value)
            #expect(decoded.location(of: point) == "header." + record.headers[position].name.lowercased())
        }
        #expect(Array(filling: 7, count: 3) == [7, 7, 7] && [Int](filling: 1, count: 0).isEmpty)
    }
}
