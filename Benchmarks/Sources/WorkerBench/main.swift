// Worker throughput, Kafka in and out (librdkafka mock cluster in this process): records/s for one
// worker with one scoring task (= per worker core), one worker with two, and two workers with one
// each (1 → 2 scaling); with detection skipped (the worker's own cost: consume, protobuf decode,
// observation, identities, encode, produce, acknowledge) and with the full detection core; and
// verdicts/observations written through the SwiftProtobuf messages (the earlier path) against
// straight to the wire, alternating, in the same run. See BENCHMARKS.md, "Worker".
//
//   swift run -c release --package-path Benchmarks WorkerBench 50000
//
// WORKER_BENCH_MODES=skipped (or full) runs one detection mode only; WORKER_BENCH_KAFKA=0 leaves
// out the Kafka runs (for profiling); WORKER_BENCH_ENCODING=wire (or messages) keeps one way of
// writing the records, in the processing part and the Kafka rows (production writes `wire`); WORKER_BENCH_PAUSE_HOLD_MS=0 pauses the consumer at once at
// the high-water mark (the behaviour before 2026-11-21 17:45); WORKER_BENCH_LINGER_MS and
// WORKER_BENCH_KAFKA_PROPERTIES="name=value,…" (librdkafka properties), WORKER_BENCH_ROWS,
// WORKER_BENCH_REPEAT, WORKER_BENCH_UNKEYED and WORKER_BENCH_LOG_LEVEL are for experiments;
// WORKER_BENCH_DUMP=FILE writes the produced records to FILE (output identity checks);
// WORKER_BENCH_BOOTSTRAP=HOST:PORT uses a cluster in another process (`palisade dev-kafka --brokers 1`);
// WORKER_BENCH_TRAFFIC=mixed|gateway and WORKER_BENCH_CLIENTS: DecodeBench's traffic (below).
import BenchTraffic
import Foundation
import Logging
import PalisadeCore
import PalisadeKafka
import PalisadeRecords
import PalisadeRuntime
import PalisadeTransport
@_spi(Benchmarks) import WorkerService

