import AggregatorService
import Foundation
import Logging
import MirrorService
import NIOCore
import PalisadeRuntime
import PalisadeTransport
import ServiceLifecycle
import Synchronization
import WorkerService

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `palisade up` runs, resolved from one layered configuration: the mirror, N workers and
/// the aggregator (the roles' own keys, unchanged), the shared transport, and `up.*`.
struct UpConfiguration: Sendable {
    var dataDirectory: String
    var workers: Int
    var mirror: MirrorConfiguration
    var worker: WorkerSettings
    var aggregator: AggregatorConfiguration
    var transport: TransportSettings
    /// Longest wait, on shutdown, for what one stage produced to be consumed by the next.
    var drainTimeoutMs: Int
    /// The token file, when a token came from it (generated at first start).
    var tokenFile: String?

    /// `up`'s own keys.
    static let upDefinitions: [Settings.Definition] = [
        .init(
            "up.data_dir", default: "./palisade-data",
            "Directory of the SQLite database and the generated token file (created 0700)."),
        .init("up.workers", default: "1", "Worker services in the process (each with worker.scoring_tasks lanes)."),
        .init(
            "up.drain_timeout_ms", default: "15000",
            "On shutdown, longest wait for each stage's output to be consumed by the next, in ms."),
    ]

    /// Every key `palisade up` reads: `up.*`, the mirror's, the worker's (without its operations
    /// listener: in `up` the mirror's and aggregator's `/metrics` show every role), the
    /// aggregator's and the transport's. `defaults` replaces documented defaults (data-dir paths,
    /// generated tokens).
    static func definitions(defaults: [String: String] = [:]) -> [Settings.Definition] {
        (upDefinitions + MirrorConfiguration.definitions + WorkerSettings.definitions
            + AggregatorConfiguration.definitions + TransportSettings.definitions).map { definition in
                guard let value = defaults[definition.key] else { return definition }
                var changed = definition
                changed.defaultValue = value
                return changed
            }
    }

    static func from(_ settings: Settings, tokenFile: String?) throws -> UpConfiguration {
        let transport = try TransportSettings.from(settings)
        let worker = try WorkerSettings.from(settings)
        try worker.validate(against: transport, settings)
        return UpConfiguration(
            dataDirectory: settings.string("up.data_dir"),
            workers: try settings.int("up.workers", range: 1...64),
            mirror: try MirrorConfiguration.from(settings),
            worker: worker,
            aggregator: try AggregatorConfiguration.from(settings),
            transport: transport,
            drainTimeoutMs: try settings.int("up.drain_timeout_ms", range: 0...600_000),
            tokenFile: tokenFile)
    }

    /// Resolves the configuration in two passes: the first finds the data directory and whether
    /// tokens are configured; the second uses `<data_dir>/palisade.sqlite` as the database
    /// default and, for a listener without tokens, the token of `<data_dir>/tokens.env`
    /// (generated at first start unless `generate` is false).
    static func load(
        yaml: String?, yamlPath: String, environment: [String: String], overrides: [String: String],
        generate: Bool
    ) throws -> (Settings, tokenFile: String?) {
        let first = try Settings(
            definitions: definitions(), yaml: yaml, yamlPath: yamlPath, environment: environment,
            overrides: overrides)
        let dataDirectory = first.string("up.data_dir")
        guard !dataDirectory.isEmpty else {
            throw Settings.Error(key: "up.data_dir", origin: first.origin("up.data_dir"), reason: "must not be empty")
        }
        var defaults = ["aggregator.database_path": dataDirectory + "/palisade.sqlite"]
        var tokenFile: String?
        let needMirror = first.list("mirror.tokens").isEmpty
        let needAggregator = first.list("aggregator.tokens").isEmpty
        if needMirror || needAggregator {
            let path = dataDirectory + "/" + UpTokens.fileName
            let tokens = generate ? try UpTokens.loadOrCreate(directory: dataDirectory) : UpTokens.read(path: path)
            if let tokens {
                tokenFile = path
                if needMirror { defaults["mirror.tokens"] = tokens.mirror }
                if needAggregator { defaults["aggregator.tokens"] = tokens.aggregator }
            }
        }
        let settings = try Settings(
            definitions: definitions(defaults: defaults), yaml: yaml, yamlPath: yamlPath, environment: environment,
            overrides: overrides)
        return (settings, tokenFile)
    }
}

/// The tokens `palisade up` generates when none are configured: random, 256 bits each, kept in
/// `<data_dir>/tokens.env` (mode 0600) as shell-sourceable lines.
struct UpTokens: Sendable, Equatable {
    static let fileName = "tokens.env"
    var mirror: String
    var aggregator: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let value = generator.next() as UInt64
            let hex = String(value, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// The tokens of the file at `path`, nil when it does not exist or lacks them.
    static func read(path: String) -> UpTokens? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        guard let mirror = values["PALISADE_MIRROR_TOKEN"], !mirror.isEmpty,
            let aggregator = values["PALISADE_AGGREGATOR_TOKEN"], !aggregator.isEmpty
        else { return nil }
        return UpTokens(mirror: mirror, aggregator: aggregator)
    }

