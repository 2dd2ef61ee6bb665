import Foundation
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
            "data:application/json;base64,eyJhIjoxfQ==", "DATA:text/plain;charset=utf-8;base64,aGk=",
            "data:text/plain; charset=utf-8;base64,aGVsbG8=", "dGhpcyBpcyBhIHRlc3Q= ", "aGVsbG8gd29ybGQ=\n",
            "＜script＞", "（株）テスト", "a%41＜b\\x41&amp;c", "%EF%BC%9C", "＂&lt;＂",
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
        // No bit past the last sniffer either: the engine skips a value whose mask is 0.
        #expect(Array("HS256".utf8).withUnsafeBufferPointer { registry.table.admitted($0) } == 0)
        #expect(Array("plain words here".utf8).withUnsafeBufferPointer { registry.table.admitted($0) } == 0)
        #expect(admitted("user\u{01}") == ["protobuf"])
        #expect(admitted("user\u{E9}") == ["protobuf"])
        // Base64 takes nothing but its alphabets and `=`, except a `data:` URI.
        #expect(!admitted("Mozilla/5.0 (X11; Linux x86_64)").contains("base64"))
        #expect(!admitted("2026-11-22T10:51:22Z").contains("base64"))
        #expect(admitted("dGhpcyBpcyBhIHRlc3Q=").contains("base64"))
        #expect(admitted("SGVsbG8-_w==").contains("base64"))
        #expect(admitted("data:text/plain;base64,aGVsbG8=").contains("base64"))
        #expect(admitted("Data:text/plain;base64,aGVsbG8=").contains("base64"))
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

    /// The header table answers as the plain reading does: the lowercase name compared with each
    /// list, the location built with `LocationPath`, the hints worked out from that location.
    @Test func headerTableMatchesThePlainReading() {
        let roots = HeaderRoots.standard
        var names = HeaderRoots.rootNames + HeaderRoots.skippedNames + ["cookie"]
        names += names.map { $0.uppercased() } + names.map { $0.prefix(1).uppercased() + $0.dropFirst() }
        names += [
            "host", "user-agent", "cookies", "t", "", "ta", "upgrades", "connectio", "content-lengths",
            "transfer-encodinG", "keep_alive", "x-custom", "we ird", "caf\u{E9}", "CAF\u{C9}",
            String(repeating: "k", count: 70), "Content-Type", "x-$where", "__proto__-x",
        ]
        for name in names {
            let lowercase = Bytes.lowercased(name)
            let entry = roots.entry(for: name)
            if HeaderRoots.skippedNames.contains(lowercase) {
                #expect(entry?.role == .skipped, "\(name)")
            } else if lowercase == "cookie" {
                #expect(entry?.role == .cookie, "\(name)")
            } else if HeaderRoots.rootNames.contains(lowercase) {
                let segment = LocationPath.appending(key: lowercase, to: "header")
                #expect(entry?.role == .root, "\(name)")
                #expect(entry?.name == lowercase)
                #expect(entry?.segment == segment)
                #expect(entry?.hints == Point.hints(key: segment, marker: 0, decoderID: 0))
                let noted: HeaderRoots.Noted =
                    lowercase == "content-type"
                    ? .contentType : lowercase == "content-encoding" ? .contentEncoding : .no
                #expect(entry?.noted == noted)
            } else {
                #expect(entry == nil, "\(name)")
            }
        }
    }

    /// Header roots made from the table and without it (names it does not know) are the ones
    /// the plain code makes; the first Content-Type and Content-Encoding win, in any case.
    @Test func headerRootsAreBuiltAsBefore() {
        let record = CaptureRecord(
            id: "h", ts: 0, clientIP: "127.0.0.1", method: "POST", host: "h", rawPath: "/",
            headers: [
                .init("User-Agent", "curl/8"), .init("X-Weird Name", "a"), .init("x-$where", "b"),
                .init("CONTENT-ENCODING", "identity"), .init("Content-Type", "application/json"),
                .init("content-type", "text/plain"), .init("Connection", "close"), .init("Cookie", "a=1"),
                .init("accept", ""),
            ],
            body: Array(#"{"a":"x"}"#.utf8))
        let decoded = RequestDecoder().decode(record)
        #expect(decoded.value(at: "header.user-agent") == "curl/8")
        #expect(decoded.value(at: #"header["x-weird name"]"#) == "a")
        #expect(decoded.value(at: "header.x-$where") == "b")
        #expect(decoded.value(at: "header.connection") == nil)
        #expect(decoded.value(at: "header.accept") == nil)
        #expect(decoded.value(at: "cookie.a") == "1")
        #expect(decoded.value(at: "body.json.a") == "x")
        #expect(decoded.headerPoints.map { $0 >= 0 } == [true, true, true, true, true, true, false, false, false])
        for index in decoded.points.indices {
            let point = decoded.points[index]
            #expect(
                point.segmentHints
                    == Point.hints(key: point.segmentKey, marker: point.segmentMarker, decoderID: point.decoderID))
        }
        #expect(decoded.segmentHints(of: decoded.points(at: "header.x-$where")[0]).contains(.dollar))
    }

    /// No signature starts with a byte `mayStartSignature` turns away, whatever follows it.
    @Test func signatureLeadBytesCoverEverySignature() {
        for first in 0...255 {
            let lead = UInt8(first)
            for second in 0...255 {
                var head = SIMD16<UInt8>(repeating: 0)
                head[0] = lead
                head[1] = UInt8(second)
                if DecodedContent.signature(head, count: 16) != nil {
                    #expect(DecodedContent.mayStartSignature(lead), "\(lead)")
                }
            }
        }
        #expect(DecodedContent.signature(Array("GIF89a....".utf8)) == .gif)
        #expect(!DecodedContent.mayStartSignature(UInt8(ascii: "a")))
    }

    /// `sniffContent` reads what the plain decode reads: a signature in the first bytes (a pickle
    /// also ending in STOP), else the whole output checked as text.
    @Test func base64SniffMatchesThePlainReading() {
        var rng = SplitMix64(seed: 7)
        var values: [[UInt8]] = Self.samples
        for length in [8, 12, 16, 21, 22, 24, 32, 36, 44, 64] {
            for _ in 0..<40 {
                let hex = (0..<length).map { _ in Array("0123456789abcdef-".utf8)[Int(rng.next() % 17)] }
                values.append(hex)
                let any = (0..<length).map { _ in
                    Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_".utf8)[
                        Int(rng.next() % 66)]
                }
                values.append(any)
            }
        }
        let texts = ["hello world, this is text", "{\"a\":1}", "caf\u{E9} cr\u{E8}me", "x"]
        for text in texts { values.append(Array(Data(text.utf8).base64EncodedString().utf8)) }
        let magics: [[UInt8]] = [
            [0x1F, 0x8B, 8, 0], [0x78, 0x9C, 1], [0xAC, 0xED, 0, 5, 0x73], [0x80, 0x04, 0x95, 0x2E],
            [0x80, 0x04, 0x95, 0x20], [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0], Array("GIF89a1234".utf8),
            Array("%PDF-1.7 x".utf8), [0x50, 0x4B, 3, 4, 0], [0xFF, 0xD8, 0xFF, 0xE0], Array("Plain text here".utf8),
            Array("xylophone music".utf8), Array("%20 percent".utf8),
        ]
        for magic in magics { values.append(Array(Data(magic).base64EncodedString().utf8)) }
        for value in values {
            var data = value[...]
            while data.last == UInt8(ascii: "=") { data = data.dropLast() }
            guard !data.isEmpty, data.allSatisfy({ Base64.sextet($0, alphabet: .either) != nil }) else { continue }
            var expected: ValueKind? = nil
            if let bytes = Base64.decode(data, alphabet: .either), !bytes.isEmpty {
                if let signature = DecodedContent.signature(bytes) {
                    expected = signature != .pickle || bytes.last == 0x2E ? .binary : nil
                } else {
                    var scan = UTF8TextScan(expectedCount: bytes.count)
                    let text = bytes.allSatisfy { scan.feed($0) } && scan.finish()
                    expected = text ? .text : nil
                }
            }
            #expect(
                Base64Decoder.sniffContent(data, alphabet: .either) == expected,
                "\(String(decoding: value, as: UTF8.self))")
        }
    }

    /// A pair's location built from its name's bytes is `LocationPath.key` of the decoded name.
    @Test(arguments: [
        Array("id".utf8), Array("user-name".utf8), Array("a.b".utf8), Array("x y".utf8), [], Array("$where".utf8),
        Array("1abc".utf8), Array("caf\u{E9}".utf8), [0xFF, 0x61], Array(repeating: UInt8(ascii: "k"), count: 64),
        Array(repeating: UInt8(ascii: "k"), count: 65), Array("a\"b".utf8), Array("__proto__".utf8),
    ])
    func pairKeyLocationMatchesLocationPathKey(name: [UInt8]) {
        let fieldName = String(decoding: name, as: UTF8.self)
        #expect(Percent.PairReader.keyLocation(name, fieldName: fieldName) == LocationPath.key(fieldName))
    }

    /// The path and query found in one pass over the bytes are the ones the `UTF8View`'s
    /// searches find.
    @Test(arguments: [
        "/", "/a/b", "/a?b=1", "/a?b=1#f", "/a#f?x", "/a#f", "?q", "/a?", "/a?#", "#", "", "/a?b?c#d#e",
        "/caf\u{E9}?q=\u{E9}#\u{E9}", "/a#b?c#d",
    ])
    func pathAndQueryMatchThePlainReading(rawPath: String) {
        let utf8 = rawPath.utf8
        let pathEnd = utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) ?? utf8.endIndex
        var query: Substring? = nil
        if let mark = utf8.firstIndex(of: UInt8(ascii: "?")) {
            let start = utf8.index(after: mark)
            query = rawPath[start..<(utf8[start...].firstIndex(of: UInt8(ascii: "#")) ?? utf8.endIndex)]
        }
        let record = CaptureRecord(
            id: "p", ts: 0, clientIP: "127.0.0.1", method: "GET", host: "h", rawPath: rawPath, headers: [])
        #expect(record.path == rawPath[..<pathEnd])
        #expect(record.query == query)
        let decoded = RequestDecoder().decode(record)
        #expect(
            decoded.points(at: "path").map { decoded.points[$0].value }
                == (pathEnd == utf8.startIndex ? [] : [Array(rawPath[..<pathEnd].utf8)]))
        #expect(
            decoded.points(at: "query").map { decoded.points[$0].value }
                == (query.map { $0.isEmpty ? [] : [Array($0.utf8)] } ?? []))
    }

    @Test(arguments: [
        "[1]", "[0][2]", "[12345]", "[]", "[x]", "[1", "1]", "[1]]", "[[1]", "[-1]", "[1].a", ".a[0]", ".a[0][1]",
        "[\"k\"]", ".a[\"k\"][3]", ";jsessionid", ".json.items[0].filter", ">base64", ".a>json", "", ".", "[1]x",
        "x[1]", ".q", "{header}.alg", "[0]>url",
    ])
    func lastKeyMatchesThePlainReading(segment: String) {
        #expect(DecodedRequest.lastKey(in: segment) == DecodedRequest.lastKeyStrippingIndices(segment))
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
