import Hummingbird
import HummingbirdTesting
import PalisadeCore
import PalisadeLearn
import PalisadeTransport
import Testing

@testable import AggregatorService

@Suite(.timeLimit(.minutes(1))) struct DiscoveryTests {
    @Test func observationsBecomeEndpointsOpenAPIAndBaselines() async throws {
        let dir = TempDirectory()
        let transport = try await inProcessTransport()
        var config = testConfiguration(database: dir.database)
        config.baselineMinRequests = 10
        let aggregator = try buildAggregator(configuration: config, transport: transport, logger: quietLogger())
        let observations: [EndpointObservation] = (0..<40).flatMap { i in
            [
                observation(id: "u\(i)", path: "/v1/users/\(1000 + i)", query: [("expand", "orders")]),
                observation(id: "o\(i)", path: "/v1/users/\(2000 + i)/orders"),
                observation(id: "s\(i)", path: "/v2/stats/summary", query: [("day", "2026-11-\(10 + i % 9)")]),
            ]
        }
        try await aggregator.application(logger: quietLogger()).test(.live) { client in
            try await publish(observations, on: transport)
            #expect(try await eventually { try json(try await client.get("/v1/endpoints").body)["total"]?.int == 3 })
            let endpoints = try json(try await client.get("/v1/endpoints").body)["endpoints"]?.array ?? []
            let templates = endpoints.compactMap { $0["template"]?.stringValue }.sorted()
            #expect(templates == ["/v1/users/{id}", "/v1/users/{id}/orders", "/v2/stats/summary"])
            let users = try #require(endpoints.first { $0["template"]?.stringValue == "/v1/users/{id}" })
            #expect(users["requests"]?.int == 40)
            #expect(users["state"]?.stringValue == "enforcing")
            let locations = (users["parameters"]?.array ?? []).compactMap { $0["location"]?.stringValue }
            #expect(locations.contains("query.expand"))
            #expect(locations.contains("path.{id}"))

            let openAPI = try json(try await client.get("/v1/openapi.json").body)
            let paths = openAPI["paths"]
            #expect(paths?["/v1/users/{id}"] != nil)
            #expect(paths?["/v1/users/{id}/orders"] != nil)
            #expect(paths?["/v2/stats/summary"] != nil)
            let yaml = String(buffer: try await client.get("/v1/openapi.yaml").body)
            #expect(yaml.contains("/v1/users/{id}"))

            // baselines reach the compacted topic
            #expect(
                try await eventually {
                    let reader = try transport.makeCompactedReader(topic: PalisadeTopic.baselines.name())
                    let count = try await reader.catchUp(timeout: .seconds(2)).count
                    await reader.close()
                    return count == 3
                })
            // keyed `host METHOD template` (docs/RECORDS.md), what workers and their tests use
            let reader = try transport.makeCompactedReader(topic: PalisadeTopic.baselines.name())
            let keys = try await reader.catchUp(timeout: .seconds(2)).keys.map { String(decoding: $0, as: UTF8.self) }
            await reader.close()
            #expect(
                keys.sorted() == [
                    "api.example.com GET /v1/users/{id}", "api.example.com GET /v1/users/{id}/orders",
                    "api.example.com GET /v2/stats/summary",
                ])

            // comparison with a spec that documents only the users endpoint
            let spec = """
                {"openapi":"3.1.0","info":{"title":"t","version":"1"},
                 "paths":{"/v1/users/{userId}":{"get":{"parameters":[{"name":"userId","in":"path","required":true}]}},
                          "/v1/legacy":{"get":{}}}}
                """
            let compared = try json(
                try await client.executeRequest(
                    uri: "/v1/openapi/compare", method: .post, headers: auth, body: ByteBuffer(string: spec)
                ).body)
            let shadow = (compared["shadow"]?.array ?? []).compactMap { $0["template"]?.stringValue }.sorted()
            #expect(shadow == ["/v1/users/{id}/orders", "/v2/stats/summary"])
            #expect((compared["zombies"]?.array ?? []).compactMap { $0["path"]?.stringValue } == ["/v1/legacy"])
            #expect(
                (compared["undocumented"]?.array ?? []).compactMap { $0["location"]?.stringValue } == ["query.expand"])
        }
        // the catalog survives a restart
        let restarted = try buildAggregator(configuration: config, transport: transport, logger: quietLogger())
        #expect(await restarted.core.endpoints().count == 3)
    }
}
