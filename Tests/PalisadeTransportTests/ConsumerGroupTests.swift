import PalisadeTransport
import Synchronization
import Testing

/// A consumer group of 3 members over 12 partitions, one member leaving: the behaviour the
/// worker fleet relies on (DESIGN §5, at-least-once).
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ConsumerGroupTests {
    final class Member {
        let name: String
        let consumer: any GroupConsumer
        let acks: Bool
        var received: [ConsumedRecord] = []
        var events: [ConsumerEvent] = []
        var open = true
        /// Partitions assigned by the events seen so far, and records that came from outside them
        /// (the aggregator restores a partition's state on `.assigned`, before its records).
        var assigned: Set<TopicPartition> = []
        var recordsOutsideAssignment = 0

        init(_ name: String, _ consumer: any GroupConsumer, acks: Bool) {
            self.name = name
            self.consumer = consumer
            self.acks = acks
        }

        func pollOnce() async throws {
            guard open else { return }
            for event in try await consumer.poll(maxRecords: 200, timeout: .milliseconds(50)) {
                switch event {
                case .record(let record):
                    received.append(record)
                    if !assigned.contains(record.topicPartition) { recordsOutsideAssignment += 1 }
                    if acks { try consumer.acknowledge(record) }
                case .assigned(let partitions):
                    events.append(event)
                    assigned.formUnion(partitions)
                case .revoked(let partitions):
                    events.append(event)
                    assigned.subtract(partitions)
                }
            }
        }
    }

    @Test(
        "3 members, 12 partitions, one leaves: rebalance, at-least-once, unacked records redelivered",
        arguments: TransportKind.allCases)
    func rebalanceWhenAMemberLeaves(kind: TransportKind) async throws {
        let h = try TransportHarness.make(kind)
        let topic = h.topic("requests")
        try await h.createTopics([TopicSpec(name: topic, partitions: 12)])
        let producer = try h.transport.makeProducer()
        let total = 1_200
        let batch = (0..<total).map { OutgoingRecord(topic: topic, key: "key-\($0)", value: Array("\($0)".utf8)) }
        for result in await producer.send(batch: batch) { _ = try result.get() }

        let group = "workers"
        let a = Member("a", try h.transport.makeGroupConsumer(group: group, topics: [topic]), acks: true)
        let b = Member("b", try h.transport.makeGroupConsumer(group: group, topics: [topic]), acks: true)
        // c takes records and never acknowledges them, then leaves.
        let c = Member("c", try h.transport.makeGroupConsumer(group: group, topics: [topic]), acks: false)
        let members = [a, b, c]

        func values(_ records: [ConsumedRecord]) -> Set<Int> {
            Set(records.compactMap { Int(String(decoding: $0.value ?? [], as: UTF8.self)) })
        }

        // Phase 1: until every record was delivered to someone and the three share the partitions.
        let phase1 = try await eventually(timeout: .seconds(40), every: .zero) {
            for member in members { try await member.pollOnce() }
            let assignments = try await members.asyncMap { try await $0.consumer.assignment() }
            let shared = assignments.allSatisfy { $0.count == 4 } && Set(assignments.flatMap { $0 }).count == 12
            return shared && values(members.flatMap(\.received)).count == total && !c.received.isEmpty
        }
        #expect(phase1, "phase 1: \(values(members.flatMap(\.received)).count) of \(total) delivered")
        let unackedByC = values(c.received)
        let beforeLeaving = (a: a.received.count, b: b.received.count)

        // c leaves without acknowledging: its partitions move to a and b, which must get c's records.
        c.open = false
        await c.consumer.close()
        let phase2 = try await eventually(timeout: .seconds(40), every: .zero) {
            for member in [a, b] { try await member.pollOnce() }
            let redelivered = values(Array(a.received[beforeLeaving.a...]) + Array(b.received[beforeLeaving.b...]))
            let union = try await a.consumer.assignment().union(b.consumer.assignment())
            return unackedByC.isSubset(of: redelivered) && union.count == 12
        }
        #expect(phase2, "phase 2: c's \(unackedByC.count) unacknowledged records were not all redelivered")
        let processed = values(a.received + b.received)
        #expect(processed == Set(0..<total), "every record processed (acknowledged) at least once")
        let assignedAfterLeave = (a.events + b.events).contains {
            if case .assigned = $0 { return true } else { return false }
        }
        #expect(assignedAfterLeave)
        #expect(
            members.map(\.recordsOutsideAssignment) == [0, 0, 0],
            "every record comes after the .assigned event of its partition (and before its .revoked)")

        // Everything acknowledged is committed: a new member of the group gets nothing old.
        // (A worker commits before it closes: a commit racing another member's departure can be
        // refused by the coordinator, which only means redelivery, never loss.)
        try await a.consumer.commit()
        try await b.consumer.commit()
        await a.consumer.close()
        await b.consumer.close()
        let d = Member("d", try h.transport.makeGroupConsumer(group: group, topics: [topic]), acks: true)
        _ = try await eventually(timeout: .seconds(20), every: .zero) {
            try await d.pollOnce()
            return try await d.consumer.assignment().count == 12
        }
        for _ in 0..<10 { try await d.pollOnce() }
        #expect(try await d.consumer.assignment().count == 12)
        #expect(
            d.received.count == 0,
            "a new member saw already-acknowledged records: \(d.received.prefix(3).map(\.topicPartition))…")
        await d.consumer.close()
        await producer.shutdown(timeout: .seconds(5))
        await h.shutdown()
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
