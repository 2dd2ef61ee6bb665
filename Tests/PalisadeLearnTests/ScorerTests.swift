import PalisadeCore
import PalisadeDetect
import Testing

@testable import PalisadeLearn

@Suite("Baselines and scoring")
struct ScorerTests {
    /// Baselines of the shared learned catalog, as a worker holds them.
    static let baselines: BaselineSet = {
        var set = BaselineSet()
        let builder = BaselineBuilder()
        for e in DiscoveryTests.shared.endpoints() { set.apply(builder.build(e, now: 1)) }
        return set
    }()

    static func baseline(_ method: String, _ template: String) throws -> EndpointBaseline {
        try #require(baselines.baselines[EndpointKey(host: TrafficGenerator.host, method: method, template: template)])
    }

    static func observe(_ method: String, _ path: String, body: String = "") -> EndpointObservation {
        TrafficGenerator.observe(
            CaptureRecord(
                id: "t", ts: 0, method: method, host: TrafficGenerator.host, rawPath: path,
                headers: body.isEmpty
                    ? [
                        .init("user-agent", "Mozilla/5.0 (X11; Linux x86_64) palisade-test/1"),
                        .init("accept", "application/json"),
                    ]
                    : [
                        .init("user-agent", "Mozilla/5.0 (X11; Linux x86_64) palisade-test/1"),
                        .init("accept", "application/json"),
                        .init("content-type", "application/json"),
                    ],
                body: Array(body.utf8)))
    }

    static func rules(_ hits: [Hit]) -> Set<String> { Set(hits.map(\.rule)) }

    @Test func learningThenEnforcingWithVersions() throws {
        var generator = TrafficGenerator(seed: 11)
        var catalog = EndpointCatalog()
        let builder = BaselineBuilder()
        var previous: EndpointBaseline?
        var states: [EndpointBaseline.State] = []
        for round in 0..<6 {
            for o in generator.observations(500) { catalog.learn(o) }
            let e = try #require(catalog.endpoints().first { $0.key.template == "/search" })
            let b = builder.build(e, now: Int64(round), previous: previous)
            #expect(b.version == round + 1)
            #expect(b.state == (e.stats.requests >= 200 ? .enforcing : .learning))
            states.append(b.state)
            previous = b
        }
        #expect(states.first == .learning)
        #expect(states.last == .enforcing)
        // A learning baseline scores nothing.
        var learning = try #require(previous)
        learning.state = .learning
        #expect(BaselineScorer().score(Self.observe("GET", "/search?zzz=1"), against: learning).isEmpty)
    }