    /// Reads `<directory>/tokens.env`, or creates it (and the directory, 0700) with new tokens.
    /// The file is created exclusively with mode 0600, so it is never readable by others.
    static func loadOrCreate(directory: String) throws -> UpTokens {
        try UpStorage.ensureDirectory(directory)
        let path = directory + "/" + fileName
        if let existing = read(path: path) { return existing }
        if FileManager.default.fileExists(atPath: path) {
            throw Failure(
                description: "\(path) exists but lacks PALISADE_MIRROR_TOKEN/PALISADE_AGGREGATOR_TOKEN; "
                    + "fix or remove it")
        }
        let tokens = UpTokens(mirror: random(), aggregator: random())
        let text = """
            # Generated by `palisade up` at first start. Keep it secret (mode 0600).
            # Gateway plugin: mirror_token / aggregator_token. CLI: export these, then `palisade decisions list`.
            PALISADE_MIRROR_TOKEN=\(tokens.mirror)
            PALISADE_AGGREGATOR_TOKEN=\(tokens.aggregator)
            PALISADE_REPLAY_TOKEN=\(tokens.mirror)

            """
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        return tokens
    }
}

enum UpStorage {
    /// Creates `path` (mode 0700) when missing; fails clearly when it is not a writable directory.
    static func ensureDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw UpTokens.Failure(description: "up.data_dir \(path) exists and is not a directory")
            }
        } else {
            do {
                try FileManager.default.createDirectory(
                    atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw UpTokens.Failure(description: "cannot create up.data_dir \(path): \(error.localizedDescription)")
            }
        }
        guard access(path, W_OK) == 0 else {
            throw UpTokens.Failure(description: "up.data_dir \(path) is not writable")
        }
    }
}

/// The roles of `palisade up`, assembled over one transport, in one `ServiceGroup`.
///
/// Start order: aggregator (HTTP API + its services), dead-letter consumer, workers, mirror.
/// Graceful shutdown runs in reverse, one stage after the other: the mirror stops accepting and
/// produces what it buffered; then (in-process) a barrier waits until the workers consumed
/// everything; the workers drain and commit; a second barrier waits until the aggregator took
/// every verdict; the aggregator flushes its catalog and closes SQLite.
struct PalisadeStack: Sendable {
    /// Where the listeners are, once they run (ports resolved when configured as 0).
    final class Addresses: Sendable {
        private let ports = Mutex<(mirror: Int?, aggregator: Int?)>((nil, nil))
        var mirror: Int? { ports.withLock { $0.mirror } }
        var aggregator: Int? { ports.withLock { $0.aggregator } }
        func setMirror(_ port: Int?) { ports.withLock { $0.mirror = port } }
        func setAggregator(_ port: Int?) { ports.withLock { $0.aggregator = port } }
    }

    let configuration: UpConfiguration
    let transport: any Transport
    let workers: [WorkerService]
    let deadLetters: DeadLetterConsumer
    let addresses: Addresses
    /// In start order (shut down in reverse).
    let services: [any Service]
    let logger: Logger

    static func build(configuration: UpConfiguration, metrics: PalisadeMetrics, logger: Logger) async throws
        -> PalisadeStack
    {
        try UpStorage.ensureDirectory(configuration.dataDirectory)
        let transport = try await configuration.transport.makeTransport(logger: logger)
        let addresses = Addresses()
        var roleLogger = logger
        roleLogger[metadataKey: "role"] = "aggregator"
        // The dashboard's view of the roles beside it; filled once they exist (below).
        let parts = ProbeParts()
        let aggregator = try buildAggregator(
            configuration: configuration.aggregator, transport: transport, logger: roleLogger, metrics: metrics,
            pipelineProbe: { await parts.report() })
        let aggregatorApplication = try aggregator.application(logger: roleLogger) { channel in
            addresses.setAggregator(channel.localAddress?.port)
        }
        roleLogger[metadataKey: "role"] = "mirror"
        let mirror = try buildMirror(
            configuration: configuration.mirror, transport: transport, logger: roleLogger, metrics: metrics)
        let mirrorApplication = try mirror.application { channel in
            addresses.setMirror(channel.localAddress?.port)
        }
        var workers: [WorkerService] = []
        for index in 0..<configuration.workers {
            roleLogger[metadataKey: "role"] = "worker-\(index)"
            workers.append(
                buildWorker(settings: configuration.worker, transport: transport, logger: roleLogger, metrics: metrics))
        }
        roleLogger[metadataKey: "role"] = "deadletters"
        let deadLetters = DeadLetterConsumer(
            transport: transport, topicPrefix: configuration.transport.topicPrefix, metrics: metrics,
            logger: roleLogger)

        // What `group` has not consumed yet of `topic`: known on the in-process transport only
        // (Kafka keeps the records, so nothing waits there).
        func pending(_ group: String, _ topic: PalisadeTopic) -> (@Sendable () -> Int)? {
            guard let inProcess = transport as? InProcessTransport else { return nil }
            let name = configuration.transport.name(topic)
            return { inProcess.lag(group: group, topic: name) }
        }
        let requestsPending = pending(configuration.worker.group, .requests)
        parts.set(mirror: mirror.pipeline, workers: workers, lag: requestsPending)

        let drain = Duration.milliseconds(configuration.drainTimeoutMs)
        var services: [any Service] = [
            aggregatorApplication,
            DrainBarrier(
                name: "verdicts to the aggregator", pending: pending(configuration.aggregator.consumerGroup, .verdicts),
                timeout: drain,
                settle: .milliseconds(2 * configuration.aggregator.pollTimeoutMs), logger: logger),
            deadLetters,
        ]
        services += workers.map { $0 as any Service }
        services.append(
            DrainBarrier(
                name: "requests to the workers", pending: requestsPending,
                timeout: drain, settle: .zero,
                logger: logger))
        services.append(mirrorApplication)
        return PalisadeStack(
            configuration: configuration, transport: transport, workers: workers, deadLetters: deadLetters,
            addresses: addresses, services: services, logger: logger)
    }

