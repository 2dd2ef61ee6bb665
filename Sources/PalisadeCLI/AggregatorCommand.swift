import AggregatorService
import ArgumentParser
import Foundation
import Logging
import PalisadeKafka
import PalisadeRuntime
import PalisadeTransport
import ServiceLifecycle

/// `palisade aggregator`: learns the API, judges behaviour, applies policy, stores state in SQLite
/// and serves decisions (long-poll) and its HTTP API (docs/API.md).
struct AggregatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregator",
        abstract: "Run the aggregator role (decisions, discovery, behaviour, HTTP API).",
        discussion: """
            Settings come from defaults < --config FILE (YAML) < PALISADE_* environment < flags. \
            Without --kafka-bootstrap the transport is in-process (useful only inside `palisade up` \
            or for trying the API). SIGTERM/SIGINT stop gracefully; SIGHUP reloads the policy file.
            """
    )

    @Option(help: "YAML configuration file (keys as in --print-config).")
    var config: String?

    @Option(name: .customLong("listen-host"), help: "Address to listen on.")
    var listenHost: String?

    @Option(name: .customLong("listen-port"), help: "TCP port of the HTTP API.")
    var listenPort: Int?

    @Option(help: "Bearer token accepted by the API (repeatable; prefer PALISADE_AGGREGATOR_TOKENS).")
    var token: [String] = []

    @Option(help: "SQLite database file.")
    var database: String?

    @Option(help: "Policy YAML file (docs/POLICY.md).")
    var policy: String?

    @Option(name: .customLong("kafka-bootstrap"), help: "Kafka bootstrap servers; empty = in-process transport.")
    var kafkaBootstrap: String?

    @Option(name: .customLong("topic-prefix"), help: "Prefix of the topic names, e.g. 'acme.'.")
    var topicPrefix: String?

    @Flag(name: .customLong("print-config"), help: "Print the effective configuration (secrets masked) and exit.")
    var printConfig = false

    static let transportDefinitions: [Settings.Definition] = [
        .init(
            "aggregator.kafka_bootstrap_servers", default: "", "Kafka bootstrap servers; empty = in-process transport."),
        .init("aggregator.kafka.properties.*", default: "", "librdkafka properties passed through, by name."),
    ]

    func run() async throws {
        var overrides: [String: String] = [:]
        if let listenHost { overrides["aggregator.listen_host"] = listenHost }
        if let listenPort { overrides["aggregator.listen_port"] = String(listenPort) }
        if !token.isEmpty { overrides["aggregator.tokens"] = token.joined(separator: ",") }
        if let database { overrides["aggregator.database_path"] = database }
        if let policy { overrides["aggregator.policy_file"] = policy }
        if let kafkaBootstrap { overrides["aggregator.kafka_bootstrap_servers"] = kafkaBootstrap }
        if let topicPrefix { overrides["aggregator.topic_prefix"] = topicPrefix }
        let yaml = try config.map { try String(contentsOfFile: $0, encoding: .utf8) }
        let settings = try Settings(
            definitions: AggregatorConfiguration.definitions + Self.transportDefinitions, yaml: yaml,
            yamlPath: config ?? "config", environment: ProcessInfo.processInfo.environment, overrides: overrides)
        if printConfig {
            print(settings.redactedDescription())
            return
        }
        let configuration = try AggregatorConfiguration.from(settings)

        LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        let metrics = PalisadeMetrics()
        metrics.bootstrap()
        var logger = Logger(label: "palisade.aggregator")
        logger[metadataKey: "role"] = "aggregator"

        let transport = try await makeAggregatorTransport(
            settings: settings, prefix: configuration.topicPrefix, logger: logger)
        let aggregator = try buildAggregator(
            configuration: configuration, transport: transport, logger: logger, metrics: metrics)
        let application = try aggregator.application(logger: logger)
        logger.info(
            "aggregator starting",
            metadata: [
                "listen": "\(configuration.listener.host):\(configuration.listener.port)",
                "database": "\(configuration.databasePath)",
            ])
        let group = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// The transport of the aggregator role, in one place (to be replaced by the shared transport
/// selection): Kafka when bootstrap servers are set, else in-process with Palisade's topics.
func makeAggregatorTransport(settings: Settings, prefix: String, logger: Logger) async throws -> any Transport {
    if let servers = settings.optionalString("aggregator.kafka_bootstrap_servers") {
        let kafka = KafkaConfiguration(
            bootstrapServers: servers, properties: settings.subtree("aggregator.kafka.properties."))
        return KafkaTransport(configuration: kafka, logger: logger)
    }
    let transport = InProcessTransport()
    try await transport.createTopics(PalisadeTopic.allSpecs(prefix: prefix, partitions: 4), timeout: .seconds(5))
    return transport
}
