import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PalisadeCore
import PalisadeKafka
import PalisadeRecords
import PalisadeRuntime
import PalisadeTransport
import Testing

@testable import MirrorService

/// The mirror over librdkafka's mock cluster (real Kafka protocol on loopback).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct MirrorKafkaTests {
    let auth: HTTPFields = [.authorization: "Bearer node-1-token"]

    func kafka(_ cluster: KafkaMockCluster) -> KafkaConfiguration {
        var configuration = cluster.configuration()
        configuration.producer.lingerMs = 2
        configuration.producer.messageTimeoutMs = 2_000
        configuration.consumer.sessionTimeoutMs = 6_000
        configuration.consumer.heartbeatIntervalMs = 300
        configuration.consumer.fetchWaitMaxMs = 20
        configuration.properties["retry.backoff.ms"] = "50"
        configuration.properties["reconnect.backoff.ms"] = "50"
        configuration.properties["reconnect.backoff.max.ms"] = "300"
        return configuration
    }

    /// Records of `palisade.requests` with their partition and offset.
    func consume(_ configuration: KafkaConfiguration, count: Int, timeout: Duration = .seconds(30)) async throws
        -> [ConsumedRecord]
    {
        let consumer = try KafkaGroupConsumer(
            configuration: configuration, group: "verify-\(UInt32.random(in: 0...UInt32.max))", topics: [requestsTopic],
            logger: testLogger)
        var records: [ConsumedRecord] = []
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while Set(records.map { "\($0.partition):\($0.offset)" }).count < count, clock.now < deadline {
            for case .record(let record) in try await consumer.poll(maxRecords: 1_000, timeout: .milliseconds(100)) {
                records.append(record)
                try consumer.acknowledge(record)
            }
        }
        await consumer.close()
        return records
    }

    @Test func recordsArriveIntactAndInOrderPerBatch() async throws {
        let cluster = try KafkaMockCluster(brokers: 3, logger: testLogger)
        try await cluster.createTopics([PalisadeTopic.requests.spec(partitions: 4, replicationFactor: 3)])
        let configuration = kafka(cluster)
        let mirror = try buildMirror(
            configuration: testConfiguration(),
            transport: KafkaTransport(configuration: configuration, logger: testLogger),
            logger: testLogger, metrics: nil)
        let line =
            #"{"id":"ID","ts":1763700000123,"node":"kong-1","client_ip":"203.0.113.7","method":"POST","scheme":"https","host":"api.example.com","path":"/v1/users/N?expand=1","headers":[["content-type","application/json"]],"body_b64":"eyJhIjoxfQ==","status":200,"latency_ms":3.2,"response_bytes":512,"service":"users","route":"users-v1","consumer":"mobile-app"}"#
        try await mirror.application().test(.router) { client in
            for batch in 0..<4 {
                let body = (0..<100).map { i in
                    let n = batch * 100 + i
                    return line.replacingOccurrences(of: "ID", with: "id-\(n)").replacingOccurrences(
                        of: "/N?", with: "/\(n)?")
                }.joined(separator: "\n")
                try await client.execute(
                    uri: "/v1/capture", method: .post, headers: auth, body: ByteBuffer(string: body)
                ) {
                    #expect($0.status == .accepted)
                }
            }
        }
        let consumed = try await consume(configuration, count: 400)
        let records = try consumed.map { ($0, CaptureRecord(try CaptureRecordMessage.decodeRecord($0.value ?? []))) }
        #expect(Set(records.map(\.1.id)).count == 400)
        #expect(consumed.allSatisfy { $0.key == nil })
        let sample = try #require(records.first { $0.1.id == "id-7" }?.1)
        #expect(
            sample
                == CaptureRecord(
                    id: "id-7", ts: 1_763_700_000_123, node: "kong-1", clientIP: "203.0.113.7", method: "POST",
                    scheme: "https", host: "api.example.com", rawPath: "/v1/users/7?expand=1",
                    headers: [.init("content-type", "application/json")], body: Array(#"{"a":1}"#.utf8), status: 200,
                    latencyMs: 3.2, responseBytes: 512, service: "users", route: "users-v1", consumer: "mobile-app"))
        // Within every partition, records of a batch keep the batch's order.
        for partition in Set(consumed.map(\.partition)) {
            let numbers = records.filter { $0.0.partition == partition }.sorted { $0.0.offset < $1.0.offset }
                .map { Int($0.1.id.dropFirst(3))! }
            #expect(numbers == numbers.sorted(), "partition \(partition) out of order")
        }
        await cluster.shutdown()
    }

    @Test func aBrokerOutageMidStreamLosesNoAcceptedRecord() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        try await cluster.createTopics([PalisadeTopic.requests.spec(partitions: 2, replicationFactor: 1)])
        let configuration = kafka(cluster)
        let metrics = PalisadeMetrics()
        let mirror = try buildMirror(
            configuration: testConfiguration(),
            transport: KafkaTransport(configuration: configuration, logger: testLogger),
            logger: testLogger, metrics: metrics)
        let accepted = try await mirror.application().test(.router) { client in
            var accepted = 0
            func post(_ start: Int) async throws {
                let response = try await client.execute(
                    uri: "/v1/capture", method: .post, headers: auth,
                    body: ByteBuffer(string: ndjson(100, start: start)))
                #expect(response.status == .accepted)
                if response.status == .accepted { accepted += 100 }
            }
            try await post(0)
            try await Task.sleep(for: .milliseconds(300))
            // The only broker goes down: produce requests fail, then time out (2 s message
            // timeout) and the mirror requeues them; the HTTP side keeps answering 202.
            try await cluster.setBroker(1, up: false)
            for i in 1...5 { try await post(i * 100) }
            try await Task.sleep(for: .milliseconds(3_000))
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
            try await cluster.setBroker(1, up: true)
            for i in 6...7 { try await post(i * 100) }
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(30)
            while mirror.pipeline.buffer.depth.records > 0, clock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(mirror.pipeline.buffer.depth.records == 0)
            try await client.execute(uri: "/metrics", method: .get, headers: auth) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("palisade_mirror_records_produced_total"))
                #expect(!text.contains(#"palisade_mirror_records_dropped_total{reason="produce_failed"} 1"#))
            }
            return accepted
        }
        #expect(accepted == 800)
        let consumed = try await consume(configuration, count: 800)
        let paths = Set(
            try consumed.map { record in
                CaptureRecord(try CaptureRecordMessage.decodeRecord(record.value ?? [])).rawPath
            })
        #expect(paths == Set((0..<800).map { "/items/\($0)" }), "missing \(800 - paths.count) accepted records")
        await cluster.shutdown()
    }
}
