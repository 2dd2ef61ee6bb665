import Logging
import PalisadeKafka
import PalisadeTransport
import Synchronization
import Testing

/// Which implementation a behavioural test runs against.
enum TransportKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case inProcess
    case kafkaMock

    var testDescription: String { rawValue }
}

/// A transport under test, with its mock cluster when it is Kafka. Topics get a unique prefix
/// so tests never see each other's records.
struct TransportHarness: Sendable {
    let kind: TransportKind
    let transport: any Transport
    let cluster: KafkaMockCluster?
    let prefix: String
    let logs: CapturedLogs

    static func make(_ kind: TransportKind, brokers: Int = 3, inProcess: InProcessTransport.Configuration = .init())
        throws -> TransportHarness
    {
        let logs = CapturedLogs()
        let logger = logs.logger(label: "test.\(kind)")
        let prefix = "t\(UInt32.random(in: 0...UInt32.max))."
        switch kind {
        case .inProcess:
            return TransportHarness(
                kind: kind, transport: InProcessTransport(configuration: inProcess), cluster: nil, prefix: prefix,
                logs: logs)
        case .kafkaMock:
            let cluster = try KafkaMockCluster(brokers: brokers, logger: logger)
            var configuration = cluster.configuration()
            configuration.producer.lingerMs = 1
            configuration.consumer.sessionTimeoutMs = 6_000
            configuration.consumer.heartbeatIntervalMs = 300
            configuration.consumer.autoCommitIntervalMs = 200
            configuration.consumer.fetchWaitMaxMs = 20
            return TransportHarness(
                kind: kind, transport: KafkaTransport(configuration: configuration, logger: logger), cluster: cluster,
                prefix: prefix, logs: logs)
        }
    }

    /// Creates topics: through the mock's API on Kafka (the mock has no CreateTopics), through
    /// the transport in process.
    func createTopics(_ specs: [TopicSpec]) async throws {
        if let cluster {
            try await cluster.createTopics(specs)
        } else {
            try await transport.createTopics(specs, timeout: .seconds(5))
        }
    }

    func topic(_ name: String) -> String { prefix + name }

    func shutdown() async {
        await cluster?.shutdown()
    }
}

/// Polls until `condition` holds or `timeout` passes; returns whether it held.
func eventually(
    timeout: Duration = .seconds(20), every interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}

/// Log lines kept in memory, to assert on what a component logged.
final class CapturedLogs: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let lines = Mutex<[Line]>([])

    func append(_ line: Line) { lines.withLock { $0.append(line) } }
    var all: [Line] { lines.withLock { $0 } }

    func logger(label: String) -> Logger {
        var logger = Logger(label: label) { _ in CapturingHandler(sink: self) }
        logger.logLevel = .info
        return logger
    }
}

struct CapturingHandler: LogHandler {
    let sink: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var flat: [String: String] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            flat[key] = "\(value)"
        }
        sink.append(.init(level: event.level, message: "\(event.message)", metadata: flat))
    }
}
