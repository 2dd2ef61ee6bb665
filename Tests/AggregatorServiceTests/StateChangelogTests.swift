import PalisadeCore
import PalisadeLearn
import PalisadePolicy
import PalisadeTransport
import Testing

@testable import AggregatorService

/// The pieces of the partition handover without Kafka: the changelog's records, and the core
/// taking over events, trees and other aggregators' decisions.
@Suite(.timeLimit(.minutes(1))) struct StateChangelogTests {
    func events(_ ids: Range<Int>, client: String = "198.51.100.9", ts: Int64 = nowMs) -> [BehaviourEvent] {
        ids.map { i in
            verdict(
                id: "login-\(i)", client: client, method: "POST", template: "/v1/login", status: 401,
                ts: ts + Int64(i) * 1_000
            ).event(classifier: AuthEndpointClassifier())
        }
    }

    @Test func recordsPerPartitionRestoreInOffsetOrderAndExpireAfterTheSpan() throws {
        var writer = StateChangelog(topic: "t", epoch: "e1", spanMs: 60_000)
        let batch = events(0..<4)
        let records = writer.records(
            for: [(1, 10, batch[0]), (1, 11, batch[1]), (0, 7, batch[2]), (1, 12, batch[3])], now: nowMs)
        #expect(
            records.map { String(decoding: $0.key ?? [], as: UTF8.self) } == [
                "behaviour/0/00000000000000000007/e1", "behaviour/1/00000000000000000010/e1",
            ])
        let later = writer.records(for: [(1, 13, events(4..<5)[0])], now: nowMs)
        #expect(later.count == 1)
        #expect(StateChangelog.parse("behaviour/1/00000000000000000013/e1")! == (1, 13))
        #expect(StateChangelog.parse("catalog/1/GET api") == nil)

        var view: [[UInt8]: [UInt8]] = [:]
        for record in records + later { view[record.key!] = record.value }
        view[Array("behaviour/1/00000000000000000009/e0".utf8)] = [0xFF]  // damaged: skipped, counted
        var reader = StateChangelog(topic: "t", epoch: "e2", spanMs: 60_000)
        let restored = reader.restore(from: view, partitions: [1])
        #expect(restored.events.map(\.requestID) == ["login-0", "login-1", "login-3", "login-4"])
        #expect(restored.damaged == 1)

        // records whose newest event left the span are tombstoned by the owner, once
        #expect(reader.expired(now: nowMs + 3_000 + 60_001).count == 1, "the record of offset 10 (newest event 3 s)")
        let expired = reader.expired(now: nowMs + 4_000 + 60_001)
        #expect(expired.count == 1 && expired.allSatisfy { $0.value == nil })
        #expect(reader.expired(now: nowMs + 200_000).isEmpty)
        reader.forget([1])
        #expect(reader.live.isEmpty)
    }

    /// Keys set out of time order, set again, forgotten: the expired ones are exactly those whose
    /// newest time left the span (as a scan of every live key finds them), each tombstoned once.
    @Test func expiryMatchesAScanOfEveryLiveKey() {
        var random = SplitMix64(seed: 7)
        var changelog = StateChangelog(topic: "t", epoch: "e1", spanMs: 1_000)
        var model: [Int32: [String: Int64]] = [:]
        var now: Int64 = 10_000
        func expire() -> [String] {
            var keys: [String] = []
            for partition in model.keys.sorted() {
                let old = model[partition, default: [:]].filter { $0.value < now - 1_000 }.keys.sorted()
                for key in old { model[partition]?[key] = nil }
                keys += old
            }
            return keys
        }
        func tombstones(_ records: [OutgoingRecord]) -> [String] {
            records.filter { $0.value == nil }.map { String(decoding: $0.key ?? [], as: UTF8.self) }
        }
        for _ in 0..<3_000 {
            now += Int64.random(in: 0...20, using: &random)
            let partition = Int32.random(in: 0...2, using: &random)
            switch Int.random(in: 0..<10, using: &random) {
            case 0:
                changelog.forget([partition])
                model[partition] = nil
            case 1...6:
                let offset = Int64.random(in: 0...400, using: &random)
                let ts = now - Int64.random(in: 0...1_500, using: &random)
                let records = changelog.records(for: [(partition, offset, events(0..<1, ts: ts)[0])], now: now)
                model[partition, default: [:]][StateChangelog.key(partition: partition, offset: offset, epoch: "e1")] =
                    ts
                #expect(tombstones(records) == expire())
            default:
                #expect(tombstones(changelog.expired(now: now)) == expire())
            }
            #expect(changelog.live == model)
        }
    }

    @Test func treeRecordsOnlyForOwnedPartitionsWithCheckpoints() {
        let changelog = StateChangelog(topic: "t", epoch: "e1", spanMs: 60_000)
        let mine = EndpointCatalog.HostMethod(host: "api.example.com", method: "GET")
        let moved = EndpointCatalog.HostMethod(host: "api.example.com", method: "POST")
        let big = EndpointCatalog.HostMethod(host: "big.example.com", method: "GET")
        let written = changelog.treeRecords(
            [(mine, "{}"), (moved, "{}"), (big, String(repeating: "x", count: StateChangelog.maxTreeBytes + 1))],
            partitionOf: [mine: 0, moved: 1, big: 0], owned: [0])
        #expect(
            written.records.map { String(decoding: $0.key ?? [], as: UTF8.self) } == ["catalog/0/GET api.example.com"])
        #expect(written.tooLarge == 1)
        var view: [[UInt8]: [UInt8]] = [:]
        for record in written.records + changelog.checkpointRecords([0: 41, 1: 9]) { view[record.key!] = record.value }
        #expect(StateChangelog.trees(in: view, partitions: [0]).map(\.partition) == [0])
        #expect(StateChangelog.trees(in: view, partitions: [1]).isEmpty)
        #expect(StateChangelog.checkpoints(in: view, partitions: [0, 2]) == [0: 41])
    }

    /// Replayed events continue the windows (the run fires at the same login), are marked seen,
    /// and are journaled (a restart keeps them); events already known are not replayed again.
    @Test func replayedEventsContinueTheWindowsAndAreNotCountedTwice() async throws {
        let dir = TempDirectory()
        let core = try await aggregator(dir).core
        let logins = PersistenceTests.logins
        let taken = logins[0..<6].map { $0.event(classifier: AuthEndpointClassifier()) }
        #expect(try await core.replay(taken, since: 0) == 6)
        #expect(try await core.replay(taken, since: 0) == 0, "already known")
        #expect(try await core.absorb(Array(logins[0..<6])) == 0, "redelivered: duplicates")
        var blockedAt: Int?
        for i in 6..<14 {
            try await core.absorb([logins[i]])
            if blockedAt == nil, await core.decisions.contains(where: { $0.value == "198.51.100.9" }) { blockedAt = i }
        }
        #expect(blockedAt == 9)
        #expect(await core.status.counters.replayedVerdicts == 6)
        #expect(await core.behaviourJournalEvents == 14, "replayed events are journaled too")
        #expect(try await core.replay(events(20..<22, ts: nowMs - 10_000_000), since: nowMs - 60_000) == 0, "too old")
    }

    @Test func importedDecisionsWakeLongPollsAndAreNotRepublished() async throws {
        let core = try await aggregator(TempDirectory()).core
        let start = try await core.startPoll(since: nil, waitMs: 0, now: nowMs)
        guard case .answer(let snapshot) = start else {
            Issue.record("expected an answer")
            return
        }
        let since = snapshot.version.description
        guard case .parked(let id, _) = try await core.startPoll(since: since, waitMs: 5_000, now: nowMs) else {
            Issue.record("expected a parked poll")
            return
        }
        let peer = Decision(
            scope: .ip, value: "192.0.2.77", action: .block, reason: "brute force", sourceRule: "login-abuse",
            createdAt: nowMs, expiresAt: nowMs + 600_000, version: DecisionVersion(epoch: "peer", counter: 41))
        let expired = Decision(
            scope: .ip, value: "192.0.2.78", action: .block, reason: "old", sourceRule: "r", createdAt: nowMs - 10,
            expiresAt: nowMs - 1, version: DecisionVersion(epoch: "peer", counter: 3))
        let stale = try await core.importDecisions(
            [(peer.key, peer), (expired.key, expired), ("ip:192.0.2.79", nil)], now: nowMs)
        #expect(stale == [expired.key], "expired keys are tombstoned")
        await core.waitForChange(id)  // returns at once: the import woke it
        let delta = try await core.endPoll(id, since: since, now: nowMs)
        #expect(delta.upserts.map(\.value) == ["192.0.2.77"])
        let epoch = await core.epoch
        #expect(delta.version.epoch == epoch, "versioned in this aggregator's epoch")
        #expect(await core.takeOutbox().isEmpty, "merged decisions are not published again")
        #expect(try core.database.loadDecisions().map(\.value) == ["192.0.2.77"], "persisted")
        _ = try await core.importDecisions([(peer.key, nil)], now: nowMs)
        #expect(await core.decisions.isEmpty)
        #expect(await core.status.counters.importedDecisions == 2)
    }

    /// At start, a restored decision the topic no longer holds was lifted elsewhere: it goes
    /// (with a grace period); one still waiting to be published stays.
    @Test func theStartSnapshotRemovesDecisionsLiftedElsewhere() async throws {
        let core = try await aggregator(TempDirectory()).core
        for value in ["192.0.2.1", "192.0.2.2"] {
            _ = try await core.addDecision(
                scope: .ip, value: value, action: .block, ttlSecs: 600, reason: "r", actor: "op", now: nowMs)
        }
        let published = await core.takeOutbox()
        #expect(published.count == 2)
        _ = try await core.addDecision(
            scope: .ip, value: "192.0.2.3", action: .block, ttlSecs: 600, reason: "r", actor: "op", now: nowMs)
        let kept = try #require(await core.decisions.first { $0.value == "192.0.2.1" })
        try await core.importDecisionSnapshot([(kept.key, kept)], now: nowMs)
        #expect(await core.decisions.map(\.value) == ["192.0.2.1", "192.0.2.3"])
        #expect(try core.database.loadLiftGrace(now: nowMs).keys.sorted() == ["ip:192.0.2.2"])
    }

    /// Trees written by one aggregator's flush are adopted by another as they were.
    @Test func adoptedTreesAreTheWrittenOnes() async throws {
        let first = try await aggregator(TempDirectory()).core
        await first.learn((0..<40).map { observation(id: "o\($0)", path: "/v1/users/\($0)", query: [("q", "x")]) })
        let parts = await first.catalogParts()
        #expect(parts.count == 1)
        try await first.flushCatalog(now: nowMs, parts: parts)
        #expect(await first.catalogParts().isEmpty, "written")
        let second = try await aggregator(TempDirectory()).core
        let adopted = await second.adoptTrees(parts.compactMap { $0.part.map { Array($0.utf8) } } + [[0x7B]])
        #expect(adopted.adopted == parts.map(\.tree))
        #expect(adopted.damaged == 1)
        let a = await first.endpoints().map { "\($0.key) \($0.stats.requests)" }
        let b = await second.endpoints().map { "\($0.key) \($0.stats.requests)" }
        #expect(a == b && !a.isEmpty)
        await second.dropTrees(adopted.adopted)
        #expect(await second.endpoints().isEmpty)
    }

    func aggregator(_ dir: TempDirectory) async throws -> Aggregator {
        try buildAggregator(
            configuration: testConfiguration(database: dir.database), transport: try await inProcessTransport(),
            logger: quietLogger(), policy: try blockingPolicy())
    }
}
