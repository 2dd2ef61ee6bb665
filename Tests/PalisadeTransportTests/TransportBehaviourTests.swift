import Foundation
import Logging
import PalisadeRecords
import PalisadeTransport
import SwiftProtobuf
import Testing

/// One behavioural suite, run against both transports: what Palisade's roles rely on.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct TransportBehaviourTests {
    /// Consumes from `consumer` until `count` records arrived (acknowledging each) or `timeout`.
    func drain(_ consumer: any GroupConsumer, count: Int, timeout: Duration = .seconds(20)) async throws
        -> [ConsumedRecord]
    {
        var out: [ConsumedRecord] = []
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while out.count < count && clock.now < deadline {
            for case .record(let record) in try await consumer.poll(maxRecords: 500, timeout: .milliseconds(200)) {
                out.append(record)
                try consumer.acknowledge(record)
            }
        }
        return out
    }

    @Test("every record type round-trips, keys land on murmur2 partitions", arguments: TransportKind.allCases)
    func roundTripEveryRecordType(kind: TransportKind) async throws {
        let h = try TransportHarness.make(kind)
        let specs = PalisadeTopic.allSpecs(prefix: h.prefix, partitions: 6, replicationFactor: 3)
        try await h.createTopics(specs)
        let producer = try h.transport.makeProducer()

        let capture = RecordSamples.captureRecord
        let verdict = RecordSamples.verdict
        let observation = RecordSamples.endpointObservation
        let baseline = RecordSamples.endpointBaseline
        let decision = RecordSamples.decision
        let outgoing: [(PalisadeTopic, String?, [UInt8])] = [
            (.requests, nil, capture.encodedRecord()),
            (.verdicts, verdict.client, verdict.encodedRecord()),
            (.observations, observation.endpoint.keyText, observation.encodedRecord()),
            (.baselines, baseline.endpoint.keyText, baseline.encodedRecord()),
            (.decisions, decision.keyText, decision.encodedRecord()),
        ]
        for (topic, key, value) in outgoing {
            let receipt = try await producer.send(
                OutgoingRecord(topic: topic.name(prefix: h.prefix), key: key.map { Array($0.utf8) }, value: value))
            if let key {
                #expect(receipt.partition == Murmur2Partitioner.partition(for: Array(key.utf8), partitionCount: 6))
            }
        }

        // Many keys: each lands where murmur2 says, the same key always on the same partition.
        let keyed = (0..<60).map {
            OutgoingRecord(
                topic: PalisadeTopic.verdicts.name(prefix: h.prefix), key: "client-\($0 % 20)",
                value: [UInt8]("v\($0)".utf8))
        }
        let receipts = await producer.send(batch: keyed)
        for (record, result) in zip(keyed, receipts) {
            let receipt = try result.get()
            #expect(receipt.partition == Murmur2Partitioner.partition(for: record.key!, partitionCount: 6))
        }

        let consumer = try h.transport.makeGroupConsumer(
            group: "roundtrip", topics: PalisadeTopic.allCases.map { $0.name(prefix: h.prefix) })
        let records = try await drain(consumer, count: 65)
        #expect(records.count == 65)
        func only(_ topic: PalisadeTopic) -> ConsumedRecord? {
            records.first { $0.topic == topic.name(prefix: h.prefix) && !$0.value!.starts(with: [UInt8]("v".utf8)) }
        }
        #expect(try CaptureRecordMessage.decodeRecord(#require(only(.requests)?.value)) == capture)
        #expect(try VerdictMessage.decodeRecord(#require(only(.verdicts)?.value)) == verdict)
        #expect(try EndpointObservationMessage.decodeRecord(#require(only(.observations)?.value)) == observation)
        #expect(try EndpointBaselineMessage.decodeRecord(#require(only(.baselines)?.value)) == baseline)
        #expect(try DecisionMessage.decodeRecord(#require(only(.decisions)?.value)) == decision)
        #expect(only(.decisions)?.keyText == "ip:203.0.113.7")
        for record in records where record.key != nil {
            #expect(record.partition == Murmur2Partitioner.partition(for: record.key!, partitionCount: 6))
        }
        await consumer.close()
        await producer.shutdown(timeout: .seconds(5))
        await h.shutdown()
    }

    @Test("compacted reader: latest value per key, tombstones", arguments: TransportKind.allCases)
    func compactedReader(kind: TransportKind) async throws {
        let h = try TransportHarness.make(kind)
        let topic = PalisadeTopic.decisions.name(prefix: h.prefix)
        try await h.createTopics([PalisadeTopic.decisions.spec(prefix: h.prefix, partitions: 4)])
        let producer = try h.transport.makeProducer()
        let writes: [(String, String?)] = [
            ("ip:1", "a1"), ("ip:2", "b1"), ("ip:1", "a2"), ("ip:2", nil), ("ip:3", "c1"), ("ip:4", "d1"),
            ("ip:4", "d2"), ("ip:1", "a3"),
        ]
        for (key, value) in writes {
            _ = try await producer.send(OutgoingRecord(topic: topic, key: key, value: value.map { Array($0.utf8) }))
        }
        let reader = try h.transport.makeCompactedReader(topic: topic)
        let view = try await reader.catchUp(timeout: .seconds(15))
        let text = Dictionary(
            uniqueKeysWithValues: view.map {
                (String(decoding: $0.key, as: UTF8.self), String(decoding: $0.value, as: UTF8.self))
            })
        #expect(text == ["ip:1": "a3", "ip:3": "c1", "ip:4": "d2"])

        // Later changes arrive through poll; a tombstone has no value.
        _ = try await producer.send(OutgoingRecord(topic: topic, key: "ip:3", value: nil))
        _ = try await producer.send(OutgoingRecord(topic: topic, key: "ip:5", value: Array("e1".utf8)))
        var updates: [ConsumedRecord] = []
        _ = await eventually(timeout: .seconds(10)) {
            updates += (try? await reader.poll(maxRecords: 100, timeout: .milliseconds(200))) ?? []
            return updates.count >= 2
        }
        let byKey = Dictionary(updates.map { ($0.keyText!, $0.value) }, uniquingKeysWith: { $1 })
        #expect(byKey.count == 2)
        #expect(byKey["ip:3"] == .some(nil))
        #expect(byKey["ip:5"] == .some(Array("e1".utf8)))

        // A new reader folds the tombstone in.
        let second = try h.transport.makeCompactedReader(topic: topic)
        let again = try await second.catchUp(timeout: .seconds(15))
        #expect(Set(again.keys.map { String(decoding: $0, as: UTF8.self) }) == ["ip:1", "ip:4", "ip:5"])
        await reader.close()
        await second.close()
        await producer.shutdown(timeout: .seconds(5))
        await h.shutdown()
    }

    @Test("malformed bytes are counted, logged and skipped", arguments: TransportKind.allCases)
    func malformedRecordsAreSkipped(kind: TransportKind) async throws {
        let h = try TransportHarness.make(kind)
        let topic = h.topic("verdicts")
        try await h.createTopics([TopicSpec(name: topic, partitions: 2)])
        let producer = try h.transport.makeProducer()
        let good = RecordSamples.verdict.encodedRecord()
        let garbage: [[UInt8]?] = [
            [0xff, 0xff, 0xff, 0xff], [0x0a, 0x50, 0x01], Array(repeating: 0x80, count: 20), nil,
        ]
        var sent = 0
        for (index, bad) in garbage.enumerated() {
            _ = try await producer.send(OutgoingRecord(topic: topic, key: "k\(index)", value: good))
            _ = try await producer.send(OutgoingRecord(topic: topic, key: "k\(index)", value: bad))
            sent += 1
        }
        let logger = h.logs.logger(label: "decoder")
        let consumer = DecodingConsumer(
            consumer: try h.transport.makeGroupConsumer(group: "malformed", topics: [topic]), logger: logger
        ) { bytes in try VerdictMessage.decodeRecord(bytes) }
        var decoded: [VerdictMessage] = []
        _ = try await eventually(timeout: .seconds(20)) {
            for case .record(let r) in try await consumer.poll(maxRecords: 100, timeout: .milliseconds(200)) {
                decoded.append(r.value)
                try consumer.acknowledge(r.record)
            }
            return decoded.count >= sent && consumer.malformedCount >= garbage.count
        }
        #expect(decoded.count == sent)
        #expect(decoded.allSatisfy { $0 == RecordSamples.verdict })
        #expect(consumer.malformedCount == garbage.count)
        #expect(h.logs.all.contains { $0.message == "skipped a malformed record" && $0.metadata["topic"] == topic })
        // Still consuming after the garbage.
        _ = try await producer.send(OutgoingRecord(topic: topic, key: "after", value: good))
        var more = 0
        _ = try await eventually(timeout: .seconds(10)) {
            for case .record(let r) in try await consumer.poll(maxRecords: 10, timeout: .milliseconds(200)) {
                more += 1
                try consumer.acknowledge(r.record)
            }
            return more == 1
        }
        #expect(more == 1)
        await consumer.consumer.close()
        await producer.shutdown(timeout: .seconds(5))
        await h.shutdown()
    }

    @Test("pause stops delivery, resume restarts it", arguments: TransportKind.allCases)
    func pauseAndResume(kind: TransportKind) async throws {
        let h = try TransportHarness.make(kind)
        let topic = h.topic("requests")
        try await h.createTopics([TopicSpec(name: topic, partitions: 3)])
        let producer = try h.transport.makeProducer()
        let consumer = try h.transport.makeGroupConsumer(group: "pause", topics: [topic])
        _ = try await producer.send(OutgoingRecord(topic: topic, key: nil, value: [1]))
        let first = try await drain(consumer, count: 1)
        #expect(first.count == 1)
        try await consumer.pause()
        for i in 0..<10 { _ = try await producer.send(OutgoingRecord(topic: topic, key: nil, value: [UInt8(i)])) }
        let whilePaused = try await drain(consumer, count: 1, timeout: .milliseconds(800))
        #expect(whilePaused.isEmpty)
        try await consumer.resume()
        let after = try await drain(consumer, count: 10)
        #expect(after.count == 10)
        await consumer.close()
        await producer.shutdown(timeout: .seconds(5))
        await h.shutdown()
    }

    @Test(
        "lag: high watermark minus the acknowledged position, per assigned partition", arguments: TransportKind.allCases
    )
    func lagFollowsAcknowledgements(kind: TransportKind) async throws {
        let h = try TransportHarness.make(kind)
        let topic = h.topic("requests")
        try await h.createTopics([TopicSpec(name: topic, partitions: 3)])
        let producer = try h.transport.makeProducer()
        let consumer = try h.transport.makeGroupConsumer(group: "lag", topics: [topic])
        let batch = (0..<30).map { OutgoingRecord(topic: topic, key: "k\($0)", value: [UInt8($0)]) }
        for result in await producer.send(batch: batch) { _ = try result.get() }

        // Consumed, nothing acknowledged: every record is lag.
        var records: [ConsumedRecord] = []
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while records.count < 30, clock.now < deadline {
            for case .record(let r) in try await consumer.poll(maxRecords: 100, timeout: .milliseconds(200)) {
                records.append(r)
            }
        }
        #expect(records.count == 30)
        var perPartition: [Int32: Int64] = [:]
        for r in records { perPartition[r.partition, default: 0] += 1 }
        var lags: [PartitionLag] = []
        let sawAll = try await eventually {
            lags = try await consumer.lag()
            return lags.reduce(0) { $0 + $1.lag } == 30
        }
        #expect(sawAll, "lags: \(lags)")
        for lag in lags {
            #expect(lag.topicPartition.topic == topic)
            #expect(lag.highWatermark == perPartition[lag.topicPartition.partition] ?? 0)
            #expect(lag.position == 0)
        }

        // Acknowledge the first two of every partition, then everything.
        var acknowledged: [Int32: Int] = [:]
        for r in records where acknowledged[r.partition, default: 0] < 2 {
            try consumer.acknowledge(r)
            acknowledged[r.partition, default: 0] += 1
        }
        let expected = Int64(30 - acknowledged.values.reduce(0, +))
        #expect(try await eventually { try await consumer.lag().reduce(0) { $0 + $1.lag } == expected })
        for r in records { try consumer.acknowledge(r) }
        #expect(try await eventually { try await consumer.lag().allSatisfy { $0.lag == 0 } })
        await consumer.close()
        await #expect(throws: TransportError.self) { _ = try await consumer.lag() }
        await producer.shutdown(timeout: .seconds(5))
        await h.shutdown()
    }
}
