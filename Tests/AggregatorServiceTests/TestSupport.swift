import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PalisadeCore
import PalisadeDetect
import PalisadeKafka
import PalisadeLearn
import PalisadePolicy
import PalisadeRuntime
import PalisadeTransport
import Testing

@testable import AggregatorService

let testToken = "test-token"
let auth: HTTPFields = [.authorization: "Bearer \(testToken)"]

/// A scratch directory for one test's SQLite files, removed at the end.
final class TempDirectory: Sendable {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "aggregator-test-\(UInt64.random(in: 0...UInt64.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    var database: String { path + "/aggregator.sqlite" }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

func testConfiguration(database: String, prefix: String = "") -> AggregatorConfiguration {
    var config = AggregatorConfiguration(
        listener: ListenerConfiguration(host: "127.0.0.1", port: 0, tokens: [testToken]), databasePath: database)
    config.topicPrefix = prefix
    config.pollTimeoutMs = 20
    config.tickIntervalMs = 50
    config.catalogFlushIntervalMs = 50
    config.baselineMinIntervalMs = 0
    config.reloadOnSIGHUP = false
    return config
}

func quietLogger() -> Logger {
    var logger = Logger(label: "test.aggregator")
    logger.logLevel = .critical
    return logger
}

/// Kafka settings for the mock cluster with short timings (quick rebalances and commits).
func fastKafkaConfiguration(_ cluster: KafkaMockCluster) -> KafkaConfiguration {
    var kafka = cluster.configuration()
    kafka.producer.lingerMs = 1
    kafka.consumer.sessionTimeoutMs = 6_000
    kafka.consumer.heartbeatIntervalMs = 300
    kafka.consumer.autoCommitIntervalMs = 100
    kafka.consumer.fetchWaitMaxMs = 20
    return kafka
}

func inProcessTransport(prefix: String = "") async throws -> InProcessTransport {
    let transport = InProcessTransport()
    try await transport.createTopics(PalisadeTopic.allSpecs(prefix: prefix, partitions: 2), timeout: .seconds(5))
    return transport
}

/// A policy from YAML (fails the test on errors).
func policy(_ yaml: String) throws -> Policy { try Policy.parse(yaml: yaml) }

func blockingPolicy(mode: String = "blocking", allowIPs: [String] = []) throws -> Policy {
    try policy(
        """
        version: 1
        mode: \(mode)
        allowlist:
          ips: [\(allowIPs.joined(separator: ", "))]
        rules:
          - name: injection
            match: {classes: [sqli, xss], min_confidence: 0.9}
            decision: {scope: ip, action: block, ttl_secs: 600}
          - name: login-abuse
            match: {behaviours: [brute_force, credential_stuffing]}
            decision: {scope: identity, action: block, ttl_secs: 900}
        """)
}

let nowMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000)

func verdict(
    id: String, client: String, method: String = "GET", template: String = "/v1/search", status: Int? = 200,
    attackClass: AttackClass? = nil, confidence: Double = 0.95, ts: Int64 = nowMs
) -> VerdictRecord {
    let hits =
        attackClass.map {
            [
                Hit(
                    attackClass: $0, point: 1, location: "query.q", confidence: confidence,
                    evidence: "1' OR '1'='1", rule: "\($0.rawValue).test")
            ]
        } ?? []
    return VerdictRecord(
        verdict: Verdict(
            id: id, ts: ts, client: client,
            endpoint: .init(host: "api.example.com", method: method, template: template), status: status,
            score: attackClass == nil ? 0 : 90, attack: attackClass != nil, hits: hits, anomalies: [], decodeMs: 0.1))
}

/// An observation of `method path` with query parameters (name → value).
func observation(id: String, method: String = "GET", path: String, query: [(String, String)] = [], status: Int = 200)
    -> EndpointObservation
{
    let segments = path.split(separator: "/").map { PathSegmentObservation($0) }
    let params = query.map { name, value in
        ParamObservation(
            location: "query.\(name)", source: .query, shape: ValueShape.classify(Array(value.utf8)[...]))
    }
    return EndpointObservation(
        endpoint: EndpointKey.normalized(host: "api.example.com", method: method, template: path), requestID: id,
        ts: nowMs, status: status, auth: .none, contentType: nil, bodyBytes: 0, segments: segments, params: params)
}

func publish(_ records: [VerdictRecord], on transport: any Transport, prefix: String = "") async throws {
    let producer = try transport.makeProducer()
    let codec = ProtobufVerdictCodec()
    let topic = PalisadeTopic.verdicts.name(prefix: prefix)
    let results = await producer.send(
        batch: records.map { OutgoingRecord(topic: topic, key: $0.verdict.client, value: codec.encode($0)) })
    for result in results { _ = try result.get() }
    await producer.shutdown(timeout: .seconds(5))
}

func publish(_ observations: [EndpointObservation], on transport: any Transport, prefix: String = "") async throws {
    let producer = try transport.makeProducer()
    let codec = ProtobufObservationCodec()  // what workers publish
    let topic = PalisadeTopic.observations.name(prefix: prefix)
    let results = await producer.send(
        batch: observations.map { OutgoingRecord(topic: topic, key: $0.endpoint.partitionKey, value: codec.encode($0)) }
    )
    for result in results { _ = try result.get() }
    await producer.shutdown(timeout: .seconds(5))
}

/// Polls until `condition` holds or `timeout` passes; returns whether it held.
func eventually(
    timeout: Duration = .seconds(20), every interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}

/// Parses a JSON response body.
func json(_ buffer: ByteBuffer) throws -> JSONValue {
    try JSONReader().parse(Array(String(buffer: buffer).utf8))
}

extension JSONValue {
    var array: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }
    var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
    var int: Int? {
        if case .number(let n) = self { return Int(n) }
        return nil
    }
}

extension TestClientProtocol {
    func get(_ uri: String) async throws -> TestResponse {
        try await executeRequest(uri: uri, method: .get, headers: auth, body: nil)
    }
}
