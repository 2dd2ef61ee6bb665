import ArgumentParser
import Foundation
import Logging
import PalisadeRuntime
import ServiceLifecycle

/// `palisade up`: the whole pipeline in one process (docs/UP.md).
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run mirror, workers and aggregator in one process (in-process transport, or Kafka with --kafka).",
        discussion: """
            Works with no configuration at all: data in ./palisade-data (SQLite palisade.sqlite, \
            tokens.env), mirror on 127.0.0.1:8470, aggregator API on 127.0.0.1:8082. Without \
            configured tokens (mirror.tokens, aggregator.tokens) random ones are generated at first \
            start and kept in <data-dir>/tokens.env (mode 0600).

            One configuration for every role: the keys of `palisade mirror`, `worker` and \
            `aggregator` plus up.*; defaults < --config YAML < PALISADE_* environment < flags. \
            config/palisade.example.yaml lists the main keys.

            SIGTERM/SIGINT: the mirror stops accepting and produces what it holds, the workers \
            finish every request, the aggregator stores every verdict, SQLite is closed; exit 0.
            """
    )

    @OptionGroup var options: RoleOptions

    @Option(name: .customLong("data-dir"), help: "Data directory (up.data_dir; default ./palisade-data).")
    var dataDir: String?

    @Option(help: "Worker services in the process (up.workers; default 1).")
    var workers: Int?

    @Option(name: .customLong("scoring-tasks"), help: "Scoring tasks per worker, 0 = cores (worker.scoring_tasks).")
    var scoringTasks: Int?

    @Option(help: "Run over Kafka at these bootstrap servers instead of in-process (same as --kafka-bootstrap).")
    var kafka: String?

    @Option(name: .customLong("mirror-port"), help: "Capture listener port (mirror.listen_port; default 8470).")
    var mirrorPort: Int?

    @Option(
        name: .customLong("aggregator-port"), help: "Aggregator API port (aggregator.listen_port; default 8082).")
    var aggregatorPort: Int?

    @Option(help: "Policy YAML file (aggregator.policy_file; default: the built-in policy).")
    var policy: String?

    func extraOverrides() -> [String: String] {
        var out: [String: String] = [:]
        if let dataDir { out["up.data_dir"] = dataDir }
        if let workers { out["up.workers"] = String(workers) }
        if let scoringTasks { out["worker.scoring_tasks"] = String(scoringTasks) }
        if let kafka {
            out["kafka.bootstrap_servers"] = kafka
            out["transport.kind"] = "kafka"
        }
        if let mirrorPort { out["mirror.listen_port"] = String(mirrorPort) }
        if let aggregatorPort { out["aggregator.listen_port"] = String(aggregatorPort) }
        if let policy { out["aggregator.policy_file"] = policy }
        return out
    }

    /// The effective settings; generates the token file unless `generate` is false.
    func loadSettings(generate: Bool) throws -> (Settings, tokenFile: String?) {
        do {
            return try UpConfiguration.load(
                yaml: try options.configText(), yamlPath: options.config ?? "config",
                environment: ProcessInfo.processInfo.environment, overrides: try options.overrides(extraOverrides()),
                generate: generate)
        } catch let error as Settings.Error {
            throw ValidationError("configuration: \(error)")
        } catch let error as UpTokens.Failure {
            throw ValidationError("configuration: \(error)")
        }
    }

    func loadConfiguration() throws -> UpConfiguration {
        let (settings, tokenFile) = try loadSettings(generate: true)
        do {
            return try UpConfiguration.from(settings, tokenFile: tokenFile)
        } catch {
            throw ValidationError("configuration: \(error)")
        }
    }

    func run() async throws {
        if options.printConfig {
            print(try loadSettings(generate: false).0.redactedDescription())
            return
        }
        let configuration = try loadConfiguration()
        options.bootstrapLogging()
        let metrics = PalisadeMetrics()
        metrics.bootstrap()
        var logger = Logger(label: "palisade.up")
        logger.logLevel = options.level

        let stack: PalisadeStack
        do {
            stack = try await PalisadeStack.build(configuration: configuration, metrics: metrics, logger: logger)
        } catch let error as UpTokens.Failure {
            throw ValidationError("\(error)")
        }
        let group = stack.serviceGroup(signals: true)
        let banner = Task {
            // Announce the addresses once everything listens and consumes (stderr, plain text).
            let deadline = ContinuousClock.now + .seconds(60)
            while !(await stack.isReady()), ContinuousClock.now < deadline, !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
            }
            guard !Task.isCancelled else { return }
            FileHandle.standardError.write(Data(Self.banner(stack).utf8))
        }
        defer { banner.cancel() }
        logger.info(
            "palisade up starting",
            metadata: [
                "transport": "\(configuration.transport.kind.rawValue)", "workers": "\(configuration.workers)",
                "scoring_tasks": "\(configuration.worker.scoringTasks)",
                "database": "\(configuration.aggregator.databasePath)",
            ])
        try await group.run()
        logger.info(
            "palisade up stopped",
            metadata: ["dead_letters": "\(stack.deadLetters.count)"])
    }

    /// The text a failed start shows (a `ValidationError`'s message as is).
    static func message(for error: any Error) -> String {
        (error as? ValidationError)?.message ?? "\(error)"
    }

    static func banner(_ stack: PalisadeStack) -> String {
        let c = stack.configuration
        func url(_ host: String, _ port: Int?, tls: Bool) -> String {
            "\(tls ? "https" : "http")://\(host.contains(":") ? "[\(host)]" : host):\(port.map(String.init) ?? "?")"
        }
        let mirror = url(c.mirror.listener.host, stack.addresses.mirror, tls: c.mirror.listener.tlsEnabled)
        let api = url(c.aggregator.listener.host, stack.addresses.aggregator, tls: c.aggregator.listener.tlsEnabled)
        var lines = [
            "",
            "palisade up: ready (\(c.transport.kind.rawValue) transport, \(c.workers) worker(s) × \(c.worker.scoringTasks) scoring tasks)",
            "  mirror (capture)    \(mirror)/v1/capture",
            "  dashboard           \(api)/ui/   (log in with the aggregator token)",
            "  aggregator API      \(api)/v1/   (decisions: \(api)/v1/decisions)",
            "  database            \(c.aggregator.databasePath)",
        ]
        if let file = c.tokenFile { lines.append("  tokens              \(file)  (generated; mode 0600)") }
        lines.append("  stop                Ctrl-C or SIGTERM (drains, then exits)")
        return lines.joined(separator: "\n") + "\n\n"
    }
}
