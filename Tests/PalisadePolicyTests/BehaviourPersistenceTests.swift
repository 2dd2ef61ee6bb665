import PalisadeDetect
import Testing

@testable import PalisadePolicy

/// Behaviour windows survive a snapshot and restore (and a snapshot plus a replayed journal):
/// the detectors go on exactly as if nothing had happened.
@Suite struct BehaviourPersistenceTests {
    /// Ten minutes of legitimate traffic with one scenario for every detector mixed in.
    static let stream: [BehaviourEvent] = {
        var out: [BehaviourEvent] = []
        for minute in 0..<10 {
            for c in 0..<60 {
                for r in 0..<6 {
                    let ts = t0 + Int64(minute) * 60_000 + Int64(r) * 9_000 + Int64(c)
                    out.append(event(at: ts, ip: "10.1.0.\(c)", template: "/v1/search"))
                }
            }
        }
        let late = t0 + 6 * 60_000
        for i in 0..<200 { out.append(event(at: late + Int64(i) * 200, ip: "192.0.2.99", template: "/v1/search")) }
        for i in 0..<15 { out.append(login(at: t0 + Int64(i) * 7_000, user: "alice", ok: false)) }
        for i in 0..<14 {
            out.append(login(at: t0 + Int64(i) * 5_000 + 1, ip: "198.51.100.10", user: "u\(i)", ok: false))
        }
        for i in 0..<40 {
            out.append(event(at: t0 + Int64(i) * 3_000 + 2, ip: "203.0.113.50", status: 404, objectID: "\(i)"))
        }
        for i in 0..<30 {
            out.append(
                event(at: t0 + Int64(i) * 2_000 + 3, ip: "203.0.113.60", template: "/{p}", status: 404, path: "/f\(i)"))
        }
        for i in 0..<6 {
            out.append(
                event(
                    at: t0 + Int64(i) * 4_000 + 4, ip: "203.0.113.70", key: "k1", attack: true, score: 90,
                    classes: [.init(.sqli, 0.9)]))
        }
        return out.sorted { $0.ts < $1.ts }
    }()

    func findings(_ engine: inout BehaviourEngine, _ events: ArraySlice<BehaviourEvent>) -> [Finding] {
        events.flatMap { engine.observe($0) }
    }

    @Test func theStreamExercisesEveryDetector() {
        var engine = BehaviourEngine()
        let kinds = Set(findings(&engine, Self.stream[...]).map(\.kind))
        #expect(kinds == Set(BehaviourKind.allCases))
    }

    @Test(arguments: [1, 40, 700, 2_500, 3_700])
    func aRestoredEngineGoesOnAsIfNothingHappened(split: Int) throws {
        var reference = BehaviourEngine()
        let before = findings(&reference, Self.stream[..<split])
        let bytes = reference.snapshot()
        var restored = try #require(try BehaviourEngine(config: BehaviourEngine.Config(), snapshot: bytes))
        let sameBytes = restored.snapshot() == bytes
        #expect(sameBytes, "restore then snapshot gives the same bytes")
        #expect(restored.stats == reference.stats)
        let after = findings(&reference, Self.stream[split...])
        #expect(findings(&restored, Self.stream[split...]) == after)
        #expect(before.count + after.count > 0)
    }

    @Test func aSnapshotPlusTheJournalReplayedRestoresTheSameWindows() throws {
        var reference = Judgement(policy: Policy.default, store: DecisionStore(epoch: "e1"))
        var all: [Finding] = []
        for e in Self.stream[..<900] { all += reference.observe(e).findings }
        let snapshot = reference.behaviourSnapshot()
        var journal: [[BehaviourEvent]] = []
        for start in stride(from: 900, to: 2_000, by: 100) {
            let batch = Array(Self.stream[start..<start + 100])
            journal.append(try BehaviourEvent.decode(BehaviourEvent.encode(batch)))
            for e in batch { all += reference.observe(e).findings }
        }
        var restored = Judgement(policy: Policy.default, store: DecisionStore(epoch: "e2"))
        let applied = try restored.restoreBehaviour(snapshot: snapshot, journal: journal)
        #expect(applied)
        let sameWindows = restored.behaviourSnapshot() == reference.behaviourSnapshot()
        #expect(sameWindows, "the same windows as the uninterrupted run")
        var expected: [Finding] = []
        var resumed: [Finding] = []
        for e in Self.stream[2_000...] {
            expected += reference.observe(e).findings
            resumed += restored.observe(e).findings
        }
        #expect(resumed == expected)
        #expect(!expected.isEmpty)
    }

    @Test func eventsRoundTripThroughTheJournalForm() throws {
        var e = event(
            at: t0, ip: "2001:db8::1", key: "k", sub: "s", headers: [.init(name: "X-Client", value: "v")],
            status: nil, attack: true, score: 55.5, classes: [.init(.xss, 0.7), .init(.sqli, 0.4)], objectID: "1",
            username: "bob", path: "/a", id: "req-1")
        e.isAuthEndpoint = true
        #expect(try BehaviourEvent.decode(BehaviourEvent.encode([e, e])) == [e, e])
    }

    @Test func damagedOrForeignSnapshotsAreRefused() throws {
        var engine = BehaviourEngine()
        _ = findings(&engine, Self.stream[..<500])
        let bytes = engine.snapshot()
        #expect(throws: StateCodingError.self) {
            try BehaviourEngine(config: .init(), snapshot: Array(bytes.dropLast(3)))
        }
        #expect(throws: StateCodingError.self) { try BehaviourEngine(config: .init(), snapshot: bytes + [0]) }
        #expect(throws: StateCodingError.self) {
            try BehaviourEngine(config: .init(), snapshot: [9] + bytes.dropFirst())
        }
        var other = BehaviourEngine.Config()
        other.bruteForce.failureStatuses = [401]
        #expect(try BehaviourEngine(config: other, snapshot: bytes) == nil, "other settings: start over")
        var same = BehaviourEngine.Config()
        same.bruteForce.failureStatuses = [403, 401]
        #expect(try BehaviourEngine(config: same, snapshot: bytes) != nil, "sets compare by content")
        #expect(throws: StateCodingError.self) { try BehaviourEvent.decode([1, 2, 3]) }
    }
}
