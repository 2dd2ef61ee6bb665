import Foundation
import PalisadeCore
import PalisadeDetect
import PalisadeLearn
import PalisadePolicy
import PalisadeRecords
import PalisadeRuntime
import PalisadeTransport
import Testing

@_spi(Benchmarks) @testable import WorkerService

@Suite
struct FlowControlTests {
    @Test("pauses at the high-water mark, resumes at half, once each")
    func hysteresis() {
        var flow = FlowControl(maxInFlight: 100)
        #expect(flow.taken(60) == nil)
        #expect(flow.taken(40) == .pause)
        #expect(flow.taken(10) == nil)
        #expect(flow.paused)
        #expect(flow.finished(30) == nil)
        #expect(flow.finished(30) == .resume)
        #expect(!flow.paused)
        #expect(flow.finished(500) == nil)
        #expect(flow.inFlight == 0)
        #expect(flow.pauses == 1)
    }
}

/// What the settling stage acknowledges per partition of a batch.
struct SettleListTests {
    @Test("each partition's last index and its count, in order of first appearance, interleaved or not")
    func lastPerPartition() {
        var list = SettleList()
        for (index, partition) in [3, 3, 7, 3, 1, 7, 7, 3].enumerated() {
            list.note(partition: Int32(partition), index: index)
        }
        #expect(list.entries.map(\.partition) == [3, 7, 1])
        #expect(list.entries.map(\.index) == [7, 6, 4])
        #expect(list.entries.map(\.count) == [4, 3, 1])
        #expect(SettleList().entries.isEmpty)
    }
}

@Suite
struct WorkQueueTests {
    @Test("hands over everything queued at once; ends after finish")
    func batches() async {
        let queue = WorkQueue<Int>()
        queue.push(1)
        queue.push(2)
        #expect(await queue.next() == [1, 2])
        queue.push(3)
        queue.finish()
        #expect(!queue.push(4))
        #expect(await queue.next() == [3])
        #expect(await queue.next() == nil)
    }

    @Test("a waiting consumer is woken by push, and by cancellation")
    func waiting() async {
        let queue = WorkQueue<Int>()
        async let first = queue.next()
        try? await Task.sleep(for: .milliseconds(20))
        queue.push(7)
        #expect(await first == [7])
        let task = Task { await queue.next() }
        try? await Task.sleep(for: .milliseconds(20))
        task.cancel()
        #expect(await task.value == nil)
    }
}

@Suite
struct IdentityExtractorTests {
    let extractor = IdentityExtractor(settings: WorkerSettings())

    @Test("object id: the raw segment at the template's last parameter")
    func objectID() {
        #expect(IdentityExtractor.lastParameterValue(path: "/users/42/orders", template: "/users/{id}/orders") == "42")
        #expect(IdentityExtractor.lastParameterValue(path: "/users/me", template: "/users/me") == nil)
        // Read in place, it gives what splitting both into arrays gave.
        func split(_ path: Substring, _ template: String) -> String? {
            let segments = path.utf8.split(separator: UInt8(ascii: "/"))
            let templateSegments = template.utf8.split(separator: UInt8(ascii: "/"))
            guard segments.count == templateSegments.count else { return nil }
            for i in templateSegments.indices.reversed() where templateSegments[i].first == UInt8(ascii: "{") {
                return IdentityExtractor.capped(String(Substring(segments[i])))
            }
            return nil
        }
        let paths: [Substring] = [
            "/users/42/orders", "//users//42/orders/", "/users/42", "/users/42/orders/7", "/", "", "/a/é/c",
            "/users/" + Substring(String(repeating: "9", count: 600)) + "/orders", "users/42/orders", "/x/y/z",
        ]
        let templates = [
            "/users/{id}/orders", "/users/{id}", "/{a}/{b}/{c}", "/users/me", "/", "", "/{x}", "/a/{b}/c",
            "/users/{id}/orders/{n}", "users/{id}/orders",
        ]
        for path in paths {
            for template in templates {
                #expect(IdentityExtractor.lastParameterValue(path: path, template: template) == split(path, template))
            }
        }
    }

