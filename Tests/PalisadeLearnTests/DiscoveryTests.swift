import PalisadeCore
import Testing

@testable import PalisadeLearn

@Suite("API discovery")
struct DiscoveryTests {
    /// Learned once for the suite (debug builds are slow).
    static let shared = learnedCatalog()

    static func learnedCatalog(_ count: Int = 6_000, seed: UInt64 = 42) -> EndpointCatalog {
        var generator = TrafficGenerator(seed: seed)
        var catalog = EndpointCatalog()
        for o in generator.observations(count) { catalog.learn(o) }
        return catalog
    }

    @Test func generatedTrafficYieldsExactlyTheAPIsTemplates() {
        let catalog = Self.shared
        let found = Set(catalog.endpoints().map { $0.key.method + " " + $0.key.template })
        #expect(found == TrafficGenerator.expectedTemplates)
        #expect(catalog.totalOverflow == 0)
    }

    @Test func parameterTypesAreLearned() throws {
        let catalog = Self.shared
        let byKey = Dictionary(
            uniqueKeysWithValues: catalog.endpoints().map { ($0.key.method + " " + $0.key.template, $0) })
        let builder = BaselineBuilder()

        let user = builder.build(try #require(byKey["GET /users/{id}"]), now: 0)
        #expect(user.parameter("path.{id}")?.formats.map(\.format) == [.integer])

        let order = builder.build(try #require(byKey["GET /users/{id}/orders/{uuid}"]), now: 0)
        #expect(order.parameter("path.{uuid}")?.formats.map(\.format) == [.uuid])
        #expect(order.parameter("path.{id}")?.formats.map(\.format) == [.integer])

        let files = builder.build(try #require(byKey["GET /files/{hex}"]), now: 0)
        #expect(files.parameter("path.{hex}")?.formats.map(\.format) == [.hex])

        let daily = builder.build(try #require(byKey["GET /reports/daily/{date}"]), now: 0)
        #expect(daily.parameter("path.{date}")?.formats.map(\.format) == [.date])

        let invites = builder.build(try #require(byKey["GET /invites/{email}"]), now: 0)
        #expect(invites.parameter("path.{email}")?.formats.map(\.format) == [.email])

        let share = builder.build(try #require(byKey["GET /share/{token}"]), now: 0)
        #expect(share.parameter("path.{token}")?.formats.map(\.format) == [.token])

        let articles = builder.build(try #require(byKey["GET /articles/{param}"]), now: 0)
        #expect(articles.parameter("path.{param}")?.formats.map(\.format) == [.word])

        let post = builder.build(try #require(byKey["POST /users/{id}/orders"]), now: 0)
        let sku = try #require(post.parameter("body.json.items[].sku"))
        #expect(sku.formats.map(\.format) == [.word])
        #expect(sku.required)
        let qty = try #require(post.parameter("body.json.items[].qty"))
        #expect(qty.formats.map(\.format) == [.integer])
        #expect(qty.type == .number)
        let note = try #require(post.parameter("body.json.note"))
        #expect(!note.required)
        #expect(note.presence > 0.15 && note.presence < 0.35)
        #expect(note.formats.map(\.format) == [.text])

        let search = builder.build(try #require(byKey["GET /search"]), now: 0)
        #expect(search.parameter("query.q")?.formats.map(\.format) == [.text])
        #expect(search.parameter("query.page")?.formats.map(\.format) == [.integer])
        #expect(search.parameter("query.sort")?.required == false)
        #expect(search.parameter("query.q")?.required == true)

        let login = builder.build(try #require(byKey["POST /login"]), now: 0)
        #expect(login.parameter("body.json.username")?.sensitive.contains(.email) == true)
        #expect(login.parameter("body.json.username")?.formats.map(\.format) == [.email])
        #expect(Set(login.authSchemes) == [.none, .bearerJWT])
        #expect(login.contentTypes == ["application/json"])
        #expect(login.parameter("header.x-request-id") == nil)  // noise header
        #expect(login.parameter("header.user-agent") != nil)
    }

    @Test(arguments: [
        // Numeric resource names and versioned paths stay literal.
        ("/api/2024/stats", "/api/2024/stats"),
        ("/v2/reports/summary", "/v2/reports/summary"),
        ("/users/me", "/users/me"),
        ("/users/17", "/users/{id}"),
        ("/users/17/orders/6f1c2a4e-1b2c-4d3e-a4f5-0123456789ab", "/users/{id}/orders/{uuid}"),
        ("/articles/how-to-bake", "/articles/{param}"),
        ("/articles/trending", "/articles/trending"),
    ])
    func templateForPath(path: String, template: String) throws {
        let catalog = Self.shared
        let method = "GET"
        let o = TrafficGenerator.observe(
            CaptureRecord(id: "x", ts: 0, method: method, host: TrafficGenerator.host, rawPath: path))
        #expect(catalog.endpoint(for: o)?.template == template)
    }

    @Test func aNumericPositionWithManyValuesIsAParameter() {
        var catalog = EndpointCatalog()
        for year in 2000..<2100 {
            for _ in 0..<2 {
                catalog.learn(
                    TrafficGenerator.observe(
                        CaptureRecord(id: "x", ts: 0, method: "GET", host: "h", rawPath: "/api/\(year)/stats")))
            }
        }
        #expect(catalog.endpoints().map(\.key.template) == ["/api/{id}/stats"])
    }

    @Test func aSingleNumberNeedsEnoughSamplesToBeALiteral() {
        var catalog = EndpointCatalog()
        for _ in 0..<10 {
            catalog.learn(
                TrafficGenerator.observe(
                    CaptureRecord(id: "x", ts: 0, method: "GET", host: "h", rawPath: "/api/2024/stats")))
        }
        #expect(catalog.endpoints().map(\.key.template) == ["/api/{id}/stats"])
        for _ in 0..<50 {
            catalog.learn(
                TrafficGenerator.observe(
                    CaptureRecord(id: "x", ts: 0, method: "GET", host: "h", rawPath: "/api/2024/stats")))
        }
        #expect(catalog.endpoints().map(\.key.template) == ["/api/2024/stats"])
    }

    @Test func aResourceNameSeenOnlyAfterTheFoldIsPromoted() {
        var catalog = EndpointCatalog()
        var generator = TrafficGenerator(seed: 7)
        for _ in 0..<300 {
            catalog.learn(
                TrafficGenerator.observe(
                    CaptureRecord(id: "x", ts: 0, method: "GET", host: "h", rawPath: "/tags/\(generator.slug())")))
        }
        #expect(catalog.endpoints().map(\.key.template) == ["/tags/{param}"])
        for i in 0..<400 {
            let path = i % 3 == 0 ? "/tags/popular" : "/tags/\(generator.slug())"
            catalog.learn(
                TrafficGenerator.observe(CaptureRecord(id: "x", ts: 0, method: "GET", host: "h", rawPath: path)))
        }
        #expect(catalog.endpoints().map(\.key.template) == ["/tags/popular", "/tags/{param}"])
    }

    @Test func manyTopLevelResourcesAreNotMerged() {
        var catalog = EndpointCatalog()
        var generator = TrafficGenerator(seed: 8)
        let resources = (0..<40).map { "resource\(Character(UnicodeScalar(97 + $0 % 26)!))\($0 / 26)" }
        for _ in 0..<2_000 {
            let r = resources[generator.int(0...39)]
            let path = generator.int(0...1) == 0 ? "/\(r)" : "/\(r)/\(generator.int(1...9_999))"
            catalog.learn(
                TrafficGenerator.observe(CaptureRecord(id: "x", ts: 0, method: "GET", host: "h", rawPath: path)))
        }
        let templates = Set(catalog.endpoints().map(\.key.template))
        #expect(templates.count == 80)
        #expect(templates.contains("/resourcea0/{id}"))
        #expect(!templates.contains { $0.contains("{param}") })
    }

    @Test func manyRepeatedSubResourcesAreNotMerged() {
        // 30 sub-resources of an item, each requested again and again: no long tail, no fold.
        var catalog = EndpointCatalog()
        var generator = TrafficGenerator(seed: 12)
        for _ in 0..<3_000 {
            let path = "/items/\(generator.int(1...500))/part\(generator.int(0...29))"
            catalog.learn(
                TrafficGenerator.observe(CaptureRecord(id: "x", ts: 0, method: "GET", host: "h", rawPath: path)))
        }
        #expect(catalog.endpoints().count == 30)
    }

    @Test func overridesPinAndSplitTemplates() {
        var catalog = EndpointCatalog()
        catalog.addOverride(TemplateOverride(host: "h", method: "GET", template: "/tenants/{tenant}/items"))
        catalog.addOverride(TemplateOverride(template: "/users/admin"))
        for name in ["acme", "globex", "initech"] {
            catalog.learn(
                TrafficGenerator.observe(
                    CaptureRecord(id: "x", ts: 0, method: "GET", host: "h", rawPath: "/tenants/\(name)/items")))
        }
        for id in ["1", "2", "admin"] {
            catalog.learn(
                TrafficGenerator.observe(
                    CaptureRecord(id: "x", ts: 0, method: "GET", host: "h", rawPath: "/users/\(id)")))
        }
        let endpoints = catalog.endpoints()
        #expect(Set(endpoints.map(\.key.template)) == ["/tenants/{tenant}/items", "/users/admin", "/users/{id}"])
        #expect(endpoints.first { $0.key.template == "/tenants/{tenant}/items" }?.stats.requests == 3)
        #expect(endpoints.first { $0.key.template == "/users/admin" }?.pinned == true)
    }

    @Test func endpointCapsOverflowIntoACountedBucket() {
        var config = CatalogConfig()
        config.maxEndpointsPerHostMethod = 10
        config.cardinalityThreshold = 1_000
        config.maxLiteralChildren = 1_000
        var catalog = EndpointCatalog(config: config)
        for i in 0..<50 {
            catalog.learn(
                TrafficGenerator.observe(CaptureRecord(id: "x", ts: 0, method: "GET", host: "h", rawPath: "/r\(i)/x")))
        }
        #expect(catalog.endpointCount(host: "h", method: "GET") == 10)
        #expect(catalog.overflowCount(host: "h", method: "GET") == 40)
        // Known endpoints still learn.
        let outcome = catalog.learn(
            TrafficGenerator.observe(CaptureRecord(id: "x", ts: 0, method: "GET", host: "h", rawPath: "/r3/x")))
        #expect(outcome == .learned(EndpointKey(host: "h", method: "GET", template: "/r3/x")))
    }
}

extension DiscoveryTests {
    @Test func aLongStreamOfOneOffValuesNeverPromotes() {
        var catalog = EndpointCatalog()
        for i in 0..<20_000 {
            catalog.learn(
                TrafficGenerator.observe(
                    CaptureRecord(id: "x", ts: 0, method: "GET", host: "h", rawPath: "/tags/name-\(i)x")))
        }
        #expect(catalog.endpoints().map(\.key.template) == ["/tags/{param}"])
    }
}

extension DiscoveryTests {
    /// The same API under other seeds and volumes: discovery must not depend on luck.
    @Test(arguments: [(UInt64(1), 3_000), (2, 5_000), (3, 8_000)])
    func templatesAreStableAcrossSeedsAndVolumes(seed: UInt64, count: Int) {
        let catalog = Self.learnedCatalog(count, seed: seed)
        let found = Set(catalog.endpoints().map { $0.key.method + " " + $0.key.template })
        #expect(
            found == TrafficGenerator.expectedTemplates,
            "missing \(TrafficGenerator.expectedTemplates.subtracting(found)), extra \(found.subtracting(TrafficGenerator.expectedTemplates))"
        )
    }
}

extension DiscoveryTests {
    @Test func tooDeepPathsOverflow() throws {
        var catalog = EndpointCatalog()
        var o = TrafficGenerator.observe(CaptureRecord(id: "x", ts: 0, method: "GET", host: "h", rawPath: "/a"))
        o.segments = Array(repeating: PathSegmentObservation("a"), count: 200)
        #expect(catalog.learn(o) == .overflow)
        #expect(catalog.overflowCount(host: "h", method: "GET") == 1)
        #expect(try EndpointCatalog(snapshot: Array(catalog.snapshot().utf8)) == catalog)
    }
}