    /// The group `palisade up` runs; with `signals`, SIGTERM and SIGINT shut it down gracefully.
    func serviceGroup(signals: Bool) -> ServiceGroup {
        ServiceGroup(
            services: services, gracefulShutdownSignals: signals ? [.sigterm, .sigint] : [], cancellationSignals: [],
            logger: logger)
    }

    /// True once both listeners run and every worker consumes.
    func isReady() async -> Bool {
        guard addresses.mirror != nil, addresses.aggregator != nil else { return false }
        for worker in workers where await worker.notReadyReason() != nil { return false }
        return true
    }
}

/// A step of `palisade up`'s ordered shutdown: it does nothing until its turn (the stages after
/// it have stopped), then waits until `pending` reaches 0 — what the stopped stage produced has
/// been consumed — for at most `timeout`, then `settle`, and returns so the next stage stops.
struct DrainBarrier: Service {
    let name: String
    let pending: (@Sendable () -> Int)?
    let timeout: Duration
    let settle: Duration
    let logger: Logger

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: nothing to drain
        }
        guard let pending else { return }
        let deadline = ContinuousClock.now + timeout
        var left = pending()
        while left > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
            left = pending()
        }
        if left > 0 {
            logger.warning(
                "shutdown: not drained in time; stopping anyway",
                metadata: ["stage": "\(name)", "records_left": "\(left)"])
        } else {
            logger.info("shutdown: drained", metadata: ["stage": "\(name)"])
        }
        if settle > .zero { try? await Task.sleep(for: settle) }
    }
}

/// The roles `palisade up` runs beside the aggregator, as its dashboard sees them.
final class ProbeParts: Sendable {
    private struct Parts {
        var mirror: CapturePipeline?
        var workers: [WorkerService] = []
        var lag: (@Sendable () -> Int)?
    }
    private let parts = Mutex(Parts())

    func set(mirror: CapturePipeline, workers: [WorkerService], lag: (@Sendable () -> Int)?) {
        parts.withLock { $0 = Parts(mirror: mirror, workers: workers, lag: lag) }
    }

    func report() async -> PipelineReport {
        let (mirror, workers, lag) = parts.withLock { ($0.mirror, $0.workers, $0.lag) }
        var report = PipelineReport()
        if let mirror {
            let fill = mirror.bufferFill
            let fillText = "\(fill.records) of \(fill.maxRecords) records buffered for the transport"
            if let reason = await mirror.notReadyReason() {
                report.mirror = .init(
                    state: .bad, label: "not ready", detail: "In this process: \(reason); \(fillText).")
            } else {
                report.mirror = .init(state: .ok, label: "accepting", detail: "In this process; \(fillText).")
            }
        }
        if !workers.isEmpty {
            var ready = 0
            var consumed: Int64 = 0
            var deadLettered: Int64 = 0
            for worker in workers {
                if await worker.notReadyReason() == nil { ready += 1 }
                let stats = worker.stats
                consumed += stats.consumed
                deadLettered += stats.deadLettered
            }
            report.workers = .init(
                state: ready == workers.count ? .ok : .bad, label: "\(ready) of \(workers.count) ready",
                detail:
                    "\(ready) of \(workers.count) worker(s) in this process consuming; \(consumed) requests consumed, \(deadLettered) dead-lettered."
            )
        }
        if let lag {
            let pending = lag()
            report.consumerLag = .init(
                state: pending < 10_000 ? .ok : .warn, label: "\(pending)",
                detail: "Requests on the in-process topic that the workers have not consumed yet.")
        }
        return report
    }
}
