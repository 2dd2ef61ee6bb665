import PalisadeDetect
import PalisadePolicy
import PalisadeRuntime
import PalisadeTransport
import Testing

@testable import AggregatorService

@Suite struct UnitTests {
    @Test func dedupWindowForgetsTheOldestFirst() {
        var window = DedupWindow(capacity: 3, restoring: ["a", "b"])
        var inserted: [Bool] = []
        inserted.append(window.insert("a"))
        inserted.append(window.insert("c"))
        inserted.append(window.insert("d"))  // evicts a
        #expect(window.count == 3)
        inserted.append(window.insert("a"))  // new again; evicts b
        #expect(!window.contains("b"))
        window.forget("d")
        inserted.append(window.insert("d"))
        #expect(inserted == [false, true, true, true, true])
    }

    @Test func recentVerdictsAreBounded() {
        var recent = RecentVerdicts(capacity: 2)
        for id in ["x", "y", "z"] { recent.add(verdict(id: id, client: "192.0.2.1")) }
        #expect(recent["x"] == nil)
        #expect(recent["z"]?.verdict.id == "z")
        #expect(recent.count == 2)
    }

    @Test func heldOffsetsKeepTheLatestPerPartitionWithoutValues() {
        var held = HeldOffsets()
        for offset in [3, 7, 5] as [Int64] {
            held.add(ConsumedRecord(topic: "t", partition: 0, offset: offset, key: [1], value: [2], timestampMs: 0))
        }
        held.add(ConsumedRecord(topic: "t", partition: 1, offset: 1, key: nil, value: [9], timestampMs: 0))
        #expect(held.latest.map(\.offset) == [7, 1])
        #expect(held.latest.allSatisfy { $0.value == nil && $0.key == nil })
    }

    @Test func identitiesFromTheClientKey() {
        #expect(VerdictRecord.identities(client: "203.0.113.7").ip == "203.0.113.7")
        #expect(VerdictRecord.identities(client: "api_key:abc").apiKeyHash == "abc")
        #expect(VerdictRecord.identities(client: "jwt_sub:user-1").jwtSub == "user-1")
        #expect(VerdictRecord.identities(client: "").ip == nil)
    }

    @Test func codecsRoundTrip() throws {
        let decision = Decision(
            scope: .header, value: "x-partner:evil", action: .throttle, reason: "r", sourceRule: "manual",
            createdAt: 1, expiresAt: 2, version: DecisionVersion(epoch: "e1", counter: 9))
        let codec = ProtobufDecisionCodec()
        #expect(try codec.decode(codec.encode(decision)) == decision)
        let record = verdict(id: "v1", client: "198.51.100.4", attackClass: .xss)
        let verdicts = ProtobufVerdictCodec()
        #expect(try verdicts.decode(verdicts.encode(record)) == record)
        #expect(throws: (any Error).self) { try verdicts.decode([0xFF, 0xFF, 0xFF]) }
        let observation = observation(id: "o1", path: "/v1/users/42", query: [("q", "x")])
        let observations = JSONObservationCodec()
        #expect(try observations.decode(observations.encode(observation)) == observation)
        // The topics carry protobuf (revision 2): stable through a round trip, nothing lost.
        let protobuf = ProtobufObservationCodec()
        let once = try protobuf.decode(protobuf.encode(observation))
        #expect(try protobuf.decode(protobuf.encode(once)) == once)
        #expect(once.endpoint == observation.endpoint)
        #expect(once.params.map(\.location) == observation.params.map(\.location))
        #expect(throws: (any Error).self) { try protobuf.decode([0xFF, 0xFF, 0xFF]) }
        // Verdict identity fields survive the protobuf record.
        var identified = record
        identified.identities = ClientIdentities(ip: "198.51.100.4", apiKeyHash: "abc123", jwtSub: "user-1")
        identified.objectIDHash = 42
        identified.usernameHash = 7
        let decoded = try verdicts.decode(verdicts.encode(identified))
        #expect(decoded.identities.apiKeyHash == "abc123")
        #expect(decoded.identities.jwtSub == "user-1")
        #expect(decoded.objectIDHash == 42)
        #expect(decoded.usernameHash == 7)
    }

    @Test func configurationFromSettings() throws {
        let settings = try Settings(
            definitions: AggregatorConfiguration.definitions,
            yaml: """
                aggregator:
                  tokens: [a, b]
                  listen_port: 9000
                  max_poll_wait_secs: 20
                """,
            environment: ["PALISADE_AGGREGATOR_DATABASE_PATH": "/tmp/x.sqlite"])
        let config = try AggregatorConfiguration.from(settings)
        #expect(config.listener.tokens == ["a", "b"])
        #expect(config.listener.port == 9000)
        #expect(config.maxPollWaitSecs == 20)
        #expect(config.databasePath == "/tmp/x.sqlite")
        #expect(config.consumerGroup == "palisade-aggregators")
        #expect(config.topic(.verdicts) == "palisade.verdicts")

        let noToken = try Settings(definitions: AggregatorConfiguration.definitions)
        #expect(throws: Settings.Error.self) { try AggregatorConfiguration.from(noToken) }
        let badWait = try Settings(
            definitions: AggregatorConfiguration.definitions,
            overrides: ["aggregator.tokens": "t", "aggregator.max_poll_wait_secs": "0"])
        #expect(throws: Settings.Error.self) { try AggregatorConfiguration.from(badWait) }
    }

    @Test func attacksOfAVerdictOnePerClassWithCappedEvidence() {
        var record = verdict(id: "v", client: "c", attackClass: .sqli)
        record.verdict.hits.append(
            Hit(
                attackClass: .xss, point: 2, location: "body.json.x", confidence: 0.7,
                evidence: String(repeating: "<script>", count: 100), rule: "xss.tag"))
        record.verdict.hits.append(
            Hit(attackClass: .schemaAnomaly, point: 3, location: "query.id", confidence: 0.6, evidence: "", rule: "s"))
        let rows = AggregatorCore.attacks(of: record.verdict)
        #expect(rows.map(\.attackClass) == ["schema_anomaly", "sqli", "xss"])
        #expect(rows.allSatisfy { $0.detail.utf8.count < 1_000 })
        // anomaly-only and clean verdicts are not stored as attacks
        var clean = verdict(id: "w", client: "c")
        clean.verdict.hits = [
            Hit(attackClass: .schemaAnomaly, point: 1, location: "query.id", confidence: 0.6, evidence: "", rule: "s")
        ]
        #expect(AggregatorCore.attacks(of: clean.verdict).isEmpty)
    }
}