    @Test func workersKeepTheNewestVersionAndMatchTemplates() throws {
        var set = BaselineSet()
        let b = try Self.baseline("GET", "/users/{id}")
        var older = b
        older.version = 0
        let appliedNewer = set.apply(b)
        let appliedOlder = set.apply(older)
        #expect(appliedNewer)
        #expect(!appliedOlder)
        #expect(
            set.baseline(host: TrafficGenerator.host, method: "GET", path: "/users/42?x=1")?.endpoint.template
                == "/users/{id}")
        let all = Self.baselines
        #expect(
            all.baseline(host: TrafficGenerator.host, method: "GET", path: "/users/me")?.endpoint.template
                == "/users/me")
        #expect(
            all.baseline(host: TrafficGenerator.host, method: "GET", path: "/api/2024/stats")?.endpoint.template
                == "/api/2024/stats")
        #expect(
            all.baseline(host: TrafficGenerator.host, method: "GET", path: "/articles/trending")?.endpoint.template
                == "/articles/trending")
        #expect(
            all.baseline(host: TrafficGenerator.host, method: "GET", path: "/articles/some-new-slug")?.endpoint.template
                == "/articles/{param}")
        #expect(all.baseline(host: TrafficGenerator.host, method: "GET", path: "/nope/1/2/3") == nil)
        set.remove(b.endpoint)
        #expect(set.baseline(host: TrafficGenerator.host, method: "GET", path: "/users/42") == nil)
    }

    @Test func quietOnHeldOutNormalTraffic() {
        var generator = TrafficGenerator(seed: 2_026)
        let scorer = BaselineScorer()
        var scored = 0
        var flagged = 0
        var rules: [String: Int] = [:]
        for _ in 0..<5_000 {
            let record = generator.nextRecord()
            guard let baseline = Self.baselines.baseline(for: record), baseline.state == .enforcing else { continue }
            scored += 1
            let hits = scorer.score(generator.observe(record), against: baseline)
            if !hits.isEmpty {
                flagged += 1
                for h in hits { rules[h.rule + " " + h.location, default: 0] += 1 }
            }
        }
        // Written down: FP rate ≤ 0.5 % of requests on held-out normal traffic.
        print("held-out FP: \(flagged)/\(scored) \(rules)")
        #expect(scored > 4_000)
        #expect(Double(flagged) / Double(scored) <= 0.005, "flagged \(flagged)/\(scored): \(rules)")
    }

    @Test func unknownParameter() throws {
        let hits = BaselineScorer().score(
            Self.observe("GET", "/search?q=apple+river&page=2&debug=true"), against: try Self.baseline("GET", "/search")
        )
        #expect(Self.rules(hits) == ["schema.unknown_parameter"])
        #expect(hits.first?.location == "query.debug")
        #expect(hits.first?.attackClass == .schemaAnomaly)
    }

    @Test func formatNeverSeenOnAnIntegerID() throws {
        let hits = BaselineScorer().score(
            Self.observe("GET", "/users/1%20union%20select"), against: try Self.baseline("GET", "/users/{id}"))
        #expect(Self.rules(hits).contains("schema.format"))
        #expect(hits.first?.location == "path.{id}")
        let body = BaselineScorer().score(
            Self.observe(
                "POST", "/users/7/orders", body: #"{"items":[{"sku":"SKU-1234","qty":"1 OR 1=1"}],"currency":"EUR"}"#),
            against: try Self.baseline("POST", "/users/{id}/orders"))
        #expect(
            body.contains {
                $0.rule == "schema.format" && $0.location == "body.json.items[].qty" && $0.confidence >= 0.7
            })
    }

    @Test func lengthFarOutsideTheLearnedRange() throws {
        let long = Array(repeating: "apple", count: 80).joined(separator: "+")
        let hits = BaselineScorer().score(
            Self.observe("GET", "/search?q=\(long)&page=1"), against: try Self.baseline("GET", "/search"))
        #expect(Self.rules(hits) == ["schema.length"])
        #expect(hits.first?.location == "query.q")
    }

    @Test func newCharacterClasses() throws {
        let hits = BaselineScorer().score(
            Self.observe("GET", "/search?q=apple<script>&page=1"), against: try Self.baseline("GET", "/search"))
        #expect(Self.rules(hits) == ["schema.charset"])
        #expect(hits.first?.confidence == BaselineScorer.Config().newPunct)
    }

    @Test func missingRequiredParameter() throws {
        let hits = BaselineScorer().score(
            Self.observe("GET", "/search?page=1"), against: try Self.baseline("GET", "/search"))
        #expect(Self.rules(hits) == ["schema.missing_required"])
        #expect(hits.first?.location == "query.q")
    }

    @Test func openParameterBaselinesDoNotFlagUnknownParameters() throws {
        var b = try Self.baseline("GET", "/search")
        b.openParameters = true
        #expect(BaselineScorer().score(Self.observe("GET", "/search?q=apple+river&page=2&debug=1"), against: b).isEmpty)
    }

    @Test func fieldsThatAlwaysCarryEncodedContentAreExpectedEncoded() throws {
        var catalog = EndpointCatalog()
        var generator = TrafficGenerator(seed: 1)
        for _ in 0..<300 {
            var o = Self.observe("GET", "/feed?cursor=1")
            o.params = [
                ParamObservation(
                    location: "query.cursor", source: .query,
                    shape: ValueShape(
                        format: .base64, length: 24 + generator.int(0...2) * 4,
                        charset: [.lower, .upper, .digit, .punct]),
                    encodings: EncodingSet(.json)),
                ParamObservation(
                    location: "query.limit", source: .query,
                    shape: ValueShape(format: .integer, length: 2, charset: .digit)),
            ]
            catalog.learn(o)
        }
        let b = BaselineBuilder().build(try #require(catalog.endpoints().first), now: 0)
        #expect(b.expectsEncoded(location: "query.cursor"))
        #expect(!b.expectsEncoded(location: "query.limit"))
        #expect(!b.expectsEncoded(location: "query.unknown"))
    }

    @Test func subsumedFormatsAreNotAnomalies() {
        let accepted = BaselineScorer.accepted([.word])
        #expect(accepted.contains(FormatSet(.hex)))
        #expect(accepted.contains(FormatSet(.integer)))
        #expect(!accepted.contains(FormatSet(.text)))
        #expect(!BaselineScorer.accepted([.integer]).contains(FormatSet(.word)))
    }
}

extension ScorerTests {
    @Test func sensitivityPresets() throws {
        let search = try Self.baseline("GET", "/search")
        let unknown = Self.observe("GET", "/search?q=apple+river&page=2&debug=true")
        #expect(BaselineScorer(sensitivity: .low).score(unknown, against: search).isEmpty)
        #expect(BaselineScorer(sensitivity: .high).score(unknown, against: search).first?.confidence == 0.6)
        let missing = Self.observe("GET", "/search?page=1")
        #expect(BaselineScorer(sensitivity: .low).score(missing, against: search).isEmpty)
        // Strong signals stay at every level.
        let injected = Self.observe("GET", "/users/1%20union%20select")
        for level in Sensitivity.allCases {
            let hits = BaselineScorer(sensitivity: level).score(
                injected, against: try Self.baseline("GET", "/users/{id}"))
            #expect(hits.contains { $0.rule == "schema.format" }, "\(level)")
        }
    }
}

extension ScorerTests {
    @Test func extremeBaselinesNeverTrap() throws {
        var b = try Self.baseline("GET", "/search")
        b.parameters = b.parameters.map { p in
            var p = p
            p.maxLength = .max
            p.p99Length = .max
            p.minLength = .min
            return p
        }
        _ = BaselineScorer().score(Self.observe("GET", "/search?q=apple+river&page=2"), against: b)
        b.parameters = b.parameters.map { p in
            var p = p
            p.maxLength = -5
            p.p99Length = .min
            p.minLength = .max
            return p
        }
        let hits = BaselineScorer().score(Self.observe("GET", "/search?q=apple+river&page=2"), against: b)
        #expect(hits.contains { $0.rule == "schema.length" })
    }
}
