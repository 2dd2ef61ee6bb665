import Testing

@testable import PalisadeTransport

@Suite(.timeLimit(.minutes(1)))
struct InProcessTransportTests {
    @Test("murmur2 matches the Java client's reference values")
    func murmur2ReferenceValues() {
        let cases: [(String, Int32)] = [
            ("21", -973_932_308), ("foobar", -790_332_482), ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829),
            ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971), ("abc", 479_470_107),
        ]
        for (key, expected) in cases {
            #expect(Murmur2Partitioner.hash(Array(key.utf8)) == expected, "\(key)")
        }
    }

    @Test("a full partition fails a publish at once under .fail, and frees up on acknowledgement")
    func backpressureFail() async throws {
        let transport = InProcessTransport(
            configuration: .init(partitionCapacity: 3, whenFull: .fail))
        try await transport.createTopics([TopicSpec(name: "q", partitions: 1)], timeout: .seconds(1))
        let consumer = try transport.makeGroupConsumer(group: "g", topics: ["q"])
        let producer = try transport.makeProducer()
        for i in 0..<3 { _ = try await producer.send(OutgoingRecord(topic: "q", key: nil, value: [UInt8(i)])) }
        await #expect {
            _ = try await producer.send(OutgoingRecord(topic: "q", key: nil, value: [9]))
        } throws: { error in
            (error as? TransportError)?.code == .queueFull && (error as? TransportError)?.isRetriable == true
        }
        // Delivered but not acknowledged records still hold their slots.
        let events = try await consumer.poll(maxRecords: 10, timeout: .milliseconds(100))
        let records = events.compactMap { if case .record(let r) = $0 { r } else { nil } }
        #expect(records.count == 3)
        await #expect(throws: TransportError.self) {
            _ = try await producer.send(OutgoingRecord(topic: "q", key: nil, value: [9]))
        }
        try consumer.acknowledge(records[1])
        _ = try await producer.send(OutgoingRecord(topic: "q", key: nil, value: [9]))
        #expect(transport.retainedCounts(topic: "q") == [2])
    }

    @Test("a full partition makes a publish wait under .wait until a consumer acknowledges")
    func backpressureWait() async throws {
        let transport = InProcessTransport(
            configuration: .init(partitionCapacity: 2, whenFull: .wait(timeout: .seconds(5))))
        try await transport.createTopics([TopicSpec(name: "q", partitions: 1)], timeout: .seconds(1))
        let consumer = try transport.makeGroupConsumer(group: "g", topics: ["q"])
        let producer = try transport.makeProducer()
        for i in 0..<2 { _ = try await producer.send(OutgoingRecord(topic: "q", key: nil, value: [UInt8(i)])) }
        let clock = ContinuousClock()
        let start = clock.now
        async let blocked = producer.send(OutgoingRecord(topic: "q", key: nil, value: [2]))
        try await Task.sleep(for: .milliseconds(200))
        for case .record(let r) in try await consumer.poll(maxRecords: 10, timeout: .milliseconds(100)) {
            try consumer.acknowledge(r)
        }
        let receipt = try await blocked
        #expect(receipt.offset == 2)
        #expect(clock.now - start >= .milliseconds(200))
    }

    @Test("a publish that waits too long fails with a retriable queue_full")
    func backpressureTimeout() async throws {
        let transport = InProcessTransport(
            configuration: .init(partitionCapacity: 1, whenFull: .wait(timeout: .milliseconds(100))))
        try await transport.createTopics([TopicSpec(name: "q", partitions: 1)], timeout: .seconds(1))
        _ = try transport.makeGroupConsumer(group: "g", topics: ["q"])
        let producer = try transport.makeProducer()
        _ = try await producer.send(OutgoingRecord(topic: "q", key: nil, value: [0]))
        await #expect {
            _ = try await producer.send(OutgoingRecord(topic: "q", key: nil, value: [1]))
        } throws: { error in
            (error as? TransportError)?.code == .queueFull
        }
    }

    @Test("compacted topics compact instead of blocking while keys repeat")
    func compactedTopicCompacts() async throws {
        let transport = InProcessTransport(configuration: .init(compactedPartitionCapacity: 4, whenFull: .fail))
        try await transport.createTopics([TopicSpec(name: "c", partitions: 1, compacted: true)], timeout: .seconds(1))
        let producer = try transport.makeProducer()
        for i in 0..<100 {
            _ = try await producer.send(OutgoingRecord(topic: "c", key: "k\(i % 3)", value: [UInt8(i)]))
        }
        let view = try await transport.makeCompactedReader(topic: "c").catchUp(timeout: .seconds(1))
        #expect(view == [Array("k0".utf8): [99], Array("k1".utf8): [97], Array("k2".utf8): [98]])
    }

    @Test("unknown topics are an error unless auto-creation is configured")
    func unknownTopics() async throws {
        let strict = InProcessTransport()
        await #expect {
            _ = try await strict.makeProducer().send(OutgoingRecord(topic: "nope", key: nil, value: [1]))
        } throws: { error in
            (error as? TransportError)?.code == .unknownTopic
        }
        let lenient = InProcessTransport(configuration: .init(autoCreatePartitions: 2))
        let receipt = try await lenient.makeProducer().send(OutgoingRecord(topic: "auto", key: "x", value: [1]))
        #expect(receipt.partition == Murmur2Partitioner.partition(for: Array("x".utf8), partitionCount: 2))
    }

    @Test("acknowledging a record of a partition that moved away fails with not_assigned")
    func ackAfterRevocation() async throws {
        let transport = InProcessTransport()
        try await transport.createTopics([TopicSpec(name: "q", partitions: 2)], timeout: .seconds(1))
        let producer = try transport.makeProducer()
        for i in 0..<20 { _ = try await producer.send(OutgoingRecord(topic: "q", key: "k\(i)", value: [UInt8(i)])) }
        let a = try transport.makeGroupConsumer(group: "g", topics: ["q"])
        let records = try await a.poll(maxRecords: 100, timeout: .milliseconds(100)).compactMap {
            if case .record(let r) = $0 { r } else { nil }
        }
        #expect(records.count == 20)
        let b = try transport.makeGroupConsumer(group: "g", topics: ["q"])
        let moved = try await b.assignment()
        #expect(moved.count == 1)
        let events = try await a.poll(maxRecords: 100, timeout: .milliseconds(100))
        #expect(events.contains(.revoked(moved.sorted())))
        let lost = try #require(records.first { moved.contains($0.topicPartition) })
        #expect {
            try a.acknowledge(lost)
        } throws: { error in
            (error as? TransportError)?.code == .notAssigned
        }
        // b gets the moved partition's records again.
        let again = try await b.poll(maxRecords: 100, timeout: .milliseconds(100)).compactMap {
            if case .record(let r) = $0 { r } else { nil }
        }
        #expect(again.count == records.filter { moved.contains($0.topicPartition) }.count)
    }

    @Test("sticky assignor: balanced, complete, and only the necessary partitions move")
    func stickyAssignor() {
        let partitions = (0..<12).map { TopicPartition("t", Int32($0)) }
        let first = StickyAssignor.assign(partitions: partitions, current: [:], members: [1, 2, 3])
        #expect(first.values.map(\.count).sorted() == [4, 4, 4])
        #expect(Set(first.values.flatMap { $0 }) == Set(partitions))
        // Member 3 leaves: 1 and 2 keep theirs and split 3's.
        let second = StickyAssignor.assign(partitions: partitions, current: first, members: [1, 2])
        #expect(second[1]!.isSuperset(of: first[1]!) && second[2]!.isSuperset(of: first[2]!))
        #expect(second.values.map(\.count).sorted() == [6, 6])
        // A member joins: it takes 3 from each, nobody else gains or loses more.
        let third = StickyAssignor.assign(partitions: partitions, current: second, members: [1, 2, 4])
        #expect(third.values.map(\.count).sorted() == [4, 4, 4])
        #expect(third[1]!.isSubset(of: second[1]!) && third[2]!.isSubset(of: second[2]!))
        #expect(StickyAssignor.assign(partitions: partitions, current: [:], members: []).isEmpty)
        let uneven = StickyAssignor.assign(partitions: Array(partitions.prefix(5)), current: [:], members: [1, 2, 3])
        #expect(uneven.values.map(\.count).sorted() == [1, 2, 2])
    }
}
