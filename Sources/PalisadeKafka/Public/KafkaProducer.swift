import CRdKafka
import Logging
import PalisadeTransport
import Synchronization

/// Publishes to Kafka through librdkafka: idempotent, `acks=all`, batched and compressed as
/// configured. `send` returns once the record's delivery report arrives (the record is on all
/// in-sync replicas) or fails; librdkafka retries transient errors within `messageTimeoutMs`.
///
/// Delivery reports are served by a poll loop on a dedicated thread, never on the cooperative
/// pool. ``shutdown(timeout:)`` flushes.
public final class KafkaProducer: TransportProducer {
    private let client: RDKafkaClient
    private let registry: DeliveryRegistry
    private let pollLoop: PollLoop
    private let blockingExecutor: BlockingExecutor
    private let configuration: KafkaConfiguration
    private let logger: Logger

    public init(configuration: KafkaConfiguration, logger: Logger) throws(TransportError) {
        let registry = DeliveryRegistry()
        self.registry = registry
        self.configuration = configuration
        self.logger = logger
        client = try RDKafkaClient(
            kind: .producer, properties: configuration.producerProperties,
            context: RDKafkaContext(logger: logger, deliveries: registry))
        pollLoop = PollLoop(label: "palisade.kafka.producer.poll")
        blockingExecutor = BlockingExecutor(label: "palisade.kafka.producer.blocking")
        pollLoop.start(client)
    }

    public func send(_ record: OutgoingRecord) async throws(TransportError) -> DeliveryReceipt {
        // A batch of one: the same registration, waiting for room and delivery as any batch.
        guard let result = await enqueue(batch: [record]).results().first else {
            throw TransportError(.closed, "producer returned no result")
        }
        return try result.get()
    }

    public func send(batch: [OutgoingRecord]) async -> [Result<DeliveryReceipt, TransportError>] {
        await enqueue(batch: batch).results()
    }

    public func enqueue(batch: [OutgoingRecord]) async -> PendingBatch {
        guard !batch.isEmpty else { return PendingBatch(results: []) }
        let waiter = BatchWaiter(records: batch)
        let serial = registry.register(waiter)
        let clock = ContinuousClock()
        // A batch has few topics: its records find their topic handle here, not through the
        // client's locked lookup by name.
        var topics = TopicHandleCache()
        for (index, record) in batch.enumerated() {
            let id = DeliveryRegistry.id(serial: serial, index: index)
            // Read only once the client queue is full (records enqueued at once need no deadline).
            var deadline: ContinuousClock.Instant?
            while true {
                guard let error = enqueue(record, id: id, topics: &topics) else { break }
                let limit = deadline ?? clock.now + .milliseconds(configuration.producer.enqueueTimeoutMs)
                deadline = limit
                if error.code == .queueFull && clock.now < limit {
                    // Not enqueued: the slot stays pending and the same id is offered again.
                    try? await Task.sleep(for: .milliseconds(2))
                    continue
                }
                registry.fail(id, error)
                break
            }
        }
        return PendingBatch { await waiter.wait() }
    }

    /// Hands one record to librdkafka (copied), its topic handle looked up through `topics`.
    /// Returns the error when it was not enqueued.
    private func enqueue(_ record: OutgoingRecord, id: UInt, topics: inout TopicHandleCache) -> TransportError? {
        guard pollLoop.isRunning else { return TransportError(.closed, "producer is shut down") }
        let topic: OpaquePointer
        do {
            topic = try topics.handle(record.topic, in: client)
        } catch {
            return error
        }
        let opaque = UnsafeMutableRawPointer(bitPattern: id)
        let status: Int32 = Self.withBytes(record.value) { value, valueCount in
            Self.withBytes(record.key) { key, keyCount in
                rd_kafka_produce(
                    topic, RDKafkaOffsets.unassignedPartition, RD_KAFKA_MSG_F_COPY,
                    UnsafeMutableRawPointer(mutating: value), valueCount, key, keyCount, opaque)
            }
        }
        if status == 0 { return nil }
        let err = rd_kafka_last_error()
        if err == RD_KAFKA_RESP_ERR__QUEUE_FULL {
            return TransportError(.queueFull, "librdkafka's producer queue is full", isRetriable: true)
        }
        return .rdKafka(err, "produce to \(record.topic)")
    }

    /// Calls `body` with a pointer to `bytes`: `nil` for `nil` (a null key or value), a valid
    /// pointer with count 0 for an empty array (an empty key or value is not null in Kafka).
    private static func withBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawPointer?, Int) -> R) -> R {
        guard let bytes else { return body(nil, 0) }
        if bytes.isEmpty {
            var zero: UInt8 = 0
            return withUnsafePointer(to: &zero) { body(UnsafeRawPointer($0), 0) }
        }
        return bytes.withUnsafeBytes { body($0.baseAddress, $0.count) }
    }

    public func flush(timeout: Duration) async throws(TransportError) {
        let client = client
        let ms = timeout.clampedMilliseconds
        let err = await blockingExecutor.run { rd_kafka_flush(client.handle, ms) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw .rdKafka(err, "flush: \(registry.inFlight) records still in flight")
        }
    }

    /// Flushes within `timeout` (records still unacknowledged then fail with `closed`), stops
    /// the poll loop and destroys the handle.
    public func shutdown(timeout: Duration) async {
        do {
            try await flush(timeout: timeout)
        } catch {
            logger.info("producer shutdown: flush incomplete", metadata: ["error": "\(error)"])
        }
        guard await pollLoop.stop() else { return }
        let client = client
        await blockingExecutor.run { client.destroy() }
        registry.failAll(TransportError(.closed, "producer shut down before delivery was confirmed"))
    }

    deinit {
        pollLoop.signalStop()
    }

    /// Records given to `send`/`enqueue` (handed to librdkafka, or waiting for room in its queue)
    /// and not yet acknowledged or failed.
    public var inFlight: Int { registry.inFlight }
}
