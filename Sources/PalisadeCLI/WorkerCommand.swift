import ArgumentParser
import Foundation
import Logging
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
            in docs/WORKER.md. A standalone worker needs Kafka (--kafka-bootstrap); the in-process \
            transport runs inside `palisade up`.
            """
    )

    @OptionGroup var options: RoleOptions

    @Option(help: "Consumer group (worker.group).")
    var group: String?

    @Option(name: .customLong("scoring-tasks"), help: "Scoring tasks, 0 = cores (worker.scoring_tasks).")
    var scoringTasks: Int?

    @Option(name: .customLong("listen-port"), help: "Operations listener port (worker.listen_port); 0 = any.")
    var listenPort: Int?

    func loadSettings() throws -> Settings {
        var extra: [String: String] = [:]
        if let group { extra["worker.group"] = group }
        if let scoringTasks { extra["worker.scoring_tasks"] = String(scoringTasks) }
        if let listenPort { extra["worker.listen_port"] = String(listenPort) }
        return try options.load(WorkerSettings.allDefinitions, extra: extra)
    }

    func run() async throws {
        let settings = try loadSettings()
        if options.printConfig {
            print(settings.redactedDescription())
            return
        }
        let worker: WorkerSettings
        let listener: ListenerConfiguration
        let transportSettings: TransportSettings
        do {
            worker = try WorkerSettings.from(settings)
            listener = try ListenerConfiguration.from(settings, prefix: "worker")
            transportSettings = try TransportSettings.from(settings)
            guard transportSettings.kind == .kafka else {
                throw WorkerConfigurationError(
                    key: "transport.kind", origin: settings.origin("transport.kind"),
                    reason: "a standalone worker needs kafka (--kafka-bootstrap HOST:PORT); "
                        + "the in-process transport runs inside `palisade up`")
            }
            try worker.validate(against: transportSettings, settings)
        } catch {
            throw ValidationError("configuration: \(error)")
        }
        options.bootstrapLogging()
        let logger = Logger(label: "palisade.worker")
        let metrics = PalisadeMetrics()
        metrics.bootstrap()
        logger.info("configuration", metadata: ["settings": "\(settings.redactedDescription())"])
        let transport = try await transportSettings.makeTransport(logger: logger)
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
}
