import ArgumentParser
import Foundation
import Logging
import PalisadeRuntime

/// The flags every role command shares (`mirror`, `worker`, `aggregator`, `up`): the layered
/// configuration (`--config`, `--set`), the shared transport (`--kafka-bootstrap`,
/// `--topic-prefix`: PalisadeRuntime's `TransportSettings` keys), logging and `--print-config`.
struct RoleOptions: ParsableArguments {
    @Option(help: "YAML configuration file (keys as in --print-config).")
    var config: String?

    @Option(name: .customLong("set"), help: "Override a setting: key=value (repeatable).")
    var settings: [String] = []

    @Option(
        name: .customLong("kafka-bootstrap"),
        help: "Kafka bootstrap servers (kafka.bootstrap_servers); implies transport.kind=kafka.")
    var kafkaBootstrap: String?

    @Option(name: .customLong("topic-prefix"), help: "Prefix of every topic name, e.g. 'acme.' (kafka.topic_prefix).")
    var topicPrefix: String?

    @Option(name: .customLong("log-level"), help: "trace | debug | info | notice | warning | error | critical.")
    var logLevel: String = "info"

    @Flag(name: .customLong("print-config"), help: "Print the effective configuration (secrets masked) and exit.")
    var printConfig = false

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError(
                "unknown --log-level '\(logLevel)' (trace, debug, info, notice, warning, error, critical)")
        }
    }

    var level: Logger.Level { Logger.Level(rawValue: logLevel) ?? .info }

    /// The command-line layer: `--set` pairs, then the transport shortcuts, then `extra` (the
    /// command's own flags), later entries winning.
    func overrides(_ extra: [String: String] = [:]) throws -> [String: String] {
        var out: [String: String] = [:]
        for item in settings {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw ValidationError("--set expects key=value, got '\(item)'")
            }
            out[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        if let kafkaBootstrap {
            out["kafka.bootstrap_servers"] = kafkaBootstrap
            out["transport.kind"] = "kafka"
        }
        if let topicPrefix { out["kafka.topic_prefix"] = topicPrefix }
        out.merge(extra) { _, new in new }
        return out
    }

    /// The YAML text of `--config`, nil without one.
    func configText() throws -> String? {
        guard let config else { return nil }
        do {
            return try String(contentsOfFile: config, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read --config \(config): \(error.localizedDescription)")
        }
    }

    /// Defaults < `--config` < `PALISADE_*` environment < flags, over `definitions`.
    func load(_ definitions: [Settings.Definition], extra: [String: String] = [:]) throws -> Settings {
        let yaml = try configText()
        do {
            return try Settings(
                definitions: definitions, yaml: yaml, yamlPath: config ?? "config",
                environment: ProcessInfo.processInfo.environment, overrides: try overrides(extra))
        } catch let error as Settings.Error {
            throw ValidationError("configuration: \(error)")
        }
    }

    /// JSON logs on standard error at `--log-level`.
    func bootstrapLogging() {
        let level = self.level
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
    }
}
