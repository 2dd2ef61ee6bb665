import ArgumentParser
import Foundation
import Logging
import PalisadeKafka
import PalisadeRuntime
import PalisadeTransport
import ServiceLifecycle
import WorkerService

/// `palisade worker`: the decode-and-score role (docs/WORKER.md).
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Consume palisade.requests, publish verdicts and observations (scale out by running more).",
        discussion: """
            Settings come from defaults < --config FILE (YAML) < PALISADE_* environment variables < \
            flags; `--print-config` shows the result (secrets masked) and exits. Every key is listed \
            in docs/WORKER.md.
            """
    )

    @Option(help: "YAML configuration file.")
    var config: String?

    @Option(name: .customLong("kafka-bootstrap"), help: "Kafka bootstrap servers (kafka.bootstrap_servers).")
    var kafkaBootstrap: String?

    @Option(name: .customLong("topic-prefix"), help: "Topic name prefix (worker.topic_prefix).")
    var topicPrefix: String?

    @Option(help: "Consumer group (worker.group).")
    var group: String?

    @Option(name: .customLong("scoring-tasks"), help: "Scoring tasks, 0 = cores (worker.scoring_tasks).")
    var scoringTasks: Int?

    @Option(name: .customLong("listen-port"), help: "Operations listener port (worker.listen_port); 0 = any.")
    var listenPort: Int?

    @Option(
        name: .customLong("set"), help: "Any setting as key=value (repeatable), e.g. --set worker.client_key=identity.")
    var set: [String] = []

    @Option(name: .customLong("log-level"), help: "trace | debug | info | notice | warning | error.")
    var logLevel: String = "info"

    @Flag(name: .customLong("print-config"), help: "Print the effective configuration (secrets masked) and exit.")
    var printConfig = false

    func run() async throws {
        var overrides: [String: String] = [:]
        if let kafkaBootstrap { overrides["kafka.bootstrap_servers"] = kafkaBootstrap }
        if let topicPrefix { overrides["worker.topic_prefix"] = topicPrefix }
        if let group { overrides["worker.group"] = group }
        if let scoringTasks { overrides["worker.scoring_tasks"] = String(scoringTasks) }
        if let listenPort { overrides["worker.listen_port"] = String(listenPort) }
        for item in set {
            guard let eq = item.firstIndex(of: "=") else {
                throw ValidationError("--set expects key=value, got '\(item)'")
            }
            overrides[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        let yaml = try config.map { try String(contentsOfFile: $0, encoding: .utf8) }
        let settings: Settings
        do {
            settings = try Settings(
                definitions: Self.definitions, yaml: yaml, yamlPath: config ?? "config",
                environment: ProcessInfo.processInfo.environment, overrides: overrides)
        } catch {
            throw ValidationError("configuration: \(error)")
        }
        if printConfig {
            print(settings.redactedDescription())
            return
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let logger = Logger(label: "palisade.worker")
        let metrics = PalisadeMetrics()
        metrics.bootstrap()

        let worker: WorkerSettings
        let listener: ListenerConfiguration
        let transport: any Transport
        do {
            worker = try WorkerSettings.from(settings)
            listener = try ListenerConfiguration.from(settings, prefix: "worker")
            transport = try Self.makeTransport(settings, logger: logger)
        } catch {
            throw ValidationError("configuration: \(error)")
        }
        logger.info("configuration", metadata: ["settings": "\(settings.redactedDescription())"])
        let service = buildWorker(settings: worker, transport: transport, logger: logger, metrics: metrics)
        let operations = try buildWorkerOperations(
            listener: listener, worker: service, metrics: metrics, logger: Logger(label: "palisade.worker.http"))
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: service),
                    .init(service: operations, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    static var definitions: [Settings.Definition] {
        WorkerSettings.definitions + ListenerConfiguration.definitions(prefix: "worker", port: 9102)
            + transportDefinitions
    }

    // TODO: switch to PalisadeRuntime's TransportSettings (transport selection + factory) when
    // the mirror branch lands; these keys are meant to be the same.
    static let transportDefinitions: [Settings.Definition] = [
        .init("transport.kind", default: "kafka", "kafka (a standalone worker needs a shared transport)."),
        .init("kafka.bootstrap_servers", default: "127.0.0.1:9092", "Kafka bootstrap servers, comma-separated."),
        .init("kafka.client_id", default: "palisade-worker", "Kafka client.id."),
        .init("kafka.session_timeout_ms", default: "10000", "Consumer group session timeout, milliseconds."),
        .init("kafka.linger_ms", default: "5", "Producer batching delay, milliseconds."),
        .init("kafka.properties.*", default: "", "Any librdkafka property (kafka.properties.security.protocol …)."),
    ]

    static func makeTransport(_ settings: Settings, logger: Logger) throws -> any Transport {
        guard settings.string("transport.kind") == "kafka" else {
            throw WorkerConfigurationError(
                key: "transport.kind", origin: settings.origin("transport.kind"),
                reason: "a standalone worker needs kafka (in_process runs inside `palisade up`)")
        }
        var kafka = KafkaConfiguration(
            bootstrapServers: settings.string("kafka.bootstrap_servers"),
            properties: settings.subtree("kafka.properties."))
        kafka.clientID = settings.string("kafka.client_id")
        kafka.consumer.sessionTimeoutMs = try settings.int("kafka.session_timeout_ms", range: 1_000...3_600_000)
        kafka.producer.lingerMs = try settings.int("kafka.linger_ms", range: 0...60_000)
        let drain = try settings.int("worker.drain_timeout_ms", range: 0...600_000)
        if drain >= kafka.consumer.sessionTimeoutMs {
            throw WorkerConfigurationError(
                key: "worker.drain_timeout_ms", origin: settings.origin("worker.drain_timeout_ms"),
                reason: "must be shorter than kafka.session_timeout_ms (\(kafka.consumer.sessionTimeoutMs))")
        }
        kafka.consumer.closeCommitTimeoutMs = min(
            kafka.consumer.closeCommitTimeoutMs, kafka.consumer.sessionTimeoutMs / 2)
        return KafkaTransport(configuration: kafka, logger: logger)
    }
}
