import Logging
import PalisadeKafka
import PalisadeTransport

// Produce and consume rates of both transports with ~1 KB records. Not a test: figures only.
//
//   swift run -c release --package-path Benchmarks TransportBenchmark [records]

let recordCount = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 200_000
let valueSize = 1_000
let partitions: Int32 = 12
let batchSize = 5_000

let logger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    return logger
}()

struct Figures {
    var records: Int
    var bytes: Int
    var seconds: Double

    var line: String {
        let rate = Double(records) / seconds
        let mb = Double(bytes) / seconds / 1_000_000
        return "\(records) records in \(fmt(seconds)) s: \(fmt(rate, 0)) records/s, \(fmt(mb, 1)) MB/s"
    }
}

func fmt(_ value: Double, _ decimals: Int = 3) -> String {
    var p = 1.0
    for _ in 0..<decimals { p *= 10 }
    let rounded = (value * p).rounded() / p
    return decimals == 0 ? String(Int(rounded)) : String(rounded)
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func makeBatch(_ topic: String, from start: Int, count: Int) -> [OutgoingRecord] {
    var value = [UInt8](repeating: 0x61, count: valueSize)
    return (start..<(start + count)).map { i in
        value[0] = UInt8(truncatingIfNeeded: i)
        return OutgoingRecord(topic: topic, key: Array("client-\(i % 10_000)".utf8), value: value)
    }
}

/// Produces `recordCount` records in batches, awaiting every acknowledgement.
func produce(_ producer: any TransportProducer, topic: String) async throws -> Figures {
    let clock = ContinuousClock()
    let start = clock.now
    var sent = 0
    while sent < recordCount {
        let count = min(batchSize, recordCount - sent)
        for result in await producer.send(batch: makeBatch(topic, from: sent, count: count)) { _ = try result.get() }
        sent += count
    }
    return Figures(records: sent, bytes: sent * valueSize, seconds: seconds(clock.now - start))
}

/// Consumes until `recordCount` records arrived, acknowledging each.
func consume(_ consumer: any GroupConsumer) async throws -> Figures {
    let clock = ContinuousClock()
    var start: ContinuousClock.Instant? = nil
    var received = 0
    var bytes = 0
    while received < recordCount {
        for case .record(let record) in try await consumer.poll(maxRecords: 10_000, timeout: .seconds(5)) {
            if start == nil { start = clock.now }
            received += 1
            bytes += record.value?.count ?? 0
            try consumer.acknowledge(record)
        }
    }
    return Figures(records: received, bytes: bytes, seconds: seconds(clock.now - (start ?? clock.now)))
}

func benchInProcess() async throws {
    let transport = InProcessTransport(configuration: .init(partitionCapacity: 1_000_000))
    try await transport.createTopics([TopicSpec(name: "bench", partitions: partitions)], timeout: .seconds(1))
    let consumer = try transport.makeGroupConsumer(group: "bench", topics: ["bench"])
    let producer = try transport.makeProducer()
    let produced = try await produce(producer, topic: "bench")
    print("in-process produce:         \(produced.line)")
    let consumed = try await consume(consumer)
    print("in-process consume:         \(consumed.line)")
    await consumer.close()

    // Both at once, through a bounded partition (backpressure on).
    let bounded = InProcessTransport(configuration: .init(partitionCapacity: 10_000))
    try await bounded.createTopics([TopicSpec(name: "bench", partitions: partitions)], timeout: .seconds(1))
    let boundedConsumer = try bounded.makeGroupConsumer(group: "bench", topics: ["bench"])
    let boundedProducer = try bounded.makeProducer()
    let clock = ContinuousClock()
    let start = clock.now
    async let producing = produce(boundedProducer, topic: "bench")
    let drained = try await consume(boundedConsumer)
    _ = try await producing
    let both = Figures(records: drained.records, bytes: drained.bytes, seconds: seconds(clock.now - start))
    print("in-process produce+consume: \(both.line) (10 000 records per partition bound)")
}

func benchKafka() async throws {
    let cluster = try KafkaMockCluster(brokers: 3, logger: logger)
    try await cluster.createTopics([TopicSpec(name: "bench", partitions: partitions, replicationFactor: 3)])
    var configuration = cluster.configuration()
    configuration.producer.lingerMs = 5
    configuration.producer.compression = .lz4
    let producer = try KafkaProducer(configuration: configuration, logger: logger)
    let produced = try await produce(producer, topic: "bench")
    print("kafka mock produce:         \(produced.line) (3 brokers, acks=all, idempotent, lz4, linger 5 ms)")

    let single = 2_000
    let clock = ContinuousClock()
    let start = clock.now
    for i in 0..<single {
        _ = try await producer.send(makeBatch("bench", from: i, count: 1)[0])
    }
    let one = Figures(records: single, bytes: single * valueSize, seconds: seconds(clock.now - start))
    print("kafka mock send one-by-one: \(one.line) (each awaited: ack latency bound)")
    await producer.shutdown(timeout: .seconds(10))

    let consumer = try KafkaGroupConsumer(
        configuration: configuration, group: "bench", topics: ["bench"], logger: logger)
    let consumed = try await consume(consumer)
    print("kafka mock consume:         \(consumed.line) (1 group member, offsets stored per record)")
    await consumer.close()
    await cluster.shutdown()
}

print(
    "Transport benchmark: \(recordCount) records of \(valueSize) B, \(partitions) partitions, batches of \(batchSize)")
try await benchInProcess()
try await benchKafka()
