import Hummingbird
import HummingbirdTesting
import Logging
import PalisadeCore
import PalisadeDetect
import PalisadeKafka
import PalisadePolicy
import PalisadeTransport
import Testing

@testable import AggregatorService

/// Restart with SQLite and Kafka (librdkafka's mock cluster): nothing acknowledged is lost and
/// replaying the same verdicts counts nothing twice.
@Suite(.timeLimit(.minutes(2))) struct RestartTests {
    @Test func restartLosesNothingAndReplaysCountNothingTwice() async throws {
        let dir = TempDirectory()
        let cluster = try KafkaMockCluster(brokers: 1, logger: quietLogger())
        defer { Task { await cluster.shutdown() } }
        let prefix = "r\(UInt32.random(in: 0...UInt32.max))."
        try await cluster.createTopics(PalisadeTopic.allSpecs(prefix: prefix, partitions: 2, replicationFactor: 1))
        let transport = KafkaTransport(configuration: fastKafkaConfiguration(cluster), logger: quietLogger())
        let config = testConfiguration(database: dir.database, prefix: prefix)
        let policy = try blockingPolicy()

        let verdicts = (0..<6).map { i in
            verdict(id: "k\(i)", client: "203.0.113.\(i % 3)", attackClass: .sqli, ts: nowMs + Int64(i))
        }
        try await publish(verdicts, on: transport, prefix: prefix)

        let firstVersion: String
        do {
            let first = try buildAggregator(
                configuration: config, transport: transport, logger: quietLogger(), policy: policy)
            let core = first.core
            firstVersion = try await first.application(logger: quietLogger()).test(.live) { client in
                #expect(try await eventually(timeout: .seconds(30)) { try core.database.attackCount() == 6 })
                #expect(await core.decisions.count == 3)
                let version = try #require(try json(try await client.get("/v1/decisions").body)["version"]?.stringValue)
                // published to the compacted topic
                #expect(
                    try await eventually {
                        let reader = try transport.makeCompactedReader(
                            topic: PalisadeTopic.decisions.name(prefix: prefix))
                        let count = try await reader.catchUp(timeout: .seconds(5)).count
                        await reader.close()
                        return count == 3
                    })
                return version
            }
        }

        // the same verdicts again (a worker redelivering), plus one new
        try await publish(
            verdicts + [verdict(id: "k6", client: "192.0.2.66", attackClass: .sqli)], on: transport, prefix: prefix)

        let second = try buildAggregator(
            configuration: config, transport: transport, logger: quietLogger(), policy: policy)
        let core = second.core
        try await second.application(logger: quietLogger()).test(.live) { client in
            let snapshot = try json(try await client.get("/v1/decisions?since=\(firstVersion)").body)
            #expect(snapshot["full"]?.bool == true, "a new epoch after the restart")
            #expect(try await eventually(timeout: .seconds(30)) { try core.database.attackCount() == 7 })
            try await Task.sleep(for: .milliseconds(500))
            #expect(try core.database.attackCount() == 7, "replayed verdicts are not counted again")
            #expect(await core.decisions.count == 4)
            let status = try json(try await client.get("/v1/status").body)
            #expect(status["counters"]?["verdicts"]?.int == 1)
            #expect(status["counters"]?["duplicate_verdicts"]?.int == 6)
        }
    }
}
