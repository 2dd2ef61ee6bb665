import ArgumentParser
import Foundation
import Logging
import MirrorService
import PalisadeRuntime
import PalisadeTransport
import ServiceLifecycle

/// `palisade mirror`: the tap's landing point. Receives capture batches (and optionally raw
/// mirrored requests) and produces them to `palisade.requests`.
struct MirrorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "Run the mirror role: capture batches in, palisade.requests out.",
        discussion: """
            Configuration layers: documented defaults < --config YAML file < PALISADE_* environment \
            variables (mirror.max_body_bytes → PALISADE_MIRROR_MAX_BODY_BYTES) < flags (--set \
            key=value and the shortcuts below). --print-config shows the effective configuration \
            (secrets masked) and where each value came from. Keys and defaults: docs/MIRROR.md.

            SIGTERM or SIGINT: stop accepting, produce what is buffered, flush, exit 0.
            """
    )

    @OptionGroup var options: RoleOptions

    @Option(help: "Address to listen on (mirror.listen_host).")
    var listenHost: String?

    @Option(help: "Capture listener port (mirror.listen_port).")
    var listenPort: Int?

    @Option(help: "Accepted bearer token (mirror.tokens; repeatable). Prefer PALISADE_MIRROR_TOKENS.")
    var token: [String] = []

    @Option(help: "Transport: inprocess or kafka (transport.kind).")
    var transport: String?

    @Option(help: "Enable the raw mirror listener on this port (mirror.raw.enabled, mirror.raw.listen_port).")
    var rawPort: Int?

    /// This command's own flags, as settings (the shared ones are in ``RoleOptions``).
    func roleOverrides() -> [String: String] {
        var out: [String: String] = [:]
        if let listenHost { out["mirror.listen_host"] = listenHost }
        if let listenPort { out["mirror.listen_port"] = String(listenPort) }
        if !token.isEmpty { out["mirror.tokens"] = token.joined(separator: ",") }
        if let transport { out["transport.kind"] = transport }
        if let rawPort {
            out["mirror.raw.enabled"] = "true"
            out["mirror.raw.listen_port"] = String(rawPort)
        }
        return out
    }

    func loadSettings() throws -> Settings {
        try options.load(MirrorConfiguration.allDefinitions, extra: roleOverrides())
    }

    func run() async throws {
        let settings: Settings
        let mirrorConfiguration: MirrorConfiguration
        let transportSettings: TransportSettings
        do {
            settings = try loadSettings()
            if options.printConfig {
                print(settings.redactedDescription())
                return
            }
            mirrorConfiguration = try MirrorConfiguration.from(settings)
            transportSettings = try TransportSettings.from(settings)
        } catch let error as Settings.Error {
            throw ValidationError("configuration: \(error)")
        }
        options.bootstrapLogging()
        let metrics = PalisadeMetrics()
        metrics.bootstrap()
        var logger = Logger(label: "palisade.mirror")
        logger.logLevel = options.level

        let transport = try await transportSettings.makeTransport(logger: logger)
        let mirror = try buildMirror(
            configuration: mirrorConfiguration, transport: transport, logger: logger, metrics: metrics)
        var services: [any Service] = []
        if transportSettings.kind == .inprocess {
            // Nothing downstream in this process: consume and discard, so the in-process topic
            // never fills (demos, benchmarks). `palisade up` wires the worker here instead.
            logger.notice("in-process transport without a worker: records are produced, then discarded")
            services.append(
                InProcessSink(
                    consumer: try transport.makeGroupConsumer(
                        group: "mirror-standalone-sink", topics: [transportSettings.name(.requests)])))
        }
        services.append(try mirror.application())
        logger.info(
            "mirror starting",
            metadata: [
                "listen": "\(mirrorConfiguration.listener.host):\(mirrorConfiguration.listener.port)",
                "tls": "\(mirrorConfiguration.listener.tlsEnabled)",
                "raw_listen": "\(mirrorConfiguration.rawListener.map { "\($0.host):\($0.port)" } ?? "off")",
                "transport": "\(transportSettings.kind.rawValue)",
                "topic": "\(transportSettings.name(.requests))",
            ])
        let group = ServiceGroup(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
        try await group.run()
        logger.info("mirror stopped")
    }
}

/// Consumes a topic of the in-process transport and acknowledges everything (standalone mirror).
struct InProcessSink: Service {
    let consumer: any GroupConsumer

    func run() async throws {
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                guard let events = try? await consumer.poll(maxRecords: 10_000, timeout: .milliseconds(100)) else {
                    continue
                }
                for case .record(let record) in events { try? consumer.acknowledge(record) }
            }
        } onGracefulShutdown: {
        }
        await consumer.close()
    }
}
