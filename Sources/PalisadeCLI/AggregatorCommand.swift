import AggregatorService
import ArgumentParser
import Foundation
import Logging
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
            Without --kafka-bootstrap (transport.kind=kafka) the transport is in-process (useful only inside `palisade up` \
            or for trying the API). SIGTERM/SIGINT stop gracefully; SIGHUP reloads the policy file.
            """
    )

    @OptionGroup var options: RoleOptions

    @Option(name: .customLong("listen-host"), help: "Address to listen on (aggregator.listen_host).")
    var listenHost: String?

    @Option(name: .customLong("listen-port"), help: "TCP port of the HTTP API (aggregator.listen_port).")
    var listenPort: Int?

    @Option(help: "Bearer token accepted by the API (repeatable; prefer PALISADE_AGGREGATOR_TOKENS).")
    var token: [String] = []

    @Option(help: "SQLite database file (aggregator.database_path).")
    var database: String?

    @Option(help: "Policy YAML file (aggregator.policy_file; docs/POLICY.md).")
    var policy: String?

    func loadSettings() throws -> Settings {
        var extra: [String: String] = [:]
        if let listenHost { extra["aggregator.listen_host"] = listenHost }
        if let listenPort { extra["aggregator.listen_port"] = String(listenPort) }
        if !token.isEmpty { extra["aggregator.tokens"] = token.joined(separator: ",") }
        if let database { extra["aggregator.database_path"] = database }
        if let policy { extra["aggregator.policy_file"] = policy }
        return try options.load(AggregatorConfiguration.allDefinitions, extra: extra)
    }

    func run() async throws {
        let settings = try loadSettings()
        if options.printConfig {
            print(settings.redactedDescription())
            return
        }
        let configuration: AggregatorConfiguration
        let transportSettings: TransportSettings
        do {
            configuration = try AggregatorConfiguration.from(settings)
            transportSettings = try TransportSettings.from(settings)
        } catch {
            throw ValidationError("configuration: \(error)")
        }

        options.bootstrapLogging()
        let metrics = PalisadeMetrics()
        metrics.bootstrap()
        var logger = Logger(label: "palisade.aggregator")
        logger.logLevel = options.level
        logger[metadataKey: "role"] = "aggregator"

        let transport = try await transportSettings.makeTransport(logger: logger)
        let aggregator = try buildAggregator(
            configuration: configuration, transport: transport, logger: logger, metrics: metrics)
        let application = try aggregator.application(logger: logger)
        logger.info(
            "aggregator starting",
            metadata: [
                "listen": "\(configuration.listener.host):\(configuration.listener.port)",
                "database": "\(configuration.databasePath)",
                "transport": "\(transportSettings.kind.rawValue)",
            ])
        let group = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
