import PalisadeCore
import Testing

@testable import PalisadeLearn

@Suite("Endpoint statistics")
struct StatsTests {
    static func observation(host: String, path: String, params: [(String, String)], ts: Int64 = 0, status: Int = 200)
        -> EndpointObservation
    {
        var o = TrafficGenerator.observe(
            CaptureRecord(id: "x", ts: ts, method: "GET", host: host, rawPath: path, status: status))
        for (location, value) in params {
            let bytes = Array(value.utf8)
            o.params.append(
                ParamObservation(
                    location: location, source: ParamSource(location: location), shape: ValueShape.classify(bytes[...]))
            )
        }
        return o
    }

    @Test func presenceStatusesAndAuthOnGeneratedTraffic() throws {
        let search = try #require(DiscoveryTests.shared.endpoints().first { $0.key.template == "/search" })
        let stats = search.stats
        let sort = try #require(stats.params["query.sort"])
        let presence = Double(sort.requests) / Double(stats.requests)
        #expect(presence > 0.4 && presence < 0.6)
        #expect(stats.params["query.q"]?.requests == stats.requests)
        #expect(stats.statusCounts == [200: stats.requests])
        let jwtShare = Double(stats.authCounts[AuthScheme.bearerJWT.index]) / Double(stats.requests)
        #expect(jwtShare > 0.6 && jwtShare < 0.8)
        #expect(stats.authSchemes == [AuthSchemeSet(.none), AuthSchemeSet(.bearerJWT)])
        #expect(stats.segmentStats.count == 1)
    }

    @Test func lengthHistogramBucketsAndQuantiles() {
        for bucket in 0..<LengthHistogram.bucketCount {
            let range = LengthHistogram.range(ofBucket: bucket)
            #expect(LengthHistogram.bucket(range.lowerBound) == bucket)
            if bucket < LengthHistogram.bucketCount - 1 {
                #expect(LengthHistogram.bucket(range.upperBound) == bucket)
                #expect(LengthHistogram.bucket(range.upperBound + 1) == bucket + 1)
            }
        }
        var h = LengthHistogram()
        for length in 1...100 { h.add(length) }
        #expect(h.min == 1 && h.max == 100 && h.total == 100)
        #expect(h.quantile(0.01) == 1)
        #expect((96...100).contains(h.quantile(0.99)))
        #expect((48...63).contains(h.quantile(0.5)) || (32...47).contains(h.quantile(0.5)))
        h.add(-5)  // hostile input never traps
        h.add(Int.max)
        #expect(h.max == Int.max)
    }

    @Test func mergeOfPartialStatsEqualsStatsOfTheUnion() {
        var generator = TrafficGenerator(seed: 3)
        let all = generator.observations(2_000).filter { $0.endpoint.template == "/users/{id}/orders" }
        #expect(all.count > 50)
        var union = EndpointStats()
        var left = EndpointStats()
        var right = EndpointStats()
        for (i, o) in all.enumerated() {
            union.add(o)
            if i % 3 == 0 { left.add(o) } else { right.add(o) }
        }
        var merged = left
        merged.merge(right)
        #expect(merged == union)
        var reversed = right
        reversed.merge(left)
        #expect(reversed == union)
    }

    @Test func mergedCatalogsKnowTheSameEndpoints() {
        var generator = TrafficGenerator(seed: 5)
        var a = EndpointCatalog()
        var b = EndpointCatalog()
        var union = EndpointCatalog()
        for (i, o) in generator.observations(4_000).enumerated() {
            union.learn(o)
            if i % 2 == 0 { a.learn(o) } else { b.learn(o) }
        }
        a.merge(b)
        let merged = Dictionary(uniqueKeysWithValues: a.endpoints().map { ($0.key, $0.stats.requests) })
        let expected = Dictionary(uniqueKeysWithValues: union.endpoints().map { ($0.key, $0.stats.requests) })
        #expect(Set(merged.keys) == Set(expected.keys))
        #expect(merged.values.reduce(0, +) == 4_000)
        // Endpoints that were never folded count identically.
        #expect(
            merged[EndpointKey(host: TrafficGenerator.host, method: "GET", template: "/search")]
                == expected[EndpointKey(host: TrafficGenerator.host, method: "GET", template: "/search")])
    }

    @Test func memoryBoundsHoldWithTenThousandEndpointsTimesTwentyParameters() {
        var config = CatalogConfig()
        config.maxParamsPerEndpoint = 32
        var catalog = EndpointCatalog(config: config)
        // 500 hosts × 20 endpoints; each request 20 parameters out of a pool of 40 names.
        var requests = 0
        for round in 0..<2 {
            for host in 0..<500 {
                for endpoint in 0..<20 {
                    var params: [(String, String)] = []
                    for i in 0..<20 {
                        let name: String = "query.p" + String((i + round * 20 + endpoint) % 40)
                        params.append((name, "v" + String(i)))
                    }
                    catalog.learn(
                        Self.observation(
                            host: "h\(host)", path: "/svc/e\(endpoint)/\(host * 100 + round)", params: params))
                    requests += 1
                }
            }
        }
        let endpoints = catalog.endpoints()
        #expect(endpoints.count == 10_000)
        #expect(catalog.totalOverflow == 0)
        for e in endpoints {
            #expect(e.stats.params.count <= 32)
            #expect(e.stats.segmentStats.count == 3)
        }
        #expect(endpoints.reduce(0) { $0 + $1.stats.params.count } <= 10_000 * 32)
        #expect(endpoints.contains { $0.stats.droppedParams > 0 })
        for host in [0, 499] {
            #expect(catalog.nodeCount(host: "h\(host)", method: "GET") <= 1 + 1 + 20 + 20)
        }

        // One host with 10,000 distinct first segments: the position folds, nodes stay bounded.
        var wide = EndpointCatalog()
        for i in 0..<10_000 { wide.learn(Self.observation(host: "w", path: "/name\(i)x/items", params: [])) }
        #expect(wide.endpoints().map(\.key.template) == ["/{param}/items"])
        #expect(wide.nodeCount(host: "w", method: "GET") <= config.maxLiteralChildren + 3)
        #expect(wide.endpoints().first?.stats.requests == 10_000)

        // Too many hosts: counted, not stored.
        var small = CatalogConfig()
        small.maxHostMethods = 100
        var hosts = EndpointCatalog(config: small)
        for i in 0..<1_000 { hosts.learn(Self.observation(host: "x\(i)", path: "/a", params: [])) }
        #expect(hosts.hostMethods.count == 100)
        #expect(hosts.hostOverflow == 900)
    }

    @Test func observationsAreBounded() {
        var config = ObservationBuilder.Config()
        config.maxParams = 10
        let builder = ObservationBuilder(config: config)
        let fields = (0..<50).map { "\"f\($0)\":\($0)" }.joined(separator: ",")
        let record = CaptureRecord(
            id: "x", ts: 0, method: "POST", host: "h", rawPath: "/a",
            headers: [.init("content-type", "application/json")], body: Array("{\(fields)}".utf8))
        let o = builder.observe(record: record, decoded: RequestDecoder().decode(record))
        #expect(o.params.count == 10)
        #expect(o.droppedParams == 40)
    }
}
