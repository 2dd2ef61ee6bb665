import Foundation
import Logging
import PalisadeCore
import PalisadeKafka
import PalisadeRecords
import PalisadeRuntime
import PalisadeTransport
import ServiceLifecycle
import Testing

@testable import PalisadeCLI

/// `palisade up` as one process: mirror + workers + aggregator over the in-process transport,
/// on loopback ports chosen by the OS, with a real SQLite file in a temporary data directory.
@Suite(.timeLimit(.minutes(3)))
struct UpTests {
    static let logger: Logger = {
        var logger = Logger(label: "up-test")
        logger.logLevel = .warning
        return logger
    }()

    func temporaryDirectory() -> String {
        NSTemporaryDirectory() + "palisade-up-\(UUID().uuidString)"
    }

    /// The configuration of a test stack: OS-chosen ports, fast flushes.
    func configuration(dataDir: String, _ extra: [String: String] = [:]) throws -> UpConfiguration {
        var overrides = [
            "up.data_dir": dataDir, "mirror.listen_port": "0", "aggregator.listen_port": "0",
            "worker.scoring_tasks": "2", "aggregator.catalog_flush_interval_ms": "200",
            "aggregator.tick_interval_ms": "100",
        ]
        overrides.merge(extra) { _, new in new }
        let (settings, tokenFile) = try UpConfiguration.load(
            yaml: nil, yamlPath: "config", environment: [:], overrides: overrides, generate: true)
        return try UpConfiguration.from(settings, tokenFile: tokenFile)
    }

    /// A running stack and its group; `stop()` shuts it down gracefully and waits.
    struct Running {
        let stack: PalisadeStack
        let group: ServiceGroup
        let task: Task<Void, any Error>

        var aggregator: AggregatorClient {
            AggregatorClient(
                base: URL(string: "http://127.0.0.1:\(stack.addresses.aggregator ?? 0)")!,
                token: stack.configuration.aggregator.listener.tokens[0])
        }

        func stop() async throws {
            await group.triggerGracefulShutdown()
            try await task.value
        }
    }

