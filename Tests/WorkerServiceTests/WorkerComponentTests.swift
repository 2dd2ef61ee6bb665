import Foundation
import Logging
import PalisadeCore
import PalisadeLearn
import PalisadeRecords
import PalisadeRuntime
import PalisadeTransport
import Testing

@testable import WorkerService

/// The whole worker over the in-process transport: a mixed stream in, verdicts and observations
/// out, order per partition, baselines taking effect, dead letters.
@Suite(.timeLimit(.minutes(2)))
struct WorkerComponentTests {
    static let partitions: Int32 = 4

    @Test("mixed traffic: verdicts and observations for every request, attacks flagged with locations, order kept")
    func mixedStream() async throws {
        let h = try await Harness()
        try await h.withWorker { worker in
            var sent: [(id: String, receipt: DeliveryReceipt, attack: String?)] = []
            for i in 0..<120 {
                let (record, attack) = Traffic.request(i)
                let receipt = try await h.producer.send(
                    OutgoingRecord(
                        topic: h.topic(.requests), key: nil, value: CaptureRecordMessage(record).encodedRecord()))
                sent.append((record.id, receipt, attack))
            }
            let out = try await h.collect(verdicts: 120, observations: 120)

            // Every request: one verdict, one observation.
            #expect(Set(out.verdicts.map(\.message.id)) == Set(sent.map(\.id)))
            #expect(Set(out.observations.map(\.message.requestID)) == Set(sent.map(\.id)))
            #expect(out.verdicts.count == 120)
            for item in sent {
                let verdict = try #require(out.verdicts.first { $0.message.id == item.id }?.message)
                if let attack = item.attack {
                    #expect(verdict.attack, "\(item.id) should be an attack")
                    let hit = try #require(verdict.hits.first { $0.attackClass == attack })
                    #expect(hit.location == "query.q" || hit.location.hasPrefix("body.json"), "\(hit.location)")
                } else {
                    #expect(!verdict.attack, "\(item.id) is benign: \(verdict.hits.map(\.rule))")
                }
                #expect(verdict.clientIp == Traffic.ip)
                #expect(verdict.client == Traffic.ip)
            }
            // Keys: verdicts by client, observations by "METHOD host".
            #expect(out.verdicts.allSatisfy { $0.record.keyText == Traffic.ip })
            #expect(
                out.observations.allSatisfy {
                    $0.record.keyText == "GET api.example.com" || $0.record.keyText == "POST api.example.com"
                })
            let observation = try #require(out.observations.first { $0.message.requestID == sent[0].id }?.message)
            #expect(observation.revision == 2)
            #expect(observation.params.contains { $0.location == "query.q" })

            // Order per input partition: all verdicts share one key (one output partition), so
            // records of one input partition must come out in their input order.
            let inputOffset = Dictionary(uniqueKeysWithValues: sent.map { ($0.id, $0.receipt) })
            for p in 0..<Self.partitions {
                let offsets = out.verdicts.compactMap { v -> Int64? in
                    guard let r = inputOffset[v.message.id], r.partition == p else { return nil }
                    return r.offset
                }
                #expect(offsets == offsets.sorted(), "partition \(p) out of order")
            }
            #expect(worker.metrics.scored.value == 120)
        }
    }

    @Test("consumer lag: sampled from the transport, zero once every request is acknowledged")
    func consumerLag() async throws {
        let h = try await Harness()
        try await h.withWorker { worker in
            for i in 0..<40 {
                let (record, _) = Traffic.request(i)
                _ = try await h.producer.send(
                    OutgoingRecord(
                        topic: h.topic(.requests), key: nil, value: CaptureRecordMessage(record).encodedRecord()))
            }
            _ = try await h.collect(verdicts: 40, observations: 40)
            try await eventually { worker.stats.acknowledged == 40 }
            // The next samples see every partition processed to its end.
            try await eventually { worker.consumerLag == 0 }
            #expect(worker.metrics.acknowledged.value == 40)
        }
    }

    @Test("a baseline published on palisade.baselines takes effect: schema_anomaly appears")
    func baselineTakesEffect() async throws {
        let h = try await Harness()
        try await h.withWorker { worker in
            // Before: no baseline, no schema anomaly.
            let first = Traffic.item(id: "before", path: "/v1/items/42?debug=%27%3B--")
            _ = try await h.producer.send(OutgoingRecord(topic: h.topic(.requests), key: nil, value: first))
            var out = try await h.collect(verdicts: 1, observations: 1)
            #expect(!out.verdicts[0].message.hits.contains { $0.attackClass == "schema_anomaly" })

            let baseline = EndpointBaselineMessage(Traffic.itemsBaseline)
            _ = try await h.producer.send(
                OutgoingRecord(
                    topic: h.topic(.baselines), key: Traffic.itemsBaseline.endpoint.baselineRecordKey,
                    value: baseline.encodedRecord()))
            try await eventually { worker.baselines.count == 1 }

            let second = Traffic.item(id: "after", path: "/v1/items/abc-def?debug=1")
            _ = try await h.producer.send(OutgoingRecord(topic: h.topic(.requests), key: nil, value: second))
            out = try await h.collect(verdicts: 1, observations: 1)
            let verdict = out.verdicts[0].message
            #expect(verdict.id == "after")
            let rules = Set(verdict.hits.filter { $0.attackClass == "schema_anomaly" }.map(\.rule))
            #expect(rules.contains("schema.unknown_parameter"), "\(rules)")
            #expect(rules.contains("schema.format"), "\(rules)")
            #expect(!verdict.attack, "schema anomalies alone do not make an attack")
            #expect(verdict.score > 0)

            // A tombstone removes it.
            _ = try await h.producer.send(
                OutgoingRecord(
                    topic: h.topic(.baselines), key: Traffic.itemsBaseline.endpoint.baselineRecordKey, value: nil))
            try await eventually { worker.baselines.count == 0 }
        }
    }

    @Test("garbage bytes go to palisade.deadletter with the reason, and the partition moves on")
    func deadLetter() async throws {
        let h = try await Harness()
        try await h.withWorker { worker in
            _ = try await h.producer.send(
                OutgoingRecord(topic: h.topic(.requests), key: Array("k".utf8), value: [0xff, 0xff, 0xff, 0x01]))
            let good = Traffic.item(id: "good", path: "/v1/items/1")
            _ = try await h.producer.send(OutgoingRecord(topic: h.topic(.requests), key: Array("k".utf8), value: good))
            let out = try await h.collect(verdicts: 1, observations: 1, deadLetters: 1)
            let letter = out.deadLetters[0].message
            #expect(letter.reason.contains("CaptureRecord"))
            #expect(letter.topic == h.topic(.requests))
            #expect([UInt8](letter.value) == [0xff, 0xff, 0xff, 0x01])
            #expect(out.deadLetters[0].record.keyText == "k")
            #expect(out.verdicts[0].message.id == "good")
            #expect(worker.metrics.deadLettered.value == 1)
            try await eventually { worker.inFlight == 0 }
        }
    }

    @Test("identities: API key hashed, JWT subject, object id and login username hashes; client key by identity")
    func identities() async throws {
        var settings = WorkerSettings()
        settings.clientKey = .identity
        let h = try await Harness(settings: settings)
        try await h.withWorker { _ in
            let jwt = Traffic.jwt(sub: "user-7")
            let a = CaptureRecord(
                id: "a", ts: 1, clientIP: Traffic.ip, method: "GET", host: "api.example.com", rawPath: "/v1/users/42",
                headers: [.init("X-Api-Key", "k-secret")])
            let b = CaptureRecord(
                id: "b", ts: 2, clientIP: Traffic.ip, method: "POST", host: "api.example.com", rawPath: "/v1/login",
                headers: [.init("authorization", "Bearer " + jwt), .init("content-type", "application/json")],
                body: Array(#"{"username":"alice","password":"hunter2"}"#.utf8), status: 401)
            for record in [a, b] {
                _ = try await h.producer.send(
                    OutgoingRecord(
                        topic: h.topic(.requests), key: nil, value: CaptureRecordMessage(record).encodedRecord()))
            }
            let out = try await h.collect(verdicts: 2, observations: 2)
            let va = try #require(out.verdicts.first { $0.message.id == "a" }?.message)
            #expect(va.apiKeyHash == IdentityHash.apiKey("k-secret"))
            #expect(va.client == "api_key:" + IdentityHash.apiKey("k-secret"))
            #expect(va.objectIDHash == IdentityHash.fnv1a64("42"))
            #expect(va.pathHash == IdentityHash.fnv1a64("/v1/users/42"))
            #expect(!va.hasUsernameHash)
            let vb = try #require(out.verdicts.first { $0.message.id == "b" }?.message)
            #expect(vb.jwtSub == "user-7")
            #expect(vb.client == "jwt_sub:user-7")
            #expect(vb.usernameHash == IdentityHash.fnv1a64("alice"))
            #expect(!vb.hasObjectIDHash)
            // Nothing raw leaves the worker.
            for v in out.verdicts {
                #expect(!String(decoding: v.record.value ?? [], as: UTF8.self).contains("k-secret"))
            }
        }
    }

    @Test("clean verdicts: none publishes only verdicts with hits; observations always")
    func cleanVerdictsNone() async throws {
        var settings = WorkerSettings()
        settings.cleanVerdicts = .none
        let h = try await Harness(settings: settings)
        try await h.withWorker { worker in
            for i in 0..<20 {
                let (record, _) = Traffic.request(i)
                _ = try await h.producer.send(
                    OutgoingRecord(
                        topic: h.topic(.requests), key: nil, value: CaptureRecordMessage(record).encodedRecord()))
            }
            let attacks = (0..<20).filter { Traffic.request($0).attack != nil }.count
            let out = try await h.collect(verdicts: attacks, observations: 20)
            #expect(out.verdicts.allSatisfy { !$0.message.hits.isEmpty })
            try await eventually { worker.metrics.verdictsSkipped.value == Int64(20 - attacks) }
        }
    }
}

// MARK: - Harness

struct Collected {
    var verdicts: [(record: ConsumedRecord, message: VerdictMessage)] = []
    var observations: [(record: ConsumedRecord, message: EndpointObservationMessage)] = []
    var deadLetters: [(record: ConsumedRecord, message: DeadLetterMessage)] = []
}

final class Harness: Sendable {
    let transport: InProcessTransport
    let settings: WorkerSettings
    let producer: any TransportProducer
    let reader: any GroupConsumer
    let prefix = "t."

    init(settings: WorkerSettings = WorkerSettings()) async throws {
        transport = InProcessTransport()
        var settings = settings
        settings.topicPrefix = prefix
        settings.scoringTasks = 2
        settings.retryBackoffMs = 10
        settings.baselineCatchUpTimeoutMs = 2_000
        self.settings = settings
        try await transport.createTopics(
            PalisadeTopic.allSpecs(prefix: prefix, partitions: WorkerComponentTests.partitions, replicationFactor: 1),
            timeout: .seconds(1))
        producer = try transport.makeProducer()
        let prefix = self.prefix
        reader = try transport.makeGroupConsumer(
            group: "test-reader",
            topics: [PalisadeTopic.verdicts, .observations, .deadLetter].map { $0.name(prefix: prefix) })
    }

    func topic(_ t: PalisadeTopic) -> String { t.name(prefix: prefix) }

    func withWorker(_ body: (WorkerService) async throws -> Void) async throws {
        var logger = Logger(label: "test.worker")
        logger.logLevel = .warning
        let worker = buildWorker(settings: settings, transport: transport, logger: logger, metrics: PalisadeMetrics())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            try await eventually { await worker.notReadyReason() == nil }
            do {
                try await body(worker)
            } catch {
                worker.stop()
                throw error
            }
            worker.stop()
            try await group.waitForAll()
        }
    }

    /// Reads outputs until the counts are reached (10 s at most).
    func collect(verdicts: Int, observations: Int, deadLetters: Int = 0) async throws -> Collected {
        var out = Collected()
        let deadline = ContinuousClock.now + .seconds(10)
        while out.verdicts.count < verdicts || out.observations.count < observations
            || out.deadLetters.count < deadLetters
        {
            guard ContinuousClock.now < deadline else {
                Issue.record(
                    "timed out: \(out.verdicts.count)/\(verdicts) verdicts, \(out.observations.count)/\(observations) observations, \(out.deadLetters.count)/\(deadLetters) dead letters"
                )
                return out
            }
            for event in try await reader.poll(maxRecords: 1_000, timeout: .milliseconds(50)) {
                guard case .record(let record) = event, let value = record.value else { continue }
                if record.topic == topic(.verdicts) {
                    out.verdicts.append((record, try VerdictMessage.decodeRecord(value)))
                } else if record.topic == topic(.observations) {
                    out.observations.append((record, try EndpointObservationMessage.decodeRecord(value)))
                } else {
                    out.deadLetters.append((record, try DeadLetterMessage.decodeRecord(value)))
                }
                try reader.acknowledge(record)
            }
        }
        return out
    }
}

