import Hummingbird
import HummingbirdTesting
import PalisadeCore
import PalisadeDetect
import PalisadePolicy
import PalisadeTransport
import Testing

@testable import AggregatorService

@Suite(.timeLimit(.minutes(1))) struct PolicyModeTests {
    func decisions(mode: String, allowIPs: [String] = []) async throws -> [JSONValue] {
        let dir = TempDirectory()
        let aggregator = try buildAggregator(
            configuration: testConfiguration(database: dir.database), transport: try await inProcessTransport(),
            logger: quietLogger(), policy: try blockingPolicy(mode: mode, allowIPs: allowIPs))
        try await aggregator.core.absorb([
            verdict(id: "r1", client: "203.0.113.7", attackClass: .sqli),
            verdict(id: "r2", client: "198.51.100.7", attackClass: .xss),
            verdict(id: "r3", client: "192.0.2.1"),
        ])
        let upserts = try await aggregator.application(logger: quietLogger()).test(.router) { client in
            try json(try await client.get("/v1/decisions?since=0").body)["upserts"]?.array ?? []
        }
        // the attacks are stored whatever the mode
        #expect(try aggregator.core.database.attackCount() == 2)
        return upserts
    }

    @Test func monitoringNeverBlocksButRecordsWhatWouldHaveBeenBlocked() async throws {
        let upserts = try await decisions(mode: "monitoring")
        #expect(upserts.count == 2)
        for decision in upserts {
            #expect(decision["action"]?.stringValue == "monitor")
            #expect(decision["reason"]?.stringValue?.hasPrefix("[monitoring: would block]") == true)
        }
    }

    @Test func blockingBlocks() async throws {
        let upserts = try await decisions(mode: "blocking")
        #expect(upserts.compactMap { $0["value"]?.stringValue }.sorted() == ["198.51.100.7", "203.0.113.7"])
        #expect(upserts.allSatisfy { $0["action"]?.stringValue == "block" })
        #expect(upserts.allSatisfy { $0["source_rule"]?.stringValue == "injection" })
    }

    @Test func allowlistsWin() async throws {
        let upserts = try await decisions(mode: "blocking", allowIPs: ["198.51.100.7"])
        #expect(upserts.map { $0["value"]?.stringValue } == ["203.0.113.7"])
    }

    @Test func operatorsCannotBlockAllowlistedAddresses() async throws {
        let dir = TempDirectory()
        let aggregator = try buildAggregator(
            configuration: testConfiguration(database: dir.database), transport: try await inProcessTransport(),
            logger: quietLogger(), policy: try blockingPolicy(allowIPs: ["198.51.100.7"]))
        try await aggregator.application(logger: quietLogger()).test(.router) { client in
            let response = try await client.executeRequest(
                uri: "/v1/decisions", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"scope":"ip","value":"198.51.100.7"}"#))
            #expect(response.status == .conflict)
            #expect(try json(response.body)["error"]?.stringValue == "allowlisted")
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct BehaviourScenarioTests {
    /// Brute force through verdict records on the in-process transport: 401 storm on a login
    /// endpoint → a block on `palisade.decisions` and in the long-poll answer.
    @Test func bruteForceBecomesABlockOnTheTopicAndInTheLongPoll() async throws {
        let dir = TempDirectory()
        let transport = try await inProcessTransport()
        let aggregator = try buildAggregator(
            configuration: testConfiguration(database: dir.database), transport: transport, logger: quietLogger(),
            policy: try blockingPolicy())
        let core = aggregator.core
        try await aggregator.application(logger: quietLogger()).test(.live) { client in
            let version = try #require(
                try json(try await client.get("/v1/decisions?since=0").body)["version"]?.stringValue)
            let attempts = (0..<15).map { i in
                verdict(
                    id: "login-\(i)", client: "203.0.113.50", method: "POST", template: "/v1/login", status: 401,
                    ts: nowMs + Int64(i) * 1_000)
            }
            async let answer = client.get("/v1/decisions?since=\(version)&wait=20")
            try await publish(attempts, on: transport)
            let body = try json(try await answer.body)
            let upserts = body["upserts"]?.array ?? []
            #expect(upserts.first?["value"]?.stringValue == "203.0.113.50")
            #expect(upserts.first?["scope"]?.stringValue == "ip")
            #expect(upserts.first?["action"]?.stringValue == "block")
            #expect(upserts.first?["source_rule"]?.stringValue == "login-abuse")

            // on the compacted topic, keyed scope:value
            let key = Array("ip:203.0.113.50".utf8)
            var value: [UInt8]?
            for _ in 0..<100 where value == nil {
                let reader = try transport.makeCompactedReader(topic: PalisadeTopic.decisions.name())
                value = try await reader.catchUp(timeout: .seconds(2))[key]
                await reader.close()
                if value == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let published = try ProtobufDecisionCodec().decode(try #require(value))
            #expect(published.action == .block)

            // the finding is stored as an attack and grouped as an incident
            #expect(
                try await eventually { try core.database.attackCount(AttackFilter.with(class: "brute_force")) == 1 })
            let incidents = try json(try await client.get("/v1/incidents?class=brute_force").body)["incidents"]?.array
            #expect(incidents?.first?["client"]?.stringValue == "203.0.113.50")
        }
    }
}

extension AttackFilter {
    static func with(class name: String) -> AttackFilter {
        var filter = AttackFilter()
        filter.attackClass = name
        return filter
    }
}
