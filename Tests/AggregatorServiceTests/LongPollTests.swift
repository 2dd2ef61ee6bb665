import Hummingbird
import HummingbirdTesting
import PalisadeCore
import PalisadePolicy
import Testing

@testable import AggregatorService

@Suite(.timeLimit(.minutes(1))) struct LongPollTests {
    @Test func decisionMadeWhileWaitingIsDeliveredAtOnce() async throws {
        let dir = TempDirectory()
        let aggregator = try buildAggregator(
            configuration: testConfiguration(database: dir.database), transport: try await inProcessTransport(),
            logger: quietLogger())
        let core = aggregator.core
        try await aggregator.application(logger: quietLogger()).test(.live) { client in
            let first = try json(try await client.get("/v1/decisions?since=0").body)
            #expect(first["full"]?.bool == true)
            let version = try #require(first["version"]?.stringValue)
            let encoded = version.replacingOccurrences(of: ":", with: "%3A")
            let started = ContinuousClock.now
            async let answer = client.get("/v1/decisions?since=\(encoded)&wait=20")
            try await Task.sleep(for: .milliseconds(300))
            _ = try await core.addDecision(
                scope: .ip, value: "203.0.113.9", action: .block, ttlSecs: 600, reason: "test", actor: "test",
                now: systemMillisClock())
            let response = try await answer
            let elapsed = ContinuousClock.now - started
            #expect(response.status == .ok)
            let body = try json(response.body)
            #expect(body["full"]?.bool == false)
            let upserts = body["upserts"]?.array ?? []
            #expect(upserts.count == 1)
            #expect(upserts.first?["value"]?.stringValue == "203.0.113.9")
            #expect(upserts.first?["action"]?.stringValue == "block")
            #expect(elapsed < .seconds(5), "answered when the decision was made, not at the 20 s deadline")
        }
    }

    @Test func nothingNewAnswersAnEmptyDeltaAtTheDeadline() async throws {
        let dir = TempDirectory()
        let aggregator = try buildAggregator(
            configuration: testConfiguration(database: dir.database), transport: try await inProcessTransport(),
            logger: quietLogger())
        try await aggregator.application(logger: quietLogger()).test(.router) { client in
            let version = try #require(try json(try await client.get("/v1/decisions").body)["version"]?.stringValue)
            let started = ContinuousClock.now
            let response = try await client.get("/v1/decisions?since=\(version)&wait=1")
            #expect(ContinuousClock.now - started >= .milliseconds(900))
            #expect(
                String(buffer: response.body) == #"{"version":"\#(version)","full":false,"upserts":[],"removals":[]}"#)
        }
    }

    @Test func restartStartsANewEpochAndForcesAFullSnapshot() async throws {
        let dir = TempDirectory()
        let config = testConfiguration(database: dir.database)
        var oldVersion = ""
        do {
            let first = try buildAggregator(
                configuration: config, transport: try await inProcessTransport(), logger: quietLogger())
            _ = try await first.core.addDecision(
                scope: .cidr, value: "198.51.100.0/24", action: .throttle, ttlSecs: 3_600, reason: "r", actor: "t",
                now: systemMillisClock())
            oldVersion = await first.core.version.description
        }
        let since = oldVersion
        let second = try buildAggregator(
            configuration: config, transport: try await inProcessTransport(), logger: quietLogger())
        try await second.application(logger: quietLogger()).test(.router) { client in
            let started = ContinuousClock.now
            let body = try json(try await client.get("/v1/decisions?since=\(since)&wait=10").body)
            #expect(ContinuousClock.now - started < .seconds(2), "a foreign epoch is answered at once")
            #expect(body["full"]?.bool == true)
            let version = try #require(body["version"]?.stringValue)
            #expect(DecisionVersion(parsing: version)?.epoch != DecisionVersion(parsing: since)?.epoch)
            let upserts = body["upserts"]?.array ?? []
            #expect(upserts.map { $0["value"]?.stringValue } == ["198.51.100.0/24"])
            #expect(upserts.first?["action"]?.stringValue == "throttle")
        }
    }

    @Test func expiredDecisionsAreDeliveredAsRemovals() async throws {
        let dir = TempDirectory()
        let aggregator = try buildAggregator(
            configuration: testConfiguration(database: dir.database), transport: try await inProcessTransport(),
            logger: quietLogger())
        let core = aggregator.core
        try await aggregator.application(logger: quietLogger()).test(.live) { client in
            _ = try await core.addDecision(
                scope: .ip, value: "203.0.113.77", action: .block, ttlSecs: 1, reason: "short", actor: "t",
                now: systemMillisClock())
            let snapshot = try json(try await client.get("/v1/decisions?since=0").body)
            #expect(snapshot["upserts"]?.array.count == 1)
            let version = try #require(snapshot["version"]?.stringValue)
            let body = try json(try await client.get("/v1/decisions?since=\(version)&wait=10").body)
            #expect(body["full"]?.bool == false)
            #expect(body["removals"]?.array.map(\.stringValue) == ["ip:203.0.113.77"])
            #expect(await core.decisions.isEmpty)
            #expect(try core.database.loadDecisions().isEmpty, "the expiry is persisted")
        }
    }
}
