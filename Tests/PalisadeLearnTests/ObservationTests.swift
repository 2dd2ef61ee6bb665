import PalisadeCore
import Testing

@testable import PalisadeLearn

@Suite("Observations")
struct ObservationTests {
    static func record(
        _ path: String, method: String = "GET", headers: [(String, String)] = [], body: String = ""
    ) -> CaptureRecord {
        CaptureRecord(
            id: "r1", ts: 1_000, method: method, host: "API.Example.com:443", rawPath: path,
            headers: headers.map { CaptureRecord.Header($0.0, $0.1) }, body: Array(body.utf8), status: 201)
    }

    static func observe(_ r: CaptureRecord) -> EndpointObservation {
        ObservationBuilder().observe(record: r, decoded: RequestDecoder().decode(r))
    }

    @Test(
        "an observation built with a precomputed template equals the one built without",
        arguments: [
            "/users/42/orders/6f1c2a4e-1b2c-4d3e-a4f5-0123456789ab/items/7?expand=1",
            "/v1/search?q=blue+running+shoes&size=44", "/", "/a//b/", "/files/2024-05-01/report.pdf#top",
            "/api/v2/users/me/tokens/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "/%2e%2e/etc/passwd",
        ])
    func precomputedTemplate(path: String) {
        let r = Self.record(
            path, method: "post", headers: [("Content-Type", "application/json"), ("X-Api-Key", "k-1")],
            body: #"{"id":7,"items":[{"sku":"A-1"}]}"#)
        let decoded = RequestDecoder().decode(r)
        let builder = ObservationBuilder()
        let template = PathTemplate.template(for: r.path)
        let precomputed = builder.observe(record: r, decoded: decoded, template: template)
        #expect(precomputed == builder.observe(record: r, decoded: decoded))
        #expect(precomputed.endpoint.template == template)
    }

    @Test("segment kinds read off the template equal classifying every segment, hostile paths included")
    func segmentKindsFromTemplate() {
        var generator = TrafficGenerator(seed: 17)
        var paths = [
            "/users/42/orders/6f1c2a4e-1b2c-4d3e-a4f5-0123456789ab/items/7", "/a//b/", "/{id}/{uuid}/x",
            "/u/a@b.co/2024-05-01/deadbeefdeadbeef00/tok_abcdefghij1234567890", "/é✓/日本/42/42/42",
            "/" + String(repeating: "s/", count: 40),
        ]
        for _ in 0..<200 {
            let bytes = (0..<generator.int(0...60)).map { _ in
                generator.int(0...3) == 0 ? UInt8(ascii: "/") : UInt8(generator.int(0...255))
            }
            paths.append("/" + String(decoding: bytes, as: UTF8.self))
        }
        let builder = ObservationBuilder()
        for path in paths {
            let r = Self.record(path)
            let template = PathTemplate.template(for: r.path)
            let fromTemplate = builder.observe(record: r, decoded: DecodedRequest(), template: template)
            // A template that does not line up with the path: every segment classified on its own.
            let classified = builder.observe(record: r, decoded: DecodedRequest(), template: template + "/x")
            #expect(fromTemplate.segments == classified.segments, "\(path)")
            #expect(fromTemplate.params == classified.params, "\(path)")
            let expected = r.path.utf8.split(separator: UInt8(ascii: "/")).prefix(builder.config.maxSegments)
                .map { PathSegmentObservation(Substring($0)) }
            #expect(fromTemplate.segments == expected, "\(path)")
        }
    }

    @Test("content-type essence: the ASCII fast path agrees with the general one")
    func contentTypeEssenceFastPath() {
        var generator = TrafficGenerator(seed: 23)
        var headers = [
            "application/json", "Application/JSON; charset=utf-8", " text/plain ;", "\t;", ";charset=x", ";;a",
            "a;\u{301}b", "x/y\u{301};z", "", " ", String(repeating: "a", count: 150),
            "multipart/form-data; boundary=x",
            "ÄPPLICATION/json", "text/html ; q=1",
        ]
        let alphabet = Array("aB ;\t/é\u{301}=".unicodeScalars)
        for _ in 0..<500 {
            headers.append(
                String(
                    String.UnicodeScalarView(
                        (0..<generator.int(0...12)).map { _ in
                            alphabet[generator.int(0...(alphabet.count - 1))]
                        })))
        }
        for header in headers {
            let fast = ObservationBuilder.asciiContentTypeEssence(header)
            if let fast { #expect(fast == ObservationBuilder.generalContentTypeEssence(header), "\(header)") }
            #expect(
                ObservationBuilder.contentTypeEssence(header) == ObservationBuilder.generalContentTypeEssence(header),
                "\(header)")
        }
        #expect(ObservationBuilder.asciiContentTypeEssence("application/json") == .some("application/json"))
    }

    @Test func endpointKeySegmentsAndPathParameters() {
        let o = Self.observe(
            Self.record("/users/42/orders/6f1c2a4e-1b2c-4d3e-a4f5-0123456789ab/items/7", method: "get"))
        #expect(
            o.endpoint
                == EndpointKey(host: "api.example.com", method: "GET", template: "/users/{id}/orders/{uuid}/items/{id}")
        )
        #expect(o.endpoint.id == "GET api.example.com/users/{id}/orders/{uuid}/items/{id}")
        #expect(o.segments.map(\.kind) == [.literal, .number, .literal, .uuid, .literal, .number])
        #expect(o.segments.map(\.literal) == ["users", "42", "orders", nil, "items", "7"])
        #expect(o.params.map(\.location) == ["path.{id}", "path.{uuid}", "path.{id_2}"])
        #expect(o.params.first?.shape.format == .integer)
        #expect(o.status == 201 && o.ts == 1_000 && o.requestID == "r1")
    }

