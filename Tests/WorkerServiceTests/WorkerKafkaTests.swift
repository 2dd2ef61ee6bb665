import Foundation
import Logging
import PalisadeCore
import PalisadeKafka
import PalisadeRecords
import PalisadeRuntime
import PalisadeTransport
import Synchronization
import Testing

@testable import WorkerService

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The worker against librdkafka's mock cluster: faults in-process, and three `palisade worker`
/// processes with one SIGKILLed mid-stream.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct WorkerKafkaTests {
    static var logger: Logger {
        var logger = Logger(label: "test.worker-kafka")
        logger.logLevel = .error
        return logger
    }

    static func requests(_ range: Range<Int>, topic: String) -> [OutgoingRecord] {
        range.map { i in
            var (record, _) = Traffic.request(i)
            record.id = "r\(i)"
            return OutgoingRecord(topic: topic, key: nil, value: CaptureRecordMessage(record).encodedRecord())
        }
    }

    /// Reads verdict ids (with repetitions) until every expected id is seen or time runs out.
    static func readVerdicts(
        _ configuration: KafkaConfiguration, topic: String, expected: Set<String>, timeout: Duration
    ) async throws -> [String] {
        let consumer = try KafkaGroupConsumer(
            configuration: configuration, group: "check-\(UInt32.random(in: 0...UInt32.max))", topics: [topic],
            logger: logger)
        var ids: [String] = []
        var seen = Set<String>()
        let deadline = ContinuousClock.now + timeout
        while !expected.isSubset(of: seen), ContinuousClock.now < deadline {
            for case .record(let record) in try await consumer.poll(maxRecords: 1_000, timeout: .milliseconds(200)) {
                let id = try VerdictMessage.decodeRecord(record.value ?? []).id
                ids.append(id)
                seen.insert(id)
            }
        }
        await consumer.close()
        return ids
    }

    @Test("broker down and produce errors: the worker pauses, resumes, and loses nothing")
    func faults() async throws {
        let prefix = "faults."
        let total = 1_500
        let (cluster, configuration, producer) = try await Self.faultCluster(
            prefix: prefix, requests: total, messageTimeoutMs: 1_500)

        let worker = buildWorker(
            settings: Self.faultSettings(prefix: prefix, pollMaxRecords: 200, retryBackoffMaxMs: 500),
            transport: KafkaTransport(configuration: configuration, logger: Self.logger),
            logger: Self.logger, metrics: PalisadeMetrics())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            try await eventually(timeout: .seconds(30)) { worker.metrics.consumed.value > 0 }
            // Outage while records are in flight, then produce errors after it.
            try await cluster.setBroker(1, up: false)
            try await Task.sleep(for: .seconds(3))
            try await cluster.setBroker(1, up: true)
            await cluster.pushRequestErrors(api: .produce, [6, 7, 19, 6, 7])
            let ids = try await Self.readVerdicts(
                configuration, topic: prefix + "palisade.verdicts", expected: Set((0..<total).map { "r\($0)" }),
                timeout: .seconds(60))
            let missing = Set((0..<total).map { "r\($0)" }).subtracting(ids)
            print(
                "worker faults: \(ids.count) verdicts for \(total) requests, \(ids.count - Set(ids).count) duplicates, "
                    + "\(worker.metrics.produceErrors.value) produce errors, \(worker.metrics.pauses.value) holds, "
                    + "\(worker.metrics.consumerPauses.value) consumer pauses")
            #expect(missing.isEmpty, "\(missing.count) requests without a verdict")
            #expect(worker.metrics.pauses.value >= 1, "consumption never stopped")
            worker.stop()
            try await group.waitForAll()
        }
        await producer.shutdown(timeout: .seconds(5))
        await cluster.shutdown()
    }

    /// The fault tests' mock cluster: one broker, every topic with 4 partitions, `requests`
    /// requests already produced; producer timeouts short, the consumer's session long.
    static func faultCluster(
        prefix: String, requests total: Int, messageTimeoutMs: Int
    ) async throws -> (KafkaMockCluster, KafkaConfiguration, KafkaProducer) {
        let cluster = try KafkaMockCluster(brokers: 1, logger: Self.logger)
        try await cluster.createTopics(PalisadeTopic.allSpecs(prefix: prefix, partitions: 4, replicationFactor: 1))
        var configuration = cluster.configuration()
        configuration.producer.lingerMs = 1
        configuration.producer.messageTimeoutMs = messageTimeoutMs
        configuration.consumer.sessionTimeoutMs = 30_000
        let producer = try KafkaProducer(configuration: configuration, logger: Self.logger)
        for result in await producer.send(batch: Self.requests(0..<total, topic: prefix + "palisade.requests")) {
            _ = try result.get()
        }
        return (cluster, configuration, producer)
    }

    /// Two scoring tasks, at most 100 records in flight, quick retries: the fault tests' worker.
    static func faultSettings(prefix: String, pollMaxRecords: Int, retryBackoffMaxMs: Int) -> WorkerSettings {
        var settings = WorkerSettings()
        settings.topicPrefix = prefix
        settings.scoringTasks = 2
        settings.maxInFlight = 100
        settings.pollMaxRecords = pollMaxRecords
        settings.retryBackoffMs = 50
        settings.retryBackoffMaxMs = retryBackoffMaxMs
        settings.baselineCatchUpTimeoutMs = 5_000
        return settings
    }

    @Test(
        "output outage past the hold: the consumer's partitions are paused, nothing more is consumed, then all resume")
    func consumerPausedDuringOutputOutage() async throws {
        let prefix = "outage."
        let partitions: Int32 = 4
        let total = 2_000
        let (cluster, configuration, producer) = try await Self.faultCluster(
            prefix: prefix, requests: total, messageTimeoutMs: 1_000)
        await producer.shutdown(timeout: .seconds(5))
        // An outage of the verdicts topic only (leader-less partitions: produce requests fail,
        // the delivery times out, the worker retries); the requests can still be fetched.
        let verdicts = prefix + "palisade.verdicts"
        for partition in 0..<partitions {
            try await cluster.setPartitionLeader(topic: verdicts, partition: partition, broker: -1)
        }

        let settings = Self.faultSettings(prefix: prefix, pollMaxRecords: 50, retryBackoffMaxMs: 400)
        let worker = buildWorker(
            settings: settings, transport: KafkaTransport(configuration: configuration, logger: Self.logger),
            logger: Self.logger, metrics: PalisadeMetrics())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            // The records in flight stay at the limit: after the 1 s hold the consumer is paused.
            try await eventually(timeout: .seconds(20)) { worker.consumerPaused }
            try #require(worker.consumerPaused)
            #expect(worker.metrics.consumerPauses.value == 1)
            #expect(worker.metrics.pauses.value >= 1)
            try await Task.sleep(for: .milliseconds(200))
            let consumedWhenPaused = worker.metrics.consumed.value
            #expect(consumedWhenPaused <= Int64(settings.maxInFlight + settings.pollMaxRecords))
            // Paused, the worker goes on polling but fetches nothing more (the backlog is there).
            try await Task.sleep(for: .seconds(2))
            #expect(worker.consumerPaused)
            #expect(worker.metrics.consumed.value == consumedWhenPaused, "records consumed while paused")
            #expect(worker.metrics.consumed.value < Int64(total))
            #expect(worker.metrics.produceErrors.value > 0)

            // The output recovers: the consumer resumes and every request gets its verdict.
            for partition in 0..<partitions {
                try await cluster.setPartitionLeader(topic: verdicts, partition: partition, broker: 1)
            }
            let expected = Set((0..<total).map { "r\($0)" })
            let ids = try await Self.readVerdicts(
                configuration, topic: verdicts, expected: expected, timeout: .seconds(30))
            let missing = expected.subtracting(ids)
            print(
                "worker output outage: \(ids.count) verdicts for \(total) requests, \(consumedWhenPaused) consumed "
                    + "when paused, \(worker.metrics.pauses.value) holds, \(worker.metrics.consumerPauses.value) "
                    + "consumer pauses, \(worker.metrics.produceErrors.value) produce errors")
            #expect(missing.isEmpty, "\(missing.count) requests without a verdict")
            try await eventually { !worker.consumerPaused && worker.metrics.acknowledged.value >= Int64(total) }
            #expect(!worker.consumerPaused)
            worker.stop()
            try await group.waitForAll()
        }
        await cluster.shutdown()
    }

    /// The `palisade` binary next to the test bundle (`swift build --build-tests` builds both).
    static var binary: URL? {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidate = directory.appendingPathComponent("palisade")
        return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
    }

    @Test(
        "3 worker processes over 12 partitions, one SIGKILLed mid-stream: every request gets a verdict",
        .enabled(if: binary != nil, "the palisade binary is not built next to the tests"))
    func killOneOfThree() async throws {
        guard let binary = Self.binary else { return }
        let kafka = Process()
        kafka.executableURL = binary
        kafka.arguments = ["dev-kafka", "--brokers", "1", "--partitions", "12", "--topic-prefix", "kill."]
        let output = Pipe()
        kafka.standardOutput = output
        kafka.standardError = FileHandle.nullDevice
        try kafka.run()
        defer { if kafka.isRunning { kafka.terminate() } }
        var line = ""
        let deadline = ContinuousClock.now + .seconds(20)
        while !line.contains("\n"), ContinuousClock.now < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += String(decoding: chunk, as: UTF8.self)
        }
        let bootstrap = String(line.split(separator: "\n").first ?? "")
        try #require(!bootstrap.isEmpty)

        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-kill-\(getpid())")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: logs) }
        func startWorker(_ n: Int) throws -> Process {
            let p = Process()
            p.executableURL = binary
            p.arguments = [
                "worker", "--kafka-bootstrap", bootstrap, "--topic-prefix", "kill.", "--scoring-tasks", "1",
                "--listen-port", "0", "--log-level", "info", "--set", "worker.tokens=test-token",
                "--set", "kafka.session_timeout_ms=6000", "--set", "worker.drain_timeout_ms=2000",
                "--set", "kafka.client_id=worker-\(n)",
            ]
            let log = logs.appendingPathComponent("worker-\(n).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = try FileHandle(forWritingTo: log)
            try p.run()
            return p
        }
        let workers = try (0..<3).map(startWorker)
        defer { for w in workers where w.isRunning { kill(w.processIdentifier, SIGKILL) } }
        // All three in the group with partitions before the stream starts.
        func log(_ n: Int) -> String {
            (try? String(contentsOf: logs.appendingPathComponent("worker-\(n).log"), encoding: .utf8)) ?? ""
        }
        let joinDeadline = ContinuousClock.now + .seconds(30)
        while !(0..<3).allSatisfy({ log($0).contains("partitions assigned") }), ContinuousClock.now < joinDeadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(1))

        var configuration = KafkaConfiguration(bootstrapServers: bootstrap)
        configuration.producer.lingerMs = 2
        let producer = try KafkaProducer(configuration: configuration, logger: Self.logger)
        let total = 6_000
        let topic = "kill.palisade.requests"
        // A steady stream (batches of 100 every 50 ms); worker 0 is killed a third of the way in,
        // while it holds records in flight and offsets not yet committed.
        for start in stride(from: 0, to: total, by: 100) {
            if start == total / 3 {
                kill(workers[0].processIdentifier, SIGKILL)
            }
            for result in await producer.send(batch: Self.requests(start..<min(total, start + 100), topic: topic)) {
                _ = try result.get()
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        await producer.shutdown(timeout: .seconds(5))

        let expected = Set((0..<total).map { "r\($0)" })
        let ids = try await Self.readVerdicts(
            configuration, topic: "kill.palisade.verdicts", expected: expected, timeout: .seconds(75))
        let missing = expected.subtracting(ids)
        let duplicates = ids.count - Set(ids).count
        #expect(log(0).contains("partitions assigned"), "worker 0 never got partitions")
        print(
            "worker kill test: \(ids.count) verdicts for \(total) requests, \(duplicates) duplicates, \(missing.count) missing"
        )
        #expect(missing.isEmpty, "\(missing.count) requests without a verdict, e.g. \(missing.sorted().prefix(5))")

        // The survivors stop gracefully on SIGTERM.
        for w in workers.dropFirst() { w.terminate() }
        for w in workers.dropFirst() {
            let stopDeadline = ContinuousClock.now + .seconds(20)
            while w.isRunning, ContinuousClock.now < stopDeadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(!w.isRunning)
            #expect(w.terminationStatus == 0)
        }
        kafka.terminate()
    }
}