    @Test("api key from a header or the query; hashed, never raw")
    func apiKey() {
        let header = CaptureRecord(
            id: "1", ts: 0, clientIP: "192.0.2.1", method: "GET", rawPath: "/x", headers: [.init("ApiKey", "abc")])
        let ids = extractor.extract(header, decoded: DecodedRequest(), template: "/x")
        #expect(ids.apiKeyHash == "ba7816bf8f01cfea414140de5dae2223")
        #expect(ids.clientKey == "192.0.2.1")
        // Digests are cached per key: the second request gets the same one from the cache.
        #expect(extractor.apiKeyHashes.value(for: "abc") { _ in "not computed" } == ids.apiKeyHash)
        #expect(extractor.extract(header, decoded: DecodedRequest(), template: "/x") == ids)
        let query = CaptureRecord(id: "2", ts: 0, method: "GET", rawPath: "/x?api_key=abc&z=1")
        #expect(extractor.extract(query, decoded: DecodedRequest(), template: "/x").apiKeyHash == ids.apiKeyHash)
    }

    @Test("api key query parameters: the first non-empty one named, percent-decoded")
    func queryValue() {
        let names: Set<String> = ["api_key", "apikey"]
        let cases: [(String, String?)] = [
            ("a=1&api_key=abc&z=1", "abc"), ("api_key=&apikey=x", "x"), ("api_key&apikey=y", "y"),
            ("&&api_key=a%20b+c&", "a b c"), ("x=1", nil), ("", nil), ("api_key=1=2", "1=2"), ("API_KEY=q", nil),
            ("api_keyx=1&xapi_key=2", nil), ("é=1&apikey=%C3%A9", "é"),
        ]
        for (query, expected) in cases {
            #expect(IdentityExtractor.queryValue(query[...], names: names) == expected, "\(query)")
        }
        // Read over the bytes in place, it gives what walking the `UTF8View` gave.
        func walked(_ query: Substring) -> String? {
            let utf8 = query.utf8
            var start = utf8.startIndex
            while start < utf8.endIndex {
                let end = utf8[start...].firstIndex(of: UInt8(ascii: "&")) ?? utf8.endIndex
                defer { start = end == utf8.endIndex ? end : utf8.index(after: end) }
                let pair = utf8[start..<end]
                guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { continue }
                let value = pair[pair.index(after: equals)...]
                guard !value.isEmpty, names.contains(where: { $0.utf8.elementsEqual(pair[..<equals]) }) else {
                    continue
                }
                var findings = Percent.Findings()
                let bytes = Percent.decodeComponent(Array(value)[...], plusAsSpace: true, findings: &findings)
                return IdentityExtractor.capped(String(decoding: bytes, as: UTF8.self))
            }
            return nil
        }
        var state: UInt64 = 0x0DDB_1A5E_5BAD_5EED
        let pieces = ["&", "=", "api_key", "apikey", "x", "%41", "+", "é", "", "==", "&&"]
        for _ in 0..<3_000 {
            var query = ""
            for _ in 0..<8 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                query += pieces[Int((state >> 33) % UInt64(pieces.count))]
            }
            let whole = "q=1&" + query
            let sub = whole.dropFirst(4)
            #expect(IdentityExtractor.queryValue(sub, names: names) == walked(sub), "\(query)")
        }
    }

    /// `queryValue` as it read before `Percent.forEachPair` (its own pair loop), for the comparison below.
    static func queryValueBefore(_ query: Substring, names: Set<String>) -> String? {
        var query = query
        return query.withUTF8 { bytes -> String? in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "&") { end += 1 }
                defer { start = end + 1 }
                var equals = start
                while equals < end, bytes[equals] != UInt8(ascii: "=") { equals += 1 }
                guard equals + 1 < end else { continue }
                let name = UnsafeBufferPointer(rebasing: bytes[start..<equals])
                guard names.contains(where: { $0.utf8.elementsEqual(name) }) else { continue }
                var findings = Percent.Findings()
                let value = Array(UnsafeBufferPointer(rebasing: bytes[(equals + 1)..<end]))
                let decoded = Percent.decodeComponent(value[...], plusAsSpace: true, findings: &findings)
                return IdentityExtractor.capped(String(decoding: decoded, as: UTF8.self))
            }
            return nil
        }
    }

    @Test("api key query value over Percent.forEachPair: the same as the earlier pair loop")
    func queryValueOverThePairIterator() {
        let names: Set<String> = ["api_key", "apikey", "é"]
        var random = SplitMix64(seed: 23)
        let pieces = ["&", "=", "&&", ";", "api_key", "apikey", "é", "x", "%41", "%", "+", "☃", "", "=="]
        var checked = 0
        for _ in 0..<4_000 {
            let query = (0..<Int(random.next() % 10)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }
                .joined()
            let expected = Self.queryValueBefore(query[...], names: names)
            if expected != nil { checked += 1 }
            #expect(IdentityExtractor.queryValue(query[...], names: names) == expected, "\(query)")
        }
        #expect(checked > 100)  // the generator does produce matches (147 with this seed)
    }

    @Test("header names classified over their bytes as the lowercased string reading does")
    func headerRolesAsBytes() {
        let lists: [([String], [String])] = [
            (["x-api-key", "api-key"], []), (["x-api-key"], ["x-tenant", "x-user"]), (["X-Api-Key"], ["x-tenant"]),
            (["x-api-kéy"], ["x-tenant"]), (["x-api-key"], ["x-\u{212A}ey"]),
        ]
        let names = [
            "x-api-key", "X-API-Key", "api-key", "authorization", "Authorization", "AUTHORIZATION", "authorizatioN ",
            "x-tenant", "X-Tenant", "x-user", "x-api-kéy", "X-API-KÉY", "x-\u{212A}ey", "x-Key", "", "cookie", "x-ap",
        ]
        for (apiKeyHeaders, identityHeaders) in lists {
            var settings = WorkerSettings()
            settings.apiKeyHeaders = apiKeyHeaders
            settings.identityHeaders = identityHeaders
            let extractor = IdentityExtractor(settings: settings)
            for name in names {
                let lowercased = Bytes.lowercased(name)
                let roles = extractor.headerRoles(name)
                #expect(roles.apiKey == Set(apiKeyHeaders).contains(lowercased), "\(name)")
                #expect(roles.authorization == (lowercased == "authorization"), "\(name)")
                #expect(roles.identity == identityHeaders.contains(lowercased), "\(name)")
            }
        }
    }

    @Test("JWT subject from a bearer token; garbage tokens give none")
    func jwtSubject() {
        #expect(IdentityExtractor.bearerSubject("Bearer " + Traffic.jwt(sub: "svc-1")) == "svc-1")
        #expect(IdentityExtractor.bearerSubject("Bearer abc.def.ghi") == nil)
        #expect(IdentityExtractor.bearerSubject("Basic Zm9vOmJhcg==") == nil)
    }

    @Test("subjects are cached per token, absent ones too, within the capacity")
    func subjectCache() {
        let cache = SubjectCache(capacity: 2)
        var reads = 0
        func read(_ value: String) -> String? {
            reads += 1
            return IdentityExtractor.bearerSubject(value)
        }
        let token = "Bearer " + Traffic.jwt(sub: "svc-1")
        #expect(cache.subject(of: token, read: read) == "svc-1")
        #expect(cache.subject(of: token, read: read) == "svc-1")
        #expect(cache.subject(of: "Basic x", read: read) == nil)
        #expect(cache.subject(of: "Basic x", read: read) == nil)
        #expect(reads == 2)
        // Full: emptied, then filled again.
        #expect(cache.subject(of: "Bearer " + Traffic.jwt(sub: "svc-2"), read: read) == "svc-2")
        #expect(cache.subject(of: token, read: read) == "svc-1")
        #expect(reads == 4)
        // The extractor uses it: the same subject with or without a hit.
        let record = CaptureRecord(
            id: "1", ts: 0, clientIP: "192.0.2.1", method: "GET", rawPath: "/x",
            headers: [.init("authorization", token)])
        let first = extractor.extract(record, decoded: DecodedRequest(), template: "/x")
        let second = extractor.extract(record, decoded: DecodedRequest(), template: "/x")
        #expect(first.jwtSub == "svc-1" && second == first)
    }

    @Test("cache keys hash a text's bytes once: equal texts are one key, others are not")
    func hashedTextKeys() {
        let token = "Bearer " + Traffic.jwt(sub: "svc-1")
        #expect(HashedText(token, seed: 7) == HashedText("Bearer " + Traffic.jwt(sub: "svc-1"), seed: 7))
        #expect(HashedText(token, seed: 7).hash == HashedText(token, seed: 7).hash)
        #expect(HashedText(token, seed: 7) != HashedText(token + " ", seed: 7))
        #expect(HashedText(token, seed: 7).hash != HashedText(token, seed: 8).hash)
        // Texts of every length up to two words, one byte apart: all distinct keys.
        var keys = Set<HashedText>()
        for length in 0...17 {
            for last in ["a", "b"] { keys.insert(HashedText(String(repeating: "x", count: length) + last, seed: 1)) }
        }
        #expect(keys.count == 36)
    }
}

