import Logging
import PalisadeRecords
import PalisadeRuntime
import PalisadeTransport
import Prometheus
import ServiceLifecycle
import Synchronization

/// Reads `palisade.deadletter` in its own consumer group (`palisade-deadletters`) so dead letters
/// are seen rather than piling up: each one is counted (`palisade_deadletters_total`, and
/// ``count``), the latest reasons are kept (``recentReasons``) and one line per interval is logged
/// with the reason. On the in-process transport this is also what frees the topic: a topic no
/// group reads would fill and block the workers' producers.
public final class DeadLetterConsumer: Service, Sendable {
    public static let group = "palisade-deadletters"

    let transport: any Transport
    let topic: String
    let logger: Logger
    private let counter: CountedCounter
    private let recent = Mutex<[String]>([])
    private let logEvery: Duration

    public init(
        transport: any Transport, topicPrefix: String, metrics: PalisadeMetrics, logger: Logger,
        logInterval: Duration = .seconds(10)
    ) {
        self.transport = transport
        self.topic = PalisadeTopic.deadLetter.name(prefix: topicPrefix)
        self.logger = logger
        self.logEvery = logInterval
        counter = CountedCounter(
            metrics.registry, name: "palisade_deadletters_total",
            help: "Dead letters read from palisade.deadletter (records no role could read).")
    }

    /// Dead letters read so far.
    public var count: Int64 { counter.value }

    /// The reasons of the last (up to 20) dead letters, oldest first.
    public var recentReasons: [String] { recent.withLock { $0 } }

    public func run() async throws {
        let consumer = try transport.makeGroupConsumer(group: Self.group, topics: [topic])
        let log = RateLimitedLog(interval: logEvery)
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let events: [ConsumerEvent]
                do throws(TransportError) {
                    events = try await consumer.poll(maxRecords: 1_000, timeout: .milliseconds(200))
                } catch {
                    if error.code == .closed { break }
                    try? await Task.sleep(for: .milliseconds(500))
                    continue
                }
                for case .record(let record) in events {
                    let reason: String
                    if let value = record.value, let letter = try? DeadLetterMessage.decodeRecord(value) {
                        reason =
                            "\(letter.rejectedBy) rejected \(letter.topic)[\(letter.partition)]@\(letter.offset): "
                            + letter.reason
                    } else {
                        reason = "unreadable dead letter at \(record.topic)[\(record.partition)]@\(record.offset)"
                    }
                    recent.withLock {
                        $0.append(String(reason.prefix(500)))
                        if $0.count > 20 { $0.removeFirst($0.count - 20) }
                    }
                    counter.increment()
                    if log.shouldLog() {
                        logger.warning(
                            "dead letter", metadata: ["reason": "\(reason.prefix(500))", "total": "\(count)"])
                    }
                    try? consumer.acknowledge(record)
                }
            }
        } onGracefulShutdown: {
        }
        await consumer.close()
    }
}
