import ArgumentParser
@preconcurrency import Dispatch
import Logging
import PalisadeKafka
import PalisadeTransport

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

            With --control-stdin it also reads fault-injection commands from standard input, one per \
            line, and answers each on standard output with "ok <command>" or "error <reason>":
              broker down N | broker up N     take broker N (1-based) down / bring it back
              rtt N MS                        add MS milliseconds of round-trip latency to broker N
              leader TOPIC PARTITION N        move the leadership of a partition to broker N
            """
    )

    @Option(help: "Number of mock brokers.")
    var brokers: Int = 3

    @Option(help: "Partitions of every topic.")
    var partitions: Int32 = 12

    @Option(name: .customLong("topic-prefix"), help: "Prefix of the topic names, e.g. 'acme.'.")
    var topicPrefix: String = ""

    @Flag(name: .customLong("control-stdin"), help: "Read fault-injection commands from standard input (tests).")
    var controlStdin = false

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
        let control = controlStdin ? Task { await Self.serveControl(cluster: cluster) } : nil
        let signal = await signals.next()
        note("signal \(signal), stopping")
        control?.cancel()
        await cluster.shutdown()
    }

    /// Applies the commands read from standard input until it ends (or the task is cancelled).
    static func serveControl(cluster: KafkaMockCluster) async {
        for await line in standardInputLines() {
            if Task.isCancelled { return }
            let reply: String
            do {
                guard let command = try DevKafkaControl(line) else { continue }
                try await command.apply(to: cluster)
                reply = "ok \(command)"
                note(reply)
            } catch {
                reply = "error \(error)"
            }
            emit(1, reply)
        }
    }
}

/// One fault-injection command of `dev-kafka --control-stdin`.
enum DevKafkaControl: Equatable, CustomStringConvertible {
    case broker(id: Int32, up: Bool)
    case rtt(broker: Int32, milliseconds: Int32)
    case leader(topic: String, partition: Int32, broker: Int32)

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    /// Parses a line; nil for a blank line or a `#` comment.
    init?(_ line: String) throws(ParseError) {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        guard let verb = words.first, !verb.hasPrefix("#") else { return nil }
        func number(_ index: Int, _ name: String, _ range: ClosedRange<Int32>) throws(ParseError) -> Int32 {
            guard index < words.count, let value = Int32(words[index]), range.contains(value) else {
                throw ParseError(description: "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
        switch (verb, words.count) {
        case ("broker", 3) where words[1] == "down" || words[1] == "up":
            self = .broker(id: try number(2, "broker", 1...1024), up: words[1] == "up")
        case ("rtt", 3):
            self = .rtt(broker: try number(1, "broker", 1...1024), milliseconds: try number(2, "ms", 0...600_000))
        case ("leader", 4):
            self = .leader(
                topic: words[1], partition: try number(2, "partition", 0...100_000),
                broker: try number(3, "broker", 1...1024))
        default:
            throw ParseError(
                description:
                    "unknown command '\(line)' (broker down N | broker up N | rtt N MS | leader TOPIC PARTITION N)")
        }
    }

    var description: String {
        switch self {
        case .broker(let id, let up): "broker \(up ? "up" : "down") \(id)"
        case .rtt(let broker, let milliseconds): "rtt \(broker) \(milliseconds)"
        case .leader(let topic, let partition, let broker): "leader \(topic) \(partition) \(broker)"
        }
    }

    func apply(to cluster: KafkaMockCluster) async throws(TransportError) {
        switch self {
        case .broker(let id, let up): try await cluster.setBroker(id, up: up)
        case .rtt(let broker, let milliseconds): try await cluster.setBrokerRTT(broker, milliseconds: milliseconds)
        case .leader(let topic, let partition, let broker):
            try await cluster.setPartitionLeader(topic: topic, partition: partition, broker: broker)
        }
    }
}

/// Lines of standard input, read on a dispatch thread (never on the cooperative pool) with read(2):
/// stdio's readLine would hold stdin's lock while it waits, and every fflush(NULL) — exit's too —
/// would then wait for the next line.
private func standardInputLines() -> AsyncStream<String> {
    let (stream, continuation) = AsyncStream.makeStream(of: String.self)
    DispatchQueue(label: "palisade.dev-kafka.stdin").async {
        let maxLine = 64 * 1024
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            pending += chunk[0..<count]
            while let newline = pending.firstIndex(of: 10) {
                continuation.yield(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
            if pending.count > maxLine {  // not a command: answered as an error, then skipped
                continuation.yield(String(decoding: pending.prefix(80), as: UTF8.self))
                pending.removeAll()
            }
        }
        if !pending.isEmpty { continuation.yield(String(decoding: pending, as: UTF8.self)) }
        continuation.finish()
    }
    return stream
}

/// A progress line on standard error (standard output carries the bootstrap servers and the
/// answers to control commands).
private func note(_ text: String) {
    emit(2, "dev-kafka: \(text)")
}

/// One line written straight to a file descriptor (no stdio buffer or lock).
private func emit(_ fd: Int32, _ text: String) {
    let line = Array("\(text)\n".utf8)
    var offset = 0
    while offset < line.count {
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        offset += written
    }
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