let total = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 50_000 : 50_000
let environment = ProcessInfo.processInfo.environment
let logger: Logger = {
    var logger = Logger(label: "bench.worker")
    // WORKER_BENCH_LOG_LEVEL=info shows the workers' assignments and pauses (on standard error).
    logger.logLevel = environment["WORKER_BENCH_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .error
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

// WORKER_BENCH_TRAFFIC=mixed (or gateway): DecodeBench's ~710-byte mixed API traffic (with
// `gateway`, plus the forwarding, trace, referer and client-hint headers: ~1,100 bytes) instead
// of the light traffic above, its 2,000 requests in turn, each record with its own id;
// WORKER_BENCH_CLIENTS=N|unique as DecodeBench's DECODE_BENCH_CLIENTS.
let traffic = environment["WORKER_BENCH_TRAFFIC"]
let sharedTraffic: [CaptureRecord]? =
    traffic == "mixed" || traffic == "gateway"
    ? Traffic.mixed(
        count: 2_000, repetition: .init(environment: environment["WORKER_BENCH_CLIENTS"]),
        gatewayHeaders: traffic == "gateway") : nil
let values = (0..<total).map { i in
    guard let sharedTraffic else { return CaptureRecordMessage(request(i)).encodedRecord() }
    var record = sharedTraffic[i % sharedTraffic.count]
    record.id = "b\(i)"
    return CaptureRecordMessage(record).encodedRecord()
}
let modes = environment["WORKER_BENCH_MODES"]
let pauseHoldMs = environment["WORKER_BENCH_PAUSE_HOLD_MS"].flatMap { Int($0) } ?? 1_000

/// CPU time of the calling thread.
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

// The scoring task's own work per record, without Kafka (decode the request, verdict,
// observation, identities, encode both records), on this thread: records per CPU-second.
// Messages and wire alternate, twice.
print("| detection | records written | records per CPU-second (processing only, no Kafka) | vs messages |")
print("|---|---|---:|---:|")
// WORKER_BENCH_MEMO=N: slots of each processor's detection memo (`worker.detection_memo_entries`; 0 = off).
var processingSettings = WorkerSettings()
if let memo = environment["WORKER_BENCH_MEMO"].flatMap({ Int($0) }) { processingSettings.detectionMemoEntries = memo }
for detection in [WorkerDetection.skipped, .full] {
    if let modes, !modes.contains(detection == .full ? "full" : "skipped") { continue }
    var messagesRate: Double?
    for encoding in [WorkerEncoding.messages, .wire, .messages, .wire] {
        if let only = environment["WORKER_BENCH_ENCODING"], only != (encoding == .wire ? "wire" : "messages") {
            continue
        }
        let processor = WorkerRecordProcessor(settings: processingSettings, detection: detection, encoding: encoding)
        var produced = 0
        // Warm-up (caches, lazily built tables), then the measured pass.
        for value in values.prefix(2_000) { produced &+= processor.process(value).count }
        let start = threadCPUSeconds()
        for value in values { produced &+= processor.process(value).count }
        let rate = Double(total) / (threadCPUSeconds() - start)
        if encoding == .messages { messagesRate = rate }
        precondition(produced > 0)
        print(
            "| \(detection == .full ? "full" : "skipped (worker only)") | \(encoding == .wire ? "wire" : "messages") | "
                + String(format: "%.0f | %.2f |", rate, rate / (messagesRate ?? rate)))
    }
}
print()

/// The bytes of a verdict record without its `decode_ms` (field 10, a double: wall time, different
/// on every run); every other byte as written. Top-level fields are walked by their wire types.
func withoutDecodeTime(_ record: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(record.count)
    var i = 0
    func varint() -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while i < record.count {
            let byte = record[i]
            i += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        return value
    }
    while i < record.count {
        let start = i
        let tag = varint()
        switch tag & 7 {
        case 0: _ = varint()
        case 1: i += 8
        case 2: i += Int(varint())
        case 5: i += 4
        default: fatalError("unexpected wire type \(tag & 7) in a verdict record")
        }
        precondition(i <= record.count, "truncated verdict record")
        if tag != 10 << 3 | 1 { out.append(contentsOf: record[start..<i]) }
    }
    return out
}

// WORKER_BENCH_DUMP=FILE: one more pass per detection mode run, wire encoding, writing every
// produced record (topic, key, value; each as a 4-byte little-endian length and the bytes; verdicts
// without their `decode_ms`) to FILE, for comparing two builds' output with `cmp`.
if let dumpPath = environment["WORKER_BENCH_DUMP"] {
    var dump: [UInt8] = []
    func put(_ bytes: [UInt8]) {
        withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { dump.append(contentsOf: $0) }
        dump.append(contentsOf: bytes)
    }
    let verdicts = processingSettings.topic(.verdicts)
    for detection in [WorkerDetection.skipped, .full] {
        if let modes, !modes.contains(detection == .full ? "full" : "skipped") { continue }
        let processor = WorkerRecordProcessor(settings: processingSettings, detection: detection, encoding: .wire)
        for value in values {
            for output in processor.process(value) {
                put(Array(output.topic.utf8))
                put(output.key ?? [])
                let bytes = output.value ?? []
                put(output.topic == verdicts ? withoutDecodeTime(bytes) : bytes)
            }
        }
    }
    precondition(FileManager.default.createFile(atPath: dumpPath, contents: Data(dump)), "cannot write \(dumpPath)")
    print("dumped \(dump.count) bytes to \(dumpPath)")
}

if environment["WORKER_BENCH_KAFKA"] == "0" { exit(0) }

// WORKER_BENCH_BOOTSTRAP=HOST:PORT,… uses a cluster in another process (`palisade dev-kafka
// --brokers 1`, which creates the topics with 12 partitions) instead of one in this process: the
// process CPU-seconds are then the workers' own (their librdkafka clients included, the brokers
// not), and the brokers can be pinned to the other core (`taskset`).
let external = environment["WORKER_BENCH_BOOTSTRAP"].flatMap { $0.isEmpty ? nil : $0 }
let cluster: KafkaMockCluster? = external == nil ? try KafkaMockCluster(brokers: 1, logger: logger) : nil
try await cluster?.createTopics(PalisadeTopic.allSpecs(partitions: 12, replicationFactor: 1))
let configuration: KafkaConfiguration = {
    var configuration = cluster?.configuration() ?? KafkaConfiguration(bootstrapServers: external ?? "")
    // WORKER_BENCH_LINGER_MS overrides the producer's linger (experiments).
    configuration.producer.lingerMs =
        environment["WORKER_BENCH_LINGER_MS"].flatMap { Int($0) } ?? 5
    for pair in (environment["WORKER_BENCH_KAFKA_PROPERTIES"] ?? "").split(separator: ",") {
        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
        if parts.count == 2 { configuration.properties[parts[0]] = parts[1] }
    }
    return configuration
}()
let producer = try KafkaProducer(configuration: configuration, logger: logger)
let bytes = values.reduce(0) { $0 + $1.count }
let start = ContinuousClock.now
// Keyed by request number, so that murmur2 spreads the requests evenly over the 12 partitions
// (± ~2 %). Without keys (as the mirror produces) librdkafka's sticky partitioner fills one
// partition per batch: over a long stream that evens out, but this 0.1–0.3 s burst split
// 28 k / 22 k, 30 k / 20 k and 38 k / 12 k between the two workers of a 2 × 1 run, and the
// worker with more records set the rate. WORKER_BENCH_UNKEYED=1 produces without keys.
let keyed = environment["WORKER_BENCH_UNKEYED"] != "1"
for chunk in stride(from: 0, to: total, by: 5_000) {
    let batch = (chunk..<min(total, chunk + 5_000)).map {
        OutgoingRecord(
            topic: PalisadeTopic.requests.name(), key: keyed ? Array("\($0)".utf8) : nil, value: values[$0])
    }
    for result in await producer.send(batch: batch) { _ = try result.get() }
}
print("produced \(total) requests (\(bytes / total) bytes on average) in \(ContinuousClock.now - start)")
await producer.shutdown(timeout: .seconds(10))

/// CPU time of this process so far (every thread: workers, librdkafka, the mock brokers unless
/// `WORKER_BENCH_BOOTSTRAP` points elsewhere).
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

struct RunResult {
    /// Records / (last acknowledgement − first record consumed): start-up (group join, baseline
    /// read) excluded.
    var rate: Double
    /// Records / process CPU seconds over the same span (the mock brokers' work included when they
    /// run in this process).
    var perCPUSecond: Double
    /// Per worker: its first record after the run's first (seconds), records consumed (more than
    /// its share of `total` when partitions moved during the run), records given up to a rebalance
    /// (revoked while queued, or their acknowledgement refused), consumer pauses.
    var workers: [(firstRecord: Double?, consumed: Int64, givenUp: Int64, consumerPauses: Int64)]

    var perWorker: String {
        workers.map { w in
            let first = w.firstRecord.map { String(format: "+%.1f s", $0) } ?? "none"
            return "\(first) / \(w.consumed) / \(w.givenUp) / \(w.consumerPauses)"
        }.joined(separator: "; ")
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Runs `workers` workers with `tasks` scoring tasks each, as a new group over all the requests.
func run(
    workers count: Int, tasks: Int, detection: WorkerDetection, encoding: WorkerEncoding, group: String, total: Int,
    configuration: KafkaConfiguration, logger: Logger
) async throws -> RunResult {
    var settings = WorkerSettings()
    settings.group = group
    settings.scoringTasks = tasks
    settings.baselineCatchUpTimeoutMs = 5_000
    // Optional overrides for experiments: WORKER_POLL_MAX_RECORDS.
    if let poll = environment["WORKER_POLL_MAX_RECORDS"].flatMap({ Int($0) }) {
        settings.pollMaxRecords = poll
    }
    let workers = (0..<count).map { _ in
        buildWorker(
            settings: settings, transport: KafkaTransport(configuration: configuration, logger: logger), logger: logger,
            metrics: PalisadeMetrics(), detection: detection, encoding: encoding, pauseHoldMs: pauseHoldMs)
    }
    return try await withThrowingTaskGroup(of: Void.self) { tasksGroup in
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(600)
        for worker in workers { tasksGroup.addTask { try await worker.run() } }
        while workers.allSatisfy({ $0.stats.consumed == 0 }), clock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        let start = clock.now
        let cpuStart = processCPUSeconds()
        var firstRecord = workers.map { $0.stats.consumed > 0 ? 0.0 : nil }
        while workers.reduce(0, { $0 + $1.stats.acknowledged }) < total, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
            for (i, worker) in workers.enumerated() where firstRecord[i] == nil && worker.stats.consumed > 0 {
                firstRecord[i] = seconds(clock.now - start)
            }
        }
        let elapsed = clock.now - start
        let cpu = processCPUSeconds() - cpuStart
        for worker in workers { worker.stop() }
        try await tasksGroup.waitForAll()
        return RunResult(
            rate: Double(total) / seconds(elapsed), perCPUSecond: Double(total) / cpu,
            workers: zip(workers, firstRecord).map { worker, first in
                let stats = worker.stats
                return (first, stats.consumed, stats.revokedDropped + stats.acknowledgeFailed, stats.consumerPauses)
            })
    }
}

print(
    "| detection | records written | workers × scoring tasks | records/s | vs first row of its mode | records per process CPU-second "
        + "| per worker: first record / consumed / given up to a rebalance / consumer pauses |"
)
print("|---|---|---|---:|---:|---:|---|")
// WORKER_BENCH_ROWS=2x1 (comma-separated workers x tasks) keeps only those rows,
// WORKER_BENCH_REPEAT=n runs the rows n times (e.g. to catch a rare slow 2 × 1 run).
let rowFilter = environment["WORKER_BENCH_ROWS"].map { Set($0.split(separator: ",").map(String.init)) }
let repeats = max(1, environment["WORKER_BENCH_REPEAT"].flatMap { Int($0) } ?? 1)
// WORKER_BENCH_ENCODING=wire (or messages) keeps the Kafka rows of that encoding too.
let onlyEncoding = environment["WORKER_BENCH_ENCODING"]
var runIndex = 0
for detection in [WorkerDetection.skipped, .full] {
    let label = detection == .full ? "full" : "skipped (worker only)"
    if let modes, !modes.contains(detection == .full ? "full" : "skipped") { continue }
    var first: Double?
    // Messages and wire alternate on one task, twice, so load changes hit both alike.
    let rows: [(WorkerEncoding, Int, Int)] = [
        (.messages, 1, 1), (.wire, 1, 1), (.messages, 1, 1), (.wire, 1, 1), (.wire, 1, 2), (.wire, 2, 1),
    ].filter { rowFilter?.contains("\($0.1)x\($0.2)") ?? true }
        .filter { row in onlyEncoding.map { $0 == (row.0 == .wire ? "wire" : "messages") } ?? true }
    for (encoding, workers, tasks) in Array(repeating: rows, count: repeats).joined() {
        let written = encoding == .wire ? "wire" : "messages"
        // A run whose group formed late (a member got its first record over a second after the
        // other: librdkafka's mock failed the follower's SyncGroup and made the rejoin wait out
        // its ~9 s rebalance timer) measures the mock, not the workers: it is listed, marked,
        // and run again (at most twice more).
        for attempt in 1...3 {
            runIndex += 1
            let result = try await run(
                workers: workers, tasks: tasks, detection: detection, encoding: encoding,
                group: "bench-\(runIndex)-\(label.prefix(4))-\(workers)x\(tasks)", total: total,
                configuration: configuration, logger: logger)
            let late = result.workers.contains { ($0.firstRecord ?? .infinity) > 1.0 }
            if late, attempt < 3 {
                print(
                    "| \(label) | \(written) | \(workers) × \(tasks) (discarded: group formed late) | "
                        + String(format: "%.0f | – | %.0f | ", result.rate, result.perCPUSecond) + result.perWorker
                        + " |")
                continue
            }
            let base = first ?? result.rate
            first = base
            print(
                "| \(label) | \(written) | \(workers) × \(tasks) | "
                    + String(format: "%.0f | %.2f | %.0f | ", result.rate, result.rate / base, result.perCPUSecond)
                    + result.perWorker + " |")
            break
        }
    }
}
await cluster?.shutdown()