@Suite
struct RequestProcessorTests {
    static func consumed(_ value: [UInt8]?, offset: Int64 = 0) -> ConsumedRecord {
        ConsumedRecord(topic: "palisade.requests", partition: 3, offset: offset, key: nil, value: value, timestampMs: 0)
    }

    @Test("undecodable bytes, tombstones and records without method become dead letters")
    func deadLetters() throws {
        let processor = RequestProcessor(settings: WorkerSettings())
        for value in [[0xff, 0xff, 0x01], nil, CaptureRecordMessage().encodedRecord()] as [[UInt8]?] {
            let result = processor.process(Self.consumed(value), baselines: BaselineSet(), nowMs: 5)
            guard case .deadLettered = result.outcome else {
                Issue.record("not dead-lettered: \(String(describing: value))")
                continue
            }
            #expect(result.outputs.count == 1)
            #expect(result.outputs[0].topic == "palisade.deadletter")
            let letter = try DeadLetterMessage.decodeRecord(result.outputs[0].value ?? [])
            #expect(letter.partition == 3)
            #expect(letter.rejectedAtMs == 5)
            #expect(!letter.reason.isEmpty)
        }
    }

    @Test("a dead letter keeps at most dead_letter_max_bytes of the value")
    func deadLetterTruncates() throws {
        var settings = WorkerSettings()
        settings.deadLetterMaxBytes = 4
        let result = RequestProcessor(settings: settings).process(
            Self.consumed([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), baselines: BaselineSet(), nowMs: 0)
        let letter = try DeadLetterMessage.decodeRecord(result.outputs[0].value ?? [])
        #expect(letter.value.count == 4)
        #expect(letter.valueTruncated)
    }

    @Test(
        "the observation and baseline hits with the verdict's template equal those computed from the record",
        arguments: [WorkerDetection.full, .skipped])
    func observationReusesTemplate(detection: WorkerDetection) throws {
        let processor = RequestProcessor(settings: WorkerSettings(), detection: detection)
        var baselines = BaselineSet()
        baselines.apply(Traffic.itemsBaseline)
        for (path, expectHits) in [
            ("/v1/items/abc-def?debug=1", true), ("/v1/items/42", false), ("/v1/other/7?x=1", false),
        ] {
            // Host and method in other spellings: the baseline is found through the normalized key.
            let capture = CaptureRecord(
                id: "r-" + path, ts: 1, clientIP: "192.0.2.7", method: "get", host: "API.Example.com:443",
                rawPath: path)
            let result = processor.process(
                Self.consumed(CaptureRecordMessage(capture).encodedRecord()), baselines: baselines, nowMs: 0)
            guard case .scored(_, _, _, let baselineHits) = result.outcome else {
                Issue.record("not scored: \(path)")
                continue
            }
            let decoded =
                detection == .full
                ? processor.analyzer.analyze(capture).decoded : RequestProcessor.undetected(capture).decoded
            var expected = ObservationBuilder().observe(record: capture, decoded: decoded)
            let expectedHits =
                baselines.baseline(for: capture).map { processor.scorer.score(expected, against: $0).count } ?? 0
            for i in expected.params.indices { expected.params[i].point = -1 }  // worker-local, not sent
            #expect((baselineHits > 0) == expectHits, "\(path): \(baselineHits)")
            #expect(baselineHits == expectedHits, "\(path)")
            let published = try #require(result.outputs.first { $0.topic == processor.observationsTopic })
            let message = try EndpointObservationMessage.decodeRecord(published.value ?? [])
            #expect(EndpointObservation(message) == expected, "\(path)")
        }
    }

    @Test(
        "records written straight to the wire equal those written through the SwiftProtobuf messages",
        arguments: [WorkerDetection.full, .skipped])
    func wireEncodingMatchesMessages(detection: WorkerDetection) throws {
        var settings = WorkerSettings()
        settings.clientKey = .identity
        settings.identityHeaders = ["x-tenant", "user-agent"]
        let wire = RequestProcessor(settings: settings, detection: detection, encoding: .wire)
        let messages = RequestProcessor(settings: settings, detection: detection, encoding: .messages)
        var baselines = BaselineSet()
        baselines.apply(Traffic.itemsBaseline)
        var captures = (0..<40).map { Traffic.request($0).record }
        captures += [
            CaptureRecord(
                id: "login", ts: 9, clientIP: "192.0.2.9", method: "POST", host: "api.example.com", rawPath: "/login",
                headers: [.init("Content-Type", "application/json"), .init("X-Tenant", "acme ✓")],
                body: Array(#"{"username":"alice","password":"hunter2"}"#.utf8), status: 401),
            CaptureRecord(
                id: "jwt", ts: 10, clientIP: "192.0.2.10", method: "get", host: "API.example.com:443",
                rawPath: "/v1/users/42/orders/7f0e1c2a-1b2c-4d3e-8f90-a1b2c3d4e5f6",
                headers: [.init("Authorization", "Bearer " + Traffic.jwt(sub: "svc-7")), .init("x-api-key", "k-1")]),
            CaptureRecord(
                id: "items", ts: 11, clientIP: "192.0.2.11", method: "GET", host: "api.example.com",
                rawPath: "/v1/items/abc-def?debug=1&api_key=q-1"),
        ]
        var verdicts = 0
        for capture in captures {
            let consumed = Self.consumed(CaptureRecordMessage(capture).encodedRecord())
            let a = wire.process(consumed, baselines: baselines, nowMs: 1)
            let b = messages.process(consumed, baselines: baselines, nowMs: 1)
            #expect(a.outcome == b.outcome, "\(capture.id)")
            try #require(a.outputs.count == b.outputs.count)
            for (x, y) in zip(a.outputs, b.outputs) {
                #expect(x.topic == y.topic && x.key == y.key, "\(capture.id)")
                if x.topic == wire.verdictsTopic {
                    // decode_ms is a measured time: the one field allowed to differ.
                    var v = try VerdictMessage.decodeRecord(x.value ?? [])
                    var w = try VerdictMessage.decodeRecord(y.value ?? [])
                    v.decodeMs = 0
                    w.decodeMs = 0
                    #expect(v == w, "\(capture.id)")
                    verdicts += 1
                } else {
                    #expect(x.value == y.value, "\(capture.id)")
                    let observation = EndpointObservation(try EndpointObservationMessage.decodeRecord(x.value ?? []))
                    #expect(x.key == Array(observation.endpoint.observationRecordKey.utf8), "\(capture.id)")
                }
            }
        }
        #expect(verdicts == captures.count)
    }

    @Test("sampled clean verdicts: deterministic by id, close to the rate")
    func sampling() {
        var settings = WorkerSettings()
        settings.cleanVerdicts = .sampled
        settings.cleanVerdictSampleRate = 0.1
        let processor = RequestProcessor(settings: settings)
        let clean = Verdict(
            id: "", ts: 0, client: "", endpoint: .init(host: "", method: "GET", template: "/"), status: nil, score: 0,
            attack: false, hits: [], anomalies: [], decodeMs: 0)
        let kept = (0..<10_000).filter { processor.shouldPublish(clean, id: "id-\($0)") }.count
        #expect((800...1_200).contains(kept), "\(kept)")
        #expect(processor.shouldPublish(clean, id: "id-1") == processor.shouldPublish(clean, id: "id-1"))
        var attack = clean
        attack.hits = [Hit(attackClass: .sqli, point: 0, confidence: 0.9, evidence: "", rule: "")]
        #expect(processor.shouldPublish(attack, id: "x"))
    }

    @Test("settings: defaults resolve; bad values name their key")
    func settings() throws {
        let defaults = try Settings(definitions: WorkerSettings.definitions)
        let s = try WorkerSettings.from(defaults)
        #expect(s.group == "palisade-workers")
        #expect(s.scoringTasks == ProcessInfo.processInfo.activeProcessorCount)
        #expect(s.cleanVerdicts == .all)
        let bad = try Settings(definitions: WorkerSettings.definitions, overrides: ["worker.clean_verdicts": "some"])
        #expect(throws: WorkerConfigurationError.self) { try WorkerSettings.from(bad) }
        // The detection memo: on by default, sized per scoring task, 0 turns it off.
        #expect(s.detectionMemoEntries == DetectionMemo.defaultCapacity)
        #expect(RequestProcessor(settings: s).analyzer.memo?.capacity == DetectionMemo.defaultCapacity)
        let off = try WorkerSettings.from(
            Settings(definitions: WorkerSettings.definitions, overrides: ["worker.detection_memo_entries": "0"]))
        #expect(RequestProcessor(settings: off).analyzer.memo == nil)
        let negative = try Settings(
            definitions: WorkerSettings.definitions, overrides: ["worker.detection_memo_entries": "-1"])
        #expect(throws: (any Error).self) { try WorkerSettings.from(negative) }
    }
}

@Suite
struct AuthEndpointCacheTests {
    @Test("login endpoints remembered per method and template: the classifier's answer, asked twice")
    func authEndpointsRemembered() {
        let extractor = IdentityExtractor(settings: WorkerSettings())
        let classifier = AuthEndpointClassifier()
        let endpoints: [(String, String)] = [
            ("POST", "/login"), ("GET", "/login"), ("POST", "/v1/orders"), ("POST", "/api/auth/token"),
            ("GET X", "/login"), ("GET", "X /login"), ("POST", "/users/{id}/password"), ("PUT", "/v1/items/{id}"),
            ("post", "/Sign-In"), ("POST", ""), ("", "/login"),
        ]
        for _ in 0..<2 {
            for (method, template) in endpoints {
                #expect(
                    extractor.isAuth(method: method, template: template)
                        == classifier.isAuth(method: method, template: template), "\(method) \(template)")
            }
        }
        #expect(extractor.isAuth(method: "POST", template: "/login"))
        #expect(!extractor.isAuth(method: "POST", template: "/v1/orders"))
    }
}
