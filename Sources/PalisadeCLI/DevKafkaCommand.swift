import ArgumentParser
@preconcurrency import Dispatch
import Logging
import PalisadeKafka

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `palisade dev-kafka`: a local Kafka for development and tests (librdkafka's mock cluster,
/// in memory, loopback only). Production points at a real Kafka.
struct DevKafkaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-kafka",
        abstract: "Run an in-memory Kafka (librdkafka mock cluster) with Palisade's topics, for development.",
        discussion: """
            Prints the bootstrap servers (one line, e.g. 127.0.0.1:40001,127.0.0.1:40003) on standard \
            output and runs until SIGINT or SIGTERM. Ports are chosen anew on every start; nothing is \
            persisted. Not for production: point Palisade at a real Kafka there.
            """
    )

    @Option(help: "Number of mock brokers.")
    var brokers: Int = 3

    @Option(help: "Partitions of every topic.")
    var partitions: Int32 = 12

    @Option(name: .customLong("topic-prefix"), help: "Prefix of the topic names, e.g. 'acme.'.")
    var topicPrefix: String = ""

    func validate() throws {
        guard (1...32).contains(brokers) else { throw ValidationError("--brokers must be between 1 and 32") }
        guard (1...1024).contains(partitions) else { throw ValidationError("--partitions must be between 1 and 1024") }
    }

    func run() async throws {
        var logger = Logger(label: "palisade.dev-kafka")
        logger.logLevel = .warning
        let development = DevelopmentCluster(brokers: brokers, partitions: partitions, topicPrefix: topicPrefix)
        let signals = TerminationSignals([SIGINT, SIGTERM])
        let cluster = try await development.start(logger: logger)
        print(cluster.bootstrapServers)
        fflush(nil)
        for topic in development.topics {
            let policy = topic.compacted ? "compact" : "delete"
            note(
                "topic \(topic.name) partitions=\(topic.partitions) replication=\(topic.replicationFactor) cleanup.policy=\(policy)"
            )
        }
        note("\(brokers) broker(s) up; Ctrl-C to stop")
        let signal = await signals.next()
        note("signal \(signal), stopping")
        await cluster.shutdown()
    }
}

/// A progress line on standard error (standard output carries only the bootstrap servers).
private func note(_ text: String) {
    let line = Array("dev-kafka: \(text)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// Turns SIGINT/SIGTERM into an awaitable event (the default handlers are replaced).
final class TerminationSignals {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Int32>

    init(_ signals: [Int32]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        self.stream = stream
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    func next() async -> Int32 {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next() ?? SIGTERM
    }
}
