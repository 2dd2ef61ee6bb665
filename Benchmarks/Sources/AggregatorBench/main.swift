import AggregatorService
import Foundation
import Logging
import PalisadeCore
import PalisadeDetect
import PalisadeLearn
import PalisadePolicy
import PalisadeRuntime
import PalisadeTransport
import ServiceLifecycle

// Aggregator figures (not a test):
//   1. verdicts/s absorbed (judged + stored in SQLite), one core (the core is one actor);
//   2. observations/s learned and persisted (catalog snapshots as the consumer writes them), and
//      memory of the endpoint catalog for 10,000 endpoints × 20 parameters;
//   3. latency from a verdict published on the transport to the long-poll answer carrying its decision.
//
//   swift run -c release --package-path Benchmarks AggregatorBench [verdicts]

let verdictCount = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 100_000
var logger = Logger(label: "bench")
logger.logLevel = .error

func fmt(_ value: Double, _ decimals: Int = 1) -> String { String(format: "%.\(decimals)f", value) }
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}
func scratch() -> String {
    let dir = NSTemporaryDirectory() + "aggregator-bench-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}
func configuration(_ dir: String) -> AggregatorConfiguration {
    var config = AggregatorConfiguration(
        listener: ListenerConfiguration(host: "127.0.0.1", port: 0, tokens: ["t"]), databasePath: dir + "/a.sqlite")
    config.pollTimeoutMs = 5
    config.reloadOnSIGHUP = false
    return config
}
/// A fresh aggregator on a new SQLite file and in-process transport (4 partitions).
func makeAggregator(_ dir: String, _ policy: Policy, _ logger: Logger) async throws -> (
    Aggregator, InProcessTransport
) {
    let transport = InProcessTransport()
    try await transport.createTopics(PalisadeTopic.allSpecs(partitions: 4), timeout: .seconds(5))
    let aggregator = try buildAggregator(
        configuration: configuration(dir), transport: transport, logger: logger, policy: policy)
    return (aggregator, transport)
}
let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
var policy = Policy.default
policy.mode = .blocking

func verdicts(_ n: Int, offset: Int = 0) -> [VerdictRecord] {
    (0..<n).map { k in
        let i = k + offset
        let attack = i % 10 == 0
        let login = i % 7 == 0
        let hits =
            attack
            ? [
                Hit(
                    attackClass: .sqli, point: 1, location: "query.q", confidence: 0.95, evidence: "1' OR 1=1--",
                    rule: "sqli.t")
            ]
            : []
        return VerdictRecord(
            verdict: Verdict(
                id: "v\(i)", ts: nowMs + Int64(i), client: "10.\(i % 200).\(i / 200 % 250).\(i % 7 + 1)",
                endpoint: .init(
                    host: "api.example.com", method: login ? "POST" : "GET",
                    template: login ? "/v1/login" : "/v1/users/{id}"),
                status: login ? 401 : 200, score: attack ? 90 : 0, attack: attack, hits: hits, anomalies: [],
                decodeMs: 0.1))
    }
}

// 1. absorption
do {
    let dir = scratch()
    let (aggregator, _) = try await makeAggregator(dir, policy, logger)
    let all = verdicts(verdictCount)
    let batch = 500
    let start = ContinuousClock.now
    var i = 0
    while i < all.count {
        try await aggregator.core.absorb(Array(all[i..<min(i + batch, all.count)]))
        i += batch
    }
    let elapsed = seconds(ContinuousClock.now - start)
    let attacks = try aggregator.core.database.attackCount()
    let decisions = await aggregator.core.decisions.count
    print(
        "absorb: \(verdictCount) verdicts in \(fmt(elapsed, 2)) s = \(fmt(Double(verdictCount) / elapsed, 0)) verdicts/s "
            + "(batches of \(batch), SQLite WAL; \(attacks) attacks stored, \(decisions) decisions)")
    let replayStart = ContinuousClock.now
    try await aggregator.core.absorb(Array(all.prefix(10_000)))
    let replay = seconds(ContinuousClock.now - replayStart)
    print("absorb: replay of 10000 duplicates in \(fmt(replay * 1000, 1)) ms (skipped by request id)")
    try? FileManager.default.removeItem(atPath: dir)
}

// 2a. observation ingestion: learned in batches of 500, the catalog snapshot written every 20,000
// observations (the consumer's `catalog_flush_observations` default) with the request ids.
do {
    let dir = scratch()
    let (aggregator, _) = try await makeAggregator(dir, policy, logger)
    let queryNames = ["id", "expand", "page", "q", "sort"]
    let values = ["42", "orders", "3", "red shoes", "-created"]
    let observations = (0..<verdictCount).map { i in
        let path = ["/v1/users/\(1000 + i % 997)", "/v1/orders/\(i % 991)/items", "/v1/search"][i % 3]
        return EndpointObservation(
            endpoint: EndpointKey.normalized(host: "h\(i % 20).example.com", method: "GET", template: path),
            requestID: "ob\(i)", ts: nowMs + Int64(i), status: 200, auth: .bearerJWT, contentType: nil,
            bodyBytes: 0, segments: path.split(separator: "/").map { PathSegmentObservation($0) },
            params: queryNames.indices.map { k in
                ParamObservation(
                    location: "query.\(queryNames[k])", source: .query,
                    shape: ValueShape.classify(Array(values[(k + i) % values.count].utf8)[...]))
            })
    }
    let start = ContinuousClock.now
    var learned = 0
    var i = 0
    while i < observations.count {
        learned += await aggregator.core.learn(Array(observations[i..<min(i + 500, observations.count)]))
        i += 500
        if i % 20_000 == 0 || i >= observations.count { try await aggregator.core.flushCatalog(now: nowMs) }
    }
    let elapsed = seconds(ContinuousClock.now - start)
    let endpoints = await aggregator.core.endpoints().count
    print(
        "observations: \(learned) learned and persisted in \(fmt(elapsed, 2)) s = "
            + "\(fmt(Double(learned) / elapsed, 0)) observations/s (\(endpoints) endpoints on 20 hosts, 5 query parameters "
            + "each, batches of 500, catalog written every 20000)")
    try? FileManager.default.removeItem(atPath: dir)
}

// 2b. catalog memory
do {
    let before = residentBytes()
    var catalog = EndpointCatalog()
    let names = (0..<20).map { "p\($0)" }
    let values = ["42", "alice", "2026-11-21", "e3b0c44298fc1c149afbf4c8996fb924", "true"]
    var n = 0
    for host in 0..<10 {
        for a in 0..<10 {
            for b in 0..<10 {
                for c in 0..<10 {
                    let path = "/s\(a)/r\(b)/x\(c)"
                    for repeatIndex in 0..<3 {
                        let params = names.enumerated().map { index, name in
                            ParamObservation(
                                location: "query.\(name)", source: .query,
                                shape: ValueShape.classify(
                                    Array(values[(index + repeatIndex) % values.count].utf8)[...]))
                        }
                        let observation = EndpointObservation(
                            endpoint: EndpointKey.normalized(
                                host: "h\(host).example.com", method: "GET", template: path),
                            requestID: "o\(n)", ts: nowMs, status: 200, auth: .bearerJWT, contentType: nil,
                            bodyBytes: 0,
                            segments: path.split(separator: "/").map { PathSegmentObservation($0) }, params: params)
                        _ = catalog.learn(observation)
                        n += 1
                    }
                }
            }
        }
    }
    let after = residentBytes()
    let endpoints = catalog.endpoints()
    let parameters = endpoints.reduce(0) { $0 + $1.stats.params.count }
    let snapshot = catalog.snapshot()
    print(
        "catalog: \(endpoints.count) endpoints, \(parameters) parameters from \(n) observations: "
            + "resident +\(fmt(Double(after - before) / 1_048_576)) MiB "
            + "(\(fmt(Double(after - before) / Double(max(1, endpoints.count)) / 1024)) KiB/endpoint), "
            + "snapshot \(fmt(Double(snapshot.utf8.count) / 1_048_576)) MiB")
}

// 3. verdict → long-poll latency
do {
    let dir = scratch()
    let (aggregator, transport) = try await makeAggregator(dir, policy, logger)
    let core = aggregator.core
    let producer = try transport.makeProducer()
    let group = ServiceGroup(configuration: .init(services: aggregator.services, logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var samples: [Double] = []
        for i in 0..<200 {
            let version = await core.version.description
            guard case .parked(let id, _) = try await core.startPoll(since: version, waitMs: 10_000, now: nowMs) else {
                fatalError("expected a parked poll")
            }
            let record = VerdictRecord(
                verdict: Verdict(
                    id: "lat\(i)", ts: nowMs, client: "172.16.\(i / 250).\(i % 250 + 1)",
                    endpoint: .init(host: "api.example.com", method: "GET", template: "/v1/search"), status: 200,
                    score: 95, attack: true,
                    hits: [
                        Hit(
                            attackClass: .sqli, point: 1, location: "query.q", confidence: 0.97, evidence: "x",
                            rule: "r")
                    ], anomalies: [], decodeMs: 0.1))
            let start = ContinuousClock.now
            _ = try await producer.send(
                OutgoingRecord(
                    topic: PalisadeTopic.verdicts.name(), key: record.verdict.client,
                    value: ProtobufVerdictCodec().encode(record)))
            await core.waitForChange(id)
            let answer = try await core.endPoll(id, since: version, now: nowMs)
            samples.append(seconds(ContinuousClock.now - start) * 1000)
            precondition(answer.upserts.contains { $0.value == record.verdict.client })
        }
        samples.sort()
        func q(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
        print(
            "latency: verdict published → long-poll answer with its decision, \(samples.count) samples: "
                + "p50 \(fmt(q(0.5), 2)) ms, p99 \(fmt(q(0.99), 2)) ms, max \(fmt(samples.last ?? 0, 2)) ms")
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
    await producer.shutdown(timeout: .seconds(1))
    try? FileManager.default.removeItem(atPath: dir)
}