func eventually(
    timeout: Duration = .seconds(10), _ condition: @Sendable () async -> Bool,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let deadline = ContinuousClock.now + timeout
    while !(await condition()) {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met in time", sourceLocation: sourceLocation)
            return
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}

// MARK: - Traffic

enum Traffic {
    static let ip = "203.0.113.7"

    /// Request `i`: every 5th a SQL injection in the query, every 7th an XSS in a JSON body.
    static func request(_ i: Int) -> (record: CaptureRecord, attack: String?) {
        let id = String(format: "req-%04d", i)
        if i % 5 == 0 {
            return (
                CaptureRecord(
                    id: id, ts: Int64(i), clientIP: ip, method: "GET", host: "api.example.com",
                    rawPath: "/v1/search?q=" + "1%27%20UNION%20SELECT%20username%2C%20password%20FROM%20users--"),
                "sqli"
            )
        }
        if i % 7 == 0 {
            return (
                CaptureRecord(
                    id: id, ts: Int64(i), clientIP: ip, method: "POST", host: "api.example.com",
                    rawPath: "/v1/comments",
                    headers: [.init("content-type", "application/json")],
                    body: Array(#"{"text":"<script>alert(document.cookie)</script>","post":12}"#.utf8)),
                "xss"
            )
        }
        return (
            CaptureRecord(
                id: id, ts: Int64(i), clientIP: ip, method: "GET", host: "api.example.com",
                rawPath: "/v1/search?q=blue+shoes&page=\(i % 9)", headers: [.init("user-agent", "Mozilla/5.0")]),
            nil
        )
    }

    static func item(id: String, path: String) -> [UInt8] {
        CaptureRecordMessage(
            CaptureRecord(id: id, ts: 1, clientIP: ip, method: "GET", host: "api.example.com", rawPath: path)
        ).encodedRecord()
    }

    static var itemsBaseline: EndpointBaseline {
        EndpointBaseline(
            endpoint: EndpointKey(host: "api.example.com", method: "GET", template: "/v1/items/{id}"),
            segments: [.literal("v1"), .literal("items"), .param(name: "id", kind: .number)], state: .enforcing,
            version: 1, samples: 1_000, updatedAt: 1, openParameters: false,
            parameters: [
                ParameterBaseline(
                    location: "path.{id}", source: .path, samples: 1_000, presence: 1, required: true, enforced: true,
                    formats: [FormatFrequency(format: .integer, frequency: 1)], minLength: 1, maxLength: 4, p1Length: 1,
                    p99Length: 4, charset: [.digit])
            ])
    }

    static func jwt(sub: String) -> String {
        func b64(_ s: String) -> String {
            Data(s.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        }
        return b64(#"{"alg":"HS256","typ":"JWT"}"#) + "." + b64(#"{"sub":"\#(sub)","iat":1}"#) + ".c2ln"
    }
}