    func start(_ configuration: UpConfiguration) async throws -> Running {
        let stack = try await PalisadeStack.build(
            configuration: configuration, metrics: PalisadeMetrics(), logger: Self.logger)
        let group = stack.serviceGroup(signals: false)
        let task = Task { try await group.run() }
        let deadline = ContinuousClock.now + .seconds(30)
        while !(await stack.isReady()) {
            guard ContinuousClock.now < deadline else {
                task.cancel()
                throw TestFailure(description: "palisade up did not get ready in 30 s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return Running(stack: stack, group: group, task: task)
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Posts `lines` to the running mirror with `palisade replay`'s sender.
    func post(_ lines: [String], to running: Running) async throws -> Replayer.Report {
        let path = NSTemporaryDirectory() + "up-capture-\(UUID().uuidString).jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = Replayer.Options(url: "http://127.0.0.1:\(running.stack.addresses.mirror ?? 0)/v1/capture")
        options.token = running.stack.configuration.mirror.listener.tokens[0]
        options.progress = false
        options.batch = 100
        var err = OutputSink.memory()
        return try await Replayer(options: options).run(path: path, err: &err)
    }

    func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Polls `condition` every 100 ms for at most `seconds`.
    func eventually(_ seconds: Int, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }

    /// Whether the aggregator serves a block decision for `ip` within `seconds`.
    func blockServed(for ip: String, by client: AggregatorClient, within seconds: Int) async throws -> Bool {
        try await eventually(seconds) {
            let decisions = try json(try await client.send("GET", "/v1/decisions"))
            let upserts = decisions["upserts"] as? [[String: Any]] ?? []
            return upserts.contains { $0["value"] as? String == ip && $0["action"] as? String == "block" }
        }
    }

    /// Whether the aggregator counts at least `count` verdicts within `seconds`.
    func verdictsCounted(_ count: Int, by client: AggregatorClient, within seconds: Int) async throws -> Bool {
        try await eventually(seconds) {
            let status = try json(try await client.send("GET", "/v1/status"))
            let counters = status["counters"] as? [String: Any] ?? [:]
            return (counters["verdicts"] as? Int ?? 0) >= count
        }
    }

    static func sqli(_ client: String, _ n: Int) -> String {
        #"{"client_ip":"\#(client)","method":"GET","host":"shop.example.com","path":"/api/search?q=1%27%20UNION%20SELECT%20username%2Cpassword%20FROM%20users--&n=\#(n)","status":200}"#
    }

    static func normal(_ client: String, _ n: Int) -> String {
        #"{"client_ip":"\#(client)","method":"GET","host":"shop.example.com","path":"/api/orders/\#(n)","status":200}"#
    }

    @Test func capturesBecomeVerdictsAndDecisionsGeneratedTokensSurviveARestart() async throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let configuration = try configuration(dataDir: dir)

        // No tokens configured: generated into <data_dir>/tokens.env, mode 0600.
        let tokenPath = dir + "/tokens.env"
        #expect(configuration.tokenFile == tokenPath)
        let attributes = try FileManager.default.attributesOfItem(atPath: tokenPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let tokens = try #require(UpTokens.read(path: tokenPath))
        #expect(configuration.mirror.listener.tokens == [tokens.mirror])
        #expect(configuration.aggregator.listener.tokens == [tokens.aggregator])
        #expect(tokens.mirror != tokens.aggregator && tokens.mirror.count == 64)
        #expect(configuration.aggregator.databasePath == dir + "/palisade.sqlite")

        let running = try await start(configuration)
        var lines = (0..<20).map { Self.normal("198.51.100.\($0 % 4 + 1)", $0) }
        lines.append(Self.sqli("203.0.113.7", 0))
        let report = try await post(lines, to: running)
        #expect(report.accepted == 21 && report.rejected == 0)

        // A record no worker can read goes to the dead letters, and is consumed and counted.
        let producer = try running.stack.transport.makeProducer()
        _ = try await producer.send(OutgoingRecord(topic: "palisade.requests", key: nil, value: [0xFF, 0x01]))

        let client = running.aggregator
        let blocked = try await blockServed(for: "203.0.113.7", by: client, within: 30)
        #expect(blocked, "the SQL injection's client gets a block decision")
        let attacks = try json(
            try await client.send("GET", "/v1/attacks", query: [.init(name: "client", value: "203.0.113.7")]))
        let classes = (attacks["attacks"] as? [[String: Any]] ?? []).compactMap { $0["class"] as? String }
        #expect(classes.contains("sqli"))
        let verdicts = try await verdictsCounted(21, by: client, within: 10)
        #expect(verdicts, "every accepted capture became a verdict the aggregator took")
        #expect(try await eventually(10) { running.stack.deadLetters.count == 1 })
        #expect(running.stack.deadLetters.recentReasons.first?.contains("worker") == true)
        try await running.stop()

        // The same data directory again: same tokens, the decision restored from SQLite.
        let again = try self.configuration(dataDir: dir)
        #expect(again.mirror.listener.tokens == [tokens.mirror])
        let restarted = try await start(again)
        let decisions = try json(try await restarted.aggregator.send("GET", "/v1/decisions"))
        let upserts = decisions["upserts"] as? [[String: Any]] ?? []
        #expect(upserts.contains { $0["value"] as? String == "203.0.113.7" })
        try await restarted.stop()
    }

    /// `palisade up --kafka`: the same roles over Kafka (librdkafka's mock cluster on loopback).
    @Test func theSameRolesRunOverKafka() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: Self.logger)
        try await cluster.createTopics(PalisadeTopic.allSpecs(partitions: 4, replicationFactor: 1))
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let configuration = try configuration(
            dataDir: dir,
            [
                "transport.kind": "kafka", "kafka.bootstrap_servers": cluster.bootstrapServers,
                "kafka.session_timeout_ms": "6000", "worker.drain_timeout_ms": "2000",
            ])
        #expect(configuration.transport.kind == .kafka)
        let running = try await start(configuration)
        var lines = (0..<20).map { Self.normal("198.51.100.\($0 % 4 + 1)", $0) }
        lines.append(Self.sqli("203.0.113.9", 0))
        let report = try await post(lines, to: running)
        #expect(report.accepted == 21 && report.rejected == 0)
        let client = running.aggregator
        let blocked = try await blockServed(for: "203.0.113.9", by: client, within: 60)
        #expect(blocked, "the SQL injection's client gets a block decision over Kafka")
        let verdicts = try await verdictsCounted(21, by: client, within: 30)
        #expect(verdicts, "every accepted capture became a verdict the aggregator took")
        try await running.stop()
        await cluster.shutdown()
    }

    @Test(arguments: [1, 2])
    func gracefulShutdownDrainsEveryAcceptedRecord(workers: Int) async throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let running = try await start(
            try configuration(dataDir: dir, ["up.workers": String(workers), "worker.scoring_tasks": "1"]))
        #expect(running.stack.workers.count == workers)
        let total = 600
        let report = try await post((0..<total).map { Self.sqli("203.0.113.50", $0) }, to: running)
        #expect(report.accepted == total)
        // A burst the mirror has produced and no worker has taken yet when the stop comes.
        let burst = 4_000
        let producer = try running.stack.transport.makeProducer()
        let records = try (0..<burst).map { n in
            let record = try CaptureRecord.parse(json: Array(Self.sqli("203.0.113.50", total + n).utf8), now: 0)
            return OutgoingRecord(
                topic: "palisade.requests", key: nil, value: CaptureRecordMessage(record).encodedRecord())
        }
        let receipts = await producer.send(batch: records)
        #expect(receipts.allSatisfy { (try? $0.get()) != nil })
        let inProcess = try #require(running.stack.transport as? InProcessTransport)
        #expect(inProcess.lag(group: "palisade-workers", topic: "palisade.requests") > 0)
        // Stop at once: the mirror produces what it holds, the workers take all of it, the
        // aggregator stores every verdict before SQLite closes.
        try await running.stop()

        let restarted = try await start(try configuration(dataDir: dir))
        let incidents = try json(
            try await restarted.aggregator.send(
                "GET", "/v1/incidents",
                query: [
                    .init(name: "client", value: "203.0.113.50"), .init(name: "class", value: "sqli"),
                    .init(name: "kind", value: "verdict"),
                ]))
        let rows = incidents["incidents"] as? [[String: Any]] ?? []
        #expect(rows.count == 1)
        #expect(rows.first?["attacks"] as? Int == total + burst, "every accepted request has its stored attack")
        try await restarted.stop()
    }

    @Test func badConfigurationGivesAClearError() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func message(_ arguments: [String]) -> String {
            do {
                _ = try UpCommand.parse(["--data-dir", dir] + arguments).loadConfiguration()
                return ""
            } catch {
                return UpCommand.message(for: error)
            }
        }
        #expect(message(["--workers", "0"]).contains("up.workers (from command-line flag): must be between 1 and 64"))
        #expect(
            message(["--set", "worker.listen_port=1"]).contains(
                "worker.listen_port (from command-line flag): unknown setting"))
        #expect(message(["--set", "transport.kind=kafka"]).contains("kafka.bootstrap_servers"))
        #expect(message(["--set", "transport.kind=rabbit"]).contains("transport.kind"))
        #expect(
            message(["--kafka", "127.0.0.1:9", "--set", "worker.drain_timeout_ms=20000"])
                .contains("worker.drain_timeout_ms"))

        let yaml = dir + "-bad.yaml"
        try "mirror:\n  listen_port: eighty\n".write(toFile: yaml, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: yaml) }
        #expect(
            message(["--config", yaml]).contains("mirror.listen_port (from config file \(yaml)): expected an integer"))
        #expect(message(["--config", dir + "/missing.yaml"]).contains("cannot read --config"))

        // A data directory that is a file.
        let file = dir + "-file"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let notDirectory: String
        do {
            _ = try UpCommand.parse(["--data-dir", file]).loadConfiguration()
            notDirectory = ""
        } catch {
            notDirectory = UpCommand.message(for: error)
        }
        #expect(notDirectory.contains("is not a directory"))
    }

    @Test func exampleConfigurationIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("config/palisade.example.yaml").path
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let configuration = try UpCommand.parse(["--config", path, "--data-dir", dir]).loadConfiguration()
        #expect(configuration.transport.kind == .inprocess)
        #expect(configuration.mirror.listener.port == 8470 && configuration.aggregator.listener.port == 8082)
    }
}