    @Test func emailsAndTokensInPathsAreNotKept() {
        let o = Self.observe(Self.record("/invites/jane.doe@example.org/accept"))
        #expect(o.segments[1].kind == .email)
        #expect(o.segments[1].literal == nil)
        #expect(o.json().contains("jane") == false)
    }

    @Test func jsonBodyLocationsCollapseIndicesAndFoldValues() throws {
        let body = #"{"items":[{"sku":"A-1","qty":1},{"sku":"B-22","qty":3}],"email":"a@b.example","ok":true,"n":null}"#
        let o = Self.observe(
            Self.record(
                "/orders", method: "POST", headers: [("Content-Type", "application/json; charset=utf-8")], body: body))
        #expect(o.contentType == "application/json")
        #expect(o.bodyBytes == body.utf8.count)
        let byLocation = Dictionary(uniqueKeysWithValues: o.params.map { ($0.location, $0) })
        #expect(
            Set(byLocation.keys) == [
                "body.json.items[].sku", "body.json.items[].qty", "body.json.email", "body.json.ok", "body.json.n",
            ])
        let sku = try #require(byLocation["body.json.items[].sku"])
        #expect(sku.occurrences == 2)
        #expect(sku.minLength == 3 && sku.shape.length == 4)
        #expect(byLocation["body.json.items[].qty"]?.type == .number)
        #expect(byLocation["body.json.ok"]?.type == .boolean)
        #expect(byLocation["body.json.email"]?.sensitive == SensitiveSet(.email))
    }

    @Test("noise-header prefixes: the byte reading of ASCII names agrees with hasPrefix")
    func noisePrefixesReadAsBytes() {
        let builder = ObservationBuilder()
        let pieces = [
            "x-", "b3", "-", "forwarded", "cf", "sec", "ch", "fetch", "kong", "envoy", "a", "X-", "\u{301}", "é",
        ]
        var state: UInt64 = 0x1234_5678_9ABC_DEF1
        var names = [
            "x-b3-traceid", "cf-ray", "cf\u{301}-ray", "cf-\u{301}ray", "sec-ch-ua", "x-forwarded-for", "xcf-",
        ]
        for _ in 0..<2_000 {
            var name = ""
            for _ in 0..<4 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                name += pieces[Int((state >> 33) % UInt64(pieces.count))]
            }
            names.append(name)
        }
        for name in names {
            let plain =
                builder.config.noiseHeaders.contains(name)
                || builder.config.noiseHeaderPrefixes.contains { name.hasPrefix($0) }
            #expect(builder.isNoise(headerLocation: "header." + name) == plain, "\(name)")
        }
        // Identifier-like segments and keys are classified alike as bytes and as text.
        for segment in [
            "42", "6f1c2a4e-1b2c-4d3e-a4f5-0123456789ab", "2024-05-01", "a@b.co", "users", "deadbeefdeadbeef00",
        ] {
            let bytes = Array(segment.utf8)
            #expect(
                SegmentKind(segment: bytes)
                    == (PathTemplate.placeholder(for: segment).flatMap { SegmentKind(placeholder: $0[...]) } ?? .literal)
            )
            #expect(ObservationBuilder.isIdentifierKey(bytes[...]) == (PathTemplate.placeholder(for: segment) != nil))
        }
    }

    @Test func noiseHeadersAreLeftOut() {
        let o = Self.observe(
            Self.record(
                "/a",
                headers: [
                    ("User-Agent", "curl/8"), ("X-Request-Id", "abc"), ("traceparent", "00-1-2-01"),
                    ("X-B3-TraceId", "1"),
                    ("X-Forwarded-For", "1.2.3.4"), ("Date", "Tue"), ("X-Tenant", "acme"), ("Sec-Fetch-Mode", "cors"),
                ]))
        #expect(o.params.map(\.location).sorted() == ["header.user-agent", "header.x-tenant"])
    }

    @Test(arguments: [
        ([("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")], AuthScheme.bearerJWT),
        ([("authorization", "bearer 0123456789abcdef")], .bearerOpaque),
        ([("Authorization", "Basic dXNlcjpwYXNz")], .basic),
        ([("Authorization", "Digest username=x")], .other),
        ([("X-API-Key", "k-123")], .apiKey),
        ([("Cookie", "theme=dark; JSESSIONID=abc")], .cookieSession),
        ([("Cookie", "t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")], .cookieSession),
        ([("Cookie", "theme=dark")], AuthScheme.none),
        ([("AUTHORIZATION", "Basic eDp5")], .basic), ([("Authorizations", "Basic eDp5")], AuthScheme.none),
        ([("COOKIE", "sid=1")], .cookieSession), ([("x-cookie", "sid=1")], AuthScheme.none),
        ([("Authorization", "Basic eDp5"), ("authorization", "Bearer opaque-token-1")], .basic),
        ([("X-API-KEY", "")], AuthScheme.none), ([("Ocp-Apim-Subscription-Key", "k")], .apiKey),
        ([], AuthScheme.none),
    ])
    func authSchemes(headers: [(String, String)], expected: AuthScheme) {
        #expect(AuthScheme.detect(Self.record("/a", headers: headers)) == expected)
    }

    @Test("API-key query names: the ASCII byte reading agrees with the text reading")
    func apiKeyQueryNamesReadAsBytes() {
        var queries: [Substring] = [
            "api_key=1", "API_KEY=1", "a=1&ApiKey=2", "x=1&&key", "key=", "=key", "keys=1", "akey=1", "api-key",
            "access_token=t&b=2", "q=api_key", "a=1;key=2", "", "&", "Access_Token", "api%5Fkey=1", "k\r\ney=1",
        ]
        var state: UInt64 = 0x5851_F42D_4C95_7F2D
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let pieces = ["&", "=", "key", "KEY", "api", "_", "-", "access", "token", "x", "1", "apikey"]
        for _ in 0..<3_000 {
            queries.append(
                Substring((0..<Int(1 + next() % 8)).map { _ in pieces[Int(next() % UInt64(pieces.count))] }.joined()))
        }
        for query in queries {
            var copy = query
            let ascii = copy.withUTF8 { AuthScheme.asciiQueryHasAPIKey($0) }
            #expect(ascii == AuthScheme.plainQueryHasAPIKey(query), "\(query)")
            #expect(AuthScheme.queryHasAPIKey(query) == AuthScheme.plainQueryHasAPIKey(query))
        }
        #expect(AuthScheme.queryHasAPIKey("clé=1&api_key=2"))
        #expect("clé=1".utf8.withContiguousStorageIfAvailable { AuthScheme.asciiQueryHasAPIKey($0) } == .some(nil))
    }

    /// `asciiQueryHasAPIKey` as it read before `Percent.forEachPair` (its own pair loop).
    static func asciiQueryHasAPIKeyBefore(_ query: UnsafeBufferPointer<UInt8>) -> Bool? {
        for byte in query where byte >= 0x80 { return nil }
        var start = 0
        while start < query.count {
            var end = start
            while end < query.count, query[end] != UInt8(ascii: "&") { end += 1 }
            var nameEnd = start
            while nameEnd < end, query[nameEnd] != UInt8(ascii: "=") { nameEnd += 1 }
            let name = UnsafeBufferPointer(rebasing: query[start..<nameEnd])
            let candidates: [StaticString] = ["api_key", "apikey", "api-key", "key", "access_token"]
            for candidate in candidates
            where name.count == candidate.utf8CodeUnitCount && Bytes.hasPrefixIgnoringCase(name, candidate) {
                return true
            }
            start = end + 1
        }
        return false
    }

    @Test("API-key query names over Percent.forEachPair: the same as the earlier pair loop")
    func apiKeyQueryNamesOverThePairIterator() {
        var random = SplitMix64(seed: 31)
        let pieces = ["&", "=", "&&", ";", "key", "KEY", "api", "_", "-", "access", "token", "%41", "é", "", "=="]
        var found = 0
        for _ in 0..<4_000 {
            let query = (0..<Int(random.next() % 9)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }
                .joined()
            let before = query.utf8.withContiguousStorageIfAvailable { Self.asciiQueryHasAPIKeyBefore($0) }
            let now = query.utf8.withContiguousStorageIfAvailable { AuthScheme.asciiQueryHasAPIKey($0) }
            if before == .some(true) { found += 1 }
            #expect(now == before, "\(query)")
        }
        #expect(found > 200)  // the generator does produce API-key names (295 with this seed)
    }

    @Test("header roles over bytes agree with the lowercased string reading")
    func headerRolesAsBytes() {
        #expect(Set(AuthScheme.apiKeyHeaderNames.map { $0.description }) == AuthScheme.apiKeyHeaders)
        var names = [
            "Authorization", "authorization", "COOKIE", "Cookie", "x-api-key", "X-Api-Key", "apikey", "cookies",
            "authorisation", "", "x-\u{212A}ey", "Cooki\u{0301}e", "ocp-apim-subscription-key", "x-api-kéy",
        ]
        var random = SplitMix64(seed: 5)
        let pieces = ["x-", "api", "-key", "KEY", "auth", "orization", "cook", "ie", "é", "token", "-", "apikey"]
        for _ in 0..<2_000 {
            names.append((0..<Int(1 + random.next() % 4)).map { _ in pieces[Int(random.next() % 12)] }.joined())
        }
        for name in names {
            let lowercased = Bytes.lowercased(name)
            let expected: AuthScheme.HeaderRole =
                lowercased == "authorization"
                ? .authorization
                : lowercased == "cookie" ? .cookie : AuthScheme.apiKeyHeaders.contains(lowercased) ? .apiKey : .other
            #expect(AuthScheme.headerRole(name) == expected, "\(name)")
        }
    }

    @Test func apiKeyInTheQuery() {
        #expect(AuthScheme.detect(Self.record("/a?api_key=123")) == .apiKey)
    }

    @Test(arguments: [
        ("body.json.items[0].sku", "body.json.items[].sku"),
        ("body.json[12][3].a", "body.json[][].a"),
        ("body.json[\"we[1]ird\"][2]", "body.json[\"we[1]ird\"][]"),
        ("body.json[\"a\\\"]b\"][0]", "body.json[\"a\\\"]b\"][]"),
        ("query.id", "query.id"),
        ("body.json.prices[\"8412\"]", "body.json.prices[*]"),
        ("body.json.users[\"6f1c2a4e-1b2c-4d3e-a4f5-0123456789ab\"].name", "body.json.users[*].name"),
        ("body.json.byDay.2024-01-02.n", "body.json.byDay[*].n"),
        ("body.json[\"a b\"]", "body.json[\"a b\"]"),
        ("query[\"123\"]", "query[*]"),
        ("header[\"12345\"]", "header[\"12345\"]"),
        ("body.json.v2.x", "body.json.v2.x"),
        ("body.json.x[", "body.json.x["),
        ("[", "["),
    ])
    func locationNormalization(raw: String, normalized: String) {
        #expect(ObservationBuilder.normalize(raw) == normalized)
    }

    @Test func wrappedFieldsCountOnceWithTheirEncoding() {
        // A hand-built tree: query.data carries Base64 that decoded to JSON.
        var decoded = DecodedRequest()
        decoded.points = [
            Point(
                parent: -1, segment: "query", value: Array("data=eyJ4IjoxLCJ5IjoyfQ==".utf8), kind: .text, depth: 0,
                isContainer: true),
            Point(
                parent: 0, segment: ".data", value: Array("eyJ4IjoxLCJ5IjoyfQ==".utf8), kind: .text, depth: 0,
                decoder: "form"),
            Point(
                parent: 1, segment: ">base64", value: Array("{\"x\":1,\"y\":2}".utf8), kind: .text, depth: 1,
                isContainer: true, decoder: "base64"),
            Point(parent: 2, segment: ">json.x", value: Array("1".utf8), kind: .number, depth: 2, decoder: "json"),
        ]
        let o = ObservationBuilder().observe(record: Self.record("/a?data=eyJ4IjoxLCJ5IjoyfQ=="), decoded: decoded)
        #expect(o.params.map(\.location) == ["query.data"])
        #expect(o.params.first?.encodings == EncodingSet(.base64))
        #expect(o.params.first?.shape.format == .base64)
        #expect(o.params.first?.point == 1)
    }

    /// The parameters as they were read before locations became bytes: one location string per
    /// point, normalized into another string, looked up in a dictionary. Kept to compare against.
    static func referenceParams(
        _ builder: ObservationBuilder, decoded: DecodedRequest, pathParams: [ParamObservation]
    ) -> (params: [ParamObservation], dropped: Int) {
        let points = decoded.points
        var derived = [Bool](repeating: false, count: points.count)
        var wrapped = [EncodingSet](repeating: [], count: points.count)
        for (i, point) in points.enumerated() {
            let parent = Int(point.parent)
            guard parent >= 0, parent < i else { continue }
            let sniffed = point.segment.hasPrefix(">")
            derived[i] = derived[parent] || sniffed
            if sniffed, !derived[parent] {
                wrapped[parent].insert(EncodingSet(ValueEncoding(decoderName: point.decoder ?? "")))
            }
        }
        var params = pathParams
        var dropped = 0
        var byLocation: [String: Int] = [:]
        for (i, param) in params.enumerated() { byLocation[param.location] = i }
        for (i, point) in points.enumerated() {
            guard !derived[i], point.kind != .key else { continue }
            if point.isContainer && wrapped[i].isEmpty { continue }
            if decoded.source(of: i) == .path { continue }
            let location = ObservationBuilder.normalize(decoded.location(of: i))
            guard location.utf8.count <= builder.config.maxLocationBytes else {
                dropped += 1
                continue
            }
            let source = ParamSource(location: location)
            if source == .header, location.hasPrefix("header.") {
                let name = String(location.dropFirst(7))
                if builder.config.noiseHeaders.contains(name)
                    || builder.config.noiseHeaderPrefixes.contains(where: { name.hasPrefix($0) })
                {
                    continue
                }
            }
            let shape = ValueShape.classify(point.value[...], kind: point.kind)
            let type = ValueType(point.kind)
            let sensitive = SensitiveSet(Sensitive.kinds(in: point.value[...], fieldName: decoded.fieldName(of: i)))
            if let existing = byLocation[location] {
                params[existing].fold(shape, type: type, sensitive: sensitive)
                params[existing].encodings.formUnion(wrapped[i])
                continue
            }
            guard params.count < builder.config.maxParams else {
                dropped += 1
                continue
            }
            byLocation[location] = params.count
            params.append(
                ParamObservation(
                    location: location, source: source, shape: shape, type: type, sensitive: sensitive,
                    encodings: wrapped[i], point: Int32(i)))
        }
        return (params, dropped)
    }

    @Test("parameters read as bytes equal the string reading, limits and noise lists included")
    func parametersReadAsBytes() {
        var generator = TrafficGenerator(seed: 77)
        let keys = [
            "id", "sku", "items", "8412", "550e8400-e29b-41d4-a716-446655440000", "a.b", #"x\"y"#, "é", "data",
            "2024-05-01", "user@example.com", "deadbeefdeadbeef00", "q", "Q",
        ]
        let values = [
            "1", "-2.5", "true", "null", #""plain""#, #""eyJ4IjoxLCJ5IjpbMSwyXX0=""#, #""ada@example.com""#,
            #""4111 1111 1111 1111""#, #""' OR 1=1--""#, #""<b>hi</b>""#, #""%7B%22a%22%3A1%7D""#,
        ]
        func json(_ depth: Int) -> String {
            switch generator.int(0...(depth > 2 ? 1 : 4)) {
            case 0, 1: return values[generator.int(0...(values.count - 1))]
            case 2: return "[" + (0..<generator.int(0...3)).map { _ in json(depth + 1) }.joined(separator: ",") + "]"
            default:
                return "{"
                    + (0..<generator.int(0...4)).map { _ in
                        #"""# + keys[generator.int(0...(keys.count - 1))] + #"":"# + json(depth + 1)
                    }.joined(separator: ",") + "}"
            }
        }
        let headerNames = [
            "User-Agent", "X-Request-Id", "X-Forwarded-For", "X-Tenant", "Sec-Fetch-Mode", "cf-ray", "X-Api-Key",
            "Authorization", "Content-Type", "Cookie", "x-b3-traceid", "X-Custom-\u{301}", "Ünïcode", "Date",
        ]
        var builders = [ObservationBuilder()]
        var small = ObservationBuilder.Config()
        small.maxParams = 4
        small.maxLocationBytes = 24
        builders.append(ObservationBuilder(config: small))
        var unusual = ObservationBuilder.Config()
        unusual.noiseHeaders = ["x-tenant", "\u{212A}ey", "ünïcode", "user-agent"]
        unusual.noiseHeaderPrefixes = ["x-c", "ü"]
        builders.append(ObservationBuilder(config: unusual))
        var changed = ObservationBuilder()
        changed.config.noiseHeaders.insert("x-tenant")
        builders.append(changed)
        var compared = 0
        for n in 0..<600 {
            let query = (0..<generator.int(0...4)).map { _ in
                keys[generator.int(0...(keys.count - 1))] + "="
                    + ["1", "a%20b", "eyJ4IjoxfQ==", "x@y.example"][generator.int(0...3)]
            }.joined(separator: "&")
            let headers = (0..<generator.int(0...5)).map { _ -> CaptureRecord.Header in
                let name = headerNames[generator.int(0...(headerNames.count - 1))]
                return .init(name, name == "Cookie" ? "session=abc123def456ghi789; theme=dark" : "v\(n)")
            }
            let body: String
            switch n % 3 {
            case 0: body = json(0)
            case 1: body = query
            default: body = ""
            }
            let record = CaptureRecord(
                id: "r\(n)", ts: 1, method: "POST", host: "api.example.com",
                rawPath: "/users/\(n)/orders" + (query.isEmpty ? "" : "?" + query),
                headers: headers + [
                    .init("Content-Type", n % 3 == 0 ? "application/json" : "application/x-www-form-urlencoded")
                ],
                body: Array(body.utf8))
            let decoded = RequestDecoder().decode(record)
            for builder in builders {
                let observed = builder.observe(record: record, decoded: decoded)
                let reference = Self.referenceParams(
                    builder, decoded: decoded, pathParams: observed.params.filter { $0.source == .path })
                #expect(observed.params == reference.params, "\(record.rawPath) \(body)")
                #expect(observed.droppedParams == reference.dropped, "\(record.rawPath) \(body)")
                compared += observed.params.count
            }
        }
        #expect(compared > 5_000)
    }

    /// `normalize` as it was before it copied runs of ordinary bytes at once, byte by byte: kept
    /// to compare against.
    enum ReferenceNormalize {
        static func byteByByte(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
            let collapseKeys = !utf8.starts(with: "header".utf8)
            out.reserveCapacity(out.count + utf8.count)
            var i = 0
            var first = true  // the root name itself (`query`, `body`) is never collapsed
            while i < utf8.count {
                let byte = utf8[i]
                if byte == UInt8(ascii: "."), collapseKeys, !first {
                    var j = i + 1
                    while j < utf8.count, utf8[j] != UInt8(ascii: "."), utf8[j] != UInt8(ascii: "["),
                        utf8[j] != UInt8(ascii: ">")
                    {
                        j += 1
                    }
                    if j > i + 1, ObservationBuilder.isIdentifierKey(utf8[(i + 1)..<j]) {
                        out.append(contentsOf: "[*]".utf8)
                        i = j
                        continue
                    }
                }
                if byte == UInt8(ascii: "."), first { first = false }
                if byte == UInt8(ascii: "[") {
                    first = false
                    var j = i + 1
                    while j < utf8.count, utf8[j] >= 0x30, utf8[j] <= 0x39 { j += 1 }
                    if j > i + 1, j < utf8.count, utf8[j] == UInt8(ascii: "]") {
                        out.append(UInt8(ascii: "["))
                        out.append(UInt8(ascii: "]"))
                        i = j + 1
                        continue
                    }
                    if j < utf8.count, utf8[j] == UInt8(ascii: "\"") {
                        // Quoted key: find the closing `"]`, honouring escapes.
                        var k = j + 1
                        var escaped = false
                        var closed = false
                        while k < utf8.count {
                            if utf8[k] == UInt8(ascii: "\\"), k + 1 < utf8.count {
                                escaped = true
                                k += 2
                                continue
                            }
                            if utf8[k] == UInt8(ascii: "\""), k + 1 < utf8.count, utf8[k + 1] == UInt8(ascii: "]") {
                                closed = true
                                break
                            }
                            k += 1
                        }
                        let end = closed ? k + 2 : utf8.count
                        if closed, collapseKeys, !escaped, ObservationBuilder.isIdentifierKey(utf8[(j + 1)..<k]) {
                            out.append(contentsOf: "[*]".utf8)
                        } else {
                            out.append(contentsOf: utf8[i..<end])
                        }
                        i = end
                        continue
                    }
                }
                out.append(byte)
                i += 1
            }
        }
    }

    @Test("normalize copies runs at once and reads the same as byte by byte, over generated locations")
    func normalizeRunsAgreeWithByteByByte() {
        let pieces = [
            ".", "[", "]", "\"", "\\", "0", "12", "abc", "8412", "550e8400-e29b-41d4-a716-446655440000", ">",
            "header", "query", "body", ".json", "é", "2024-05-01", "a@b.co", "[0]", #"["k"]"#, #"["42"]"#, "x-y",
        ]
        var state: UInt64 = 0x3C6E_F372_FE94_F82B
        var locations = ["query.id", "body.json.items[0].sku", #"body.json.prices["8412"]"#, "header.x-b3-id", ""]
        for _ in 0..<20_000 {
            var location = ""
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            for _ in 0..<Int((state >> 33) % 12) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                location += pieces[Int((state >> 33) % UInt64(pieces.count))]
            }
            locations.append(location)
        }
        var changed = 0
        for location in locations {
            var text = location
            let (runs, bytes): ([UInt8], [UInt8]) = text.withUTF8 { utf8 in
                var runs: [UInt8] = [1, 2]  // appended to: what was there stays
                var bytes: [UInt8] = [1, 2]
                ObservationBuilder.normalize(utf8, into: &runs)
                ReferenceNormalize.byteByByte(utf8, into: &bytes)
                return (runs, bytes)
            }
            #expect(runs == bytes, "\(location)")
            if bytes.dropFirst(2).elementsEqual(location.utf8) == false { changed += 1 }
        }
        #expect(changed > 1_000)
    }

    @Test func hostileInputNeverTraps() {
        var generator = TrafficGenerator(seed: 9)
        for _ in 0..<300 {
            let bytes = (0..<generator.int(0...200)).map { _ in UInt8(generator.int(0...255)) }
            let text = String(decoding: bytes, as: UTF8.self)
            let r = CaptureRecord(
                id: "x", ts: 0, method: text, host: text, rawPath: "/" + text + "?" + text,
                headers: [.init(text, text), .init("cookie", text)],
                body: bytes)
            let o = Self.observe(r)
            #expect(o.params.count <= ObservationBuilder.Config().maxParams)
            _ = try? EndpointObservation(json: bytes)
            _ = try? EndpointBaseline(json: bytes)
            _ = try? SpecDocument.parse(text)
        }
    }
}
