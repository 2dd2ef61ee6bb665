import Logging
import PalisadeCore
import PalisadePolicy
import PalisadeRecords
import PalisadeRuntime
import PalisadeTransport
import Synchronization

@testable import MirrorService

let testLogger: Logger = {
    var logger = Logger(label: "test.mirror")
    logger.logLevel = .critical
    return logger
}()

let requestsTopic = PalisadeTopic.requests.name()

/// A mirror configuration for tests: loopback, two tokens, small limits where given.
func testConfiguration(
    bufferMaxRecords: Int = 10_000, maxBodyBytes: Int = 1 << 20, maxLineBytes: Int = 64 << 10,
    raw: Bool = false, trustedProxies: [String] = []
) -> MirrorConfiguration {
    var config = MirrorConfiguration(
        listener: ListenerConfiguration(host: "127.0.0.1", port: 0, tokens: ["node-1-token", "node-2-token"]),
        rawListener: raw ? ListenerConfiguration(host: "127.0.0.1", port: 0, tokens: ["raw-token"]) : nil)
    config.bufferMaxRecords = bufferMaxRecords
    config.maxBodyBytes = maxBodyBytes
    config.maxLineBytes = maxLineBytes
    config.produceBatchRecords = 100
    config.produceRetryBackoffMs = 10
    config.shutdownDrainTimeoutMs = 5_000
    config.logIntervalMs = 0
    config.rawTrustedProxies = trustedProxies.compactMap { CIDR($0) }
    return config
}

/// An in-process transport with Palisade's topics (one partition: a total order to check).
func inProcessTransport(partitions: Int32 = 1) async throws -> InProcessTransport {
    let transport = InProcessTransport(configuration: .init(partitionCapacity: 100_000))
    try await transport.createTopics(
        PalisadeTopic.allSpecs(partitions: partitions, replicationFactor: 1), timeout: .seconds(1))
    return transport
}

/// Reads `palisade.requests` with a fresh group until `count` records arrived (or the timeout).
func readRequests(_ transport: any Transport, count: Int, group: String = "verify", timeout: Duration = .seconds(10))
    async throws -> [CaptureRecord]
{
    let consumer = try transport.makeGroupConsumer(group: group, topics: [requestsTopic])
    var records: [ConsumedRecord] = []
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while records.count < count, clock.now < deadline {
        for case .record(let record) in try await consumer.poll(maxRecords: 1_000, timeout: .milliseconds(100)) {
            records.append(record)
            try consumer.acknowledge(record)
        }
    }
    await consumer.close()
    records.sort { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
    return try records.map { CaptureRecord(try CaptureRecordMessage.decodeRecord($0.value ?? [])) }
}

/// NDJSON of `count` records `GET /items/<start+i>`.
func ndjson(_ count: Int, start: Int = 0) -> String {
    (start..<(start + count)).map { #"{"method":"GET","path":"/items/\#($0)","client_ip":"203.0.113.7"}"# }
        .joined(separator: "\n") + "\n"
}

/// A gate producers wait on (a blocked transport).
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    init(open: Bool = false) {
        state.withLock { $0.open = open }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func close() { state.withLock { $0.open = false } }

    func wait() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}

/// Wraps a transport's producer: waits on a gate before each batch, optionally fails the first
/// `failures` batches with a retriable error, and can be slowed down.
final class ControlledTransport: Transport {
    let base: any Transport
    let gate: Gate
    let failures: Atomic<Int>
    let delay: Duration
    /// Up to this many milliseconds of random delay before each batch is handed on (scheduling noise).
    let jitterMs: Int
    let batches = Atomic<Int>(0)

    init(
        base: any Transport, gate: Gate = Gate(open: true), failures: Int = 0, delay: Duration = .zero,
        jitterMs: Int = 0
    ) {
        self.base = base
        self.gate = gate
        self.failures = Atomic(failures)
        self.delay = delay
        self.jitterMs = jitterMs
    }

    func makeProducer() throws(TransportError) -> any TransportProducer {
        ControlledProducer(base: try base.makeProducer(), transport: self)
    }
    func makeGroupConsumer(group: String, topics: [String]) throws(TransportError) -> any GroupConsumer {
        try base.makeGroupConsumer(group: group, topics: topics)
    }
    func makeCompactedReader(topic: String) throws(TransportError) -> any CompactedTopicReader {
        try base.makeCompactedReader(topic: topic)
    }
    func createTopics(_ specs: [TopicSpec], timeout: Duration) async throws(TransportError) {
        try await base.createTopics(specs, timeout: timeout)
    }
}

final class ControlledProducer: TransportProducer {
    let base: any TransportProducer
    let transport: ControlledTransport

    init(base: any TransportProducer, transport: ControlledTransport) {
        self.base = base
        self.transport = transport
    }

    func send(_ record: OutgoingRecord) async throws(TransportError) -> DeliveryReceipt {
        try await base.send(record)
    }

    func send(batch: [OutgoingRecord]) async -> [Result<DeliveryReceipt, TransportError>] {
        await transport.gate.wait()
        transport.batches.add(1, ordering: .relaxed)
        if transport.delay > .zero { try? await Task.sleep(for: transport.delay) }
        if transport.jitterMs > 0 { try? await Task.sleep(for: .milliseconds(Int.random(in: 0...transport.jitterMs))) }
        if transport.failures.load(ordering: .relaxed) > 0 {
            transport.failures.subtract(1, ordering: .relaxed)
            return batch.map { _ in .failure(TransportError(.timedOut, "injected", isRetriable: true)) }
        }
        return await base.send(batch: batch)
    }

    func flush(timeout: Duration) async throws(TransportError) { try await base.flush(timeout: timeout) }
    func shutdown(timeout: Duration) async { await base.shutdown(timeout: timeout) }
}
