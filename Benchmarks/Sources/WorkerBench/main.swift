// Worker throughput, Kafka in and out (librdkafka mock cluster in this process): records/s for one
// worker with one scoring task (= per worker core), one worker with two, and two workers with one
// each (1 → 2 scaling). See BENCHMARKS.md, "Worker".
//
//   swift run -c release --package-path Benchmarks WorkerBench 50000
import Foundation
import Logging
import PalisadeCore
import PalisadeKafka
import PalisadeRecords
import PalisadeRuntime
import PalisadeTransport
import WorkerService

let total = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 50_000 : 50_000
let logger: Logger = {
    var logger = Logger(label: "bench.worker")
    logger.logLevel = .error
    return logger
}()

/// Mixed API traffic: JSON writes, searches, JWT reads, a few attacks.
func request(_ i: Int) -> CaptureRecord {
    let jwt =
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIiwiaWF0IjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlc2lnbmF0dXJl"
    switch i % 10 {
    case 0, 1, 2:
        return CaptureRecord(
            id: "b\(i)", ts: Int64(i), clientIP: "10.0.\(i % 200).\(i % 250)", method: "POST",
            host: "api.example.com", rawPath: "/v1/orders",
            headers: [.init("content-type", "application/json"), .init("authorization", "Bearer " + jwt)],
            body: Array(
                #"{"customer":{"id":\#(i),"email":"user\#(i)@example.com"},"items":[{"sku":"A-\#(i % 97)","qty":2},{"sku":"B-7","qty":1}],"note":"leave at the door"}"#
                    .utf8))
    case 3, 4, 5, 6:
        return CaptureRecord(
            id: "b\(i)", ts: Int64(i), clientIP: "10.1.\(i % 200).\(i % 250)", method: "GET", host: "api.example.com",
            rawPath: "/v1/users/\(i % 5000)/orders?page=\(i % 7)&sort=desc",
            headers: [.init("authorization", "Bearer " + jwt), .init("user-agent", "Mozilla/5.0 (X11; Linux)")])
    case 7, 8:
        return CaptureRecord(
            id: "b\(i)", ts: Int64(i), clientIP: "10.2.\(i % 200).\(i % 250)", method: "GET", host: "api.example.com",
            rawPath: "/v1/search?q=blue+running+shoes&size=\(40 + i % 8)", headers: [.init("x-api-key", "k-\(i % 50)")])
    default:
        return CaptureRecord(
            id: "b\(i)", ts: Int64(i), clientIP: "198.51.100.\(i % 250)", method: "GET", host: "api.example.com",
            rawPath: "/v1/search?q=1%27%20UNION%20SELECT%20password%20FROM%20users--")
    }
}

let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
try await cluster.createTopics(PalisadeTopic.allSpecs(partitions: 12, replicationFactor: 1))
let configuration: KafkaConfiguration = {
    var configuration = cluster.configuration()
    configuration.producer.lingerMs = 5
    return configuration
}()
let producer = try KafkaProducer(configuration: configuration, logger: logger)
let values = (0..<total).map { CaptureRecordMessage(request($0)).encodedRecord() }
let bytes = values.reduce(0) { $0 + $1.count }
let start = ContinuousClock.now
for chunk in stride(from: 0, to: total, by: 5_000) {
    let batch = values[chunk..<min(total, chunk + 5_000)].map {
        OutgoingRecord(topic: PalisadeTopic.requests.name(), key: nil, value: $0)
    }
    for result in await producer.send(batch: batch) { _ = try result.get() }
}
print("produced \(total) requests (\(bytes / total) bytes on average) in \(ContinuousClock.now - start)")
await producer.shutdown(timeout: .seconds(10))

/// Runs `workers` workers with `tasks` scoring tasks each, as a new group over all the requests;
/// returns records/s from start until every record is acknowledged.
func run(
    workers count: Int, tasks: Int, group: String, total: Int, configuration: KafkaConfiguration, logger: Logger
) async throws -> Double {
    var settings = WorkerSettings()
    settings.group = group
    settings.scoringTasks = tasks
    settings.baselineCatchUpTimeoutMs = 5_000
    // Optional overrides for experiments: WORKER_POLL_MAX_RECORDS.
    if let poll = ProcessInfo.processInfo.environment["WORKER_POLL_MAX_RECORDS"].flatMap({ Int($0) }) {
        settings.pollMaxRecords = poll
    }
    let workers = (0..<count).map { _ in
        buildWorker(
            settings: settings, transport: KafkaTransport(configuration: configuration, logger: logger), logger: logger,
            metrics: PalisadeMetrics())
    }
    return try await withThrowingTaskGroup(of: Void.self) { tasksGroup in
        let start = ContinuousClock.now
        for worker in workers { tasksGroup.addTask { try await worker.run() } }
        while workers.reduce(0, { $0 + $1.stats.acknowledged }) < total {
            try await Task.sleep(for: .milliseconds(20))
            if ContinuousClock.now - start > .seconds(600) { break }
        }
        let elapsed = ContinuousClock.now - start
        for worker in workers { worker.stop() }
        try await tasksGroup.waitForAll()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(total) / seconds
    }
}

let one = try await run(
    workers: 1, tasks: 1, group: "bench-1x1", total: total, configuration: configuration, logger: logger)
print(String(format: "1 worker, 1 scoring task:  %8.0f records/s", one))
let oneTwo = try await run(
    workers: 1, tasks: 2, group: "bench-1x2", total: total, configuration: configuration, logger: logger)
print(String(format: "1 worker, 2 scoring tasks: %8.0f records/s (%.2fx)", oneTwo, oneTwo / one))
let two = try await run(
    workers: 2, tasks: 1, group: "bench-2x1", total: total, configuration: configuration, logger: logger)
print(String(format: "2 workers, 1 task each:    %8.0f records/s (%.2fx)", two, two / one))
await cluster.shutdown()
