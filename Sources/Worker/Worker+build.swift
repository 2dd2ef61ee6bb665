import Hummingbird
import Logging
import PalisadeLearn
import PalisadeRuntime
import PalisadeTransport
import ServiceLifecycle

/// Assembles the worker role over `transport` (what tests and `palisade worker` call; STYLE 3).
/// The returned service runs until graceful shutdown (SIGTERM in a `ServiceGroup`) or `stop()`.
public func buildWorker(
    settings: WorkerSettings, transport: any Transport, logger: Logger, metrics: PalisadeMetrics
) -> WorkerService {
    WorkerService(settings: settings, transport: transport, logger: logger, metrics: metrics)
}

/// What a worker runs per request: the detection core, or — for benchmarks that measure the
/// worker's own cost apart from detection — nothing (no decoding, no detectors: every request
/// gets a clean verdict and an observation without parameters).
@_spi(Benchmarks)
public enum WorkerDetection: Sendable {
    case full
    case skipped
}

/// How a worker writes its verdict and observation records: straight to protobuf wire bytes
/// (`wire`, what production runs) or through the SwiftProtobuf message objects (`messages`, the
/// earlier path; the same bytes) — for benchmarks comparing the two.
@_spi(Benchmarks)
public enum WorkerEncoding: Sendable {
    case wire
    case messages
}

/// ``buildWorker(settings:transport:logger:metrics:)`` with a choice of detection, of the
/// record encoding and of the batches each lane keeps in flight towards the producer (default 16;
/// 1 = wait for each batch's acknowledgements before sending the next) and of how long the
/// poll loop holds off polling before it pauses the consumer (default 1 000 ms; 0 = pause at
/// once, the behaviour before 2026-11-21 17:45) — for benchmarks.
@_spi(Benchmarks)
public func buildWorker(
    settings: WorkerSettings, transport: any Transport, logger: Logger, metrics: PalisadeMetrics,
    detection: WorkerDetection, encoding: WorkerEncoding = .wire, batchesInFlight: Int = 16,
    pauseHoldMs: Int = 1_000
) -> WorkerService {
    WorkerService(
        settings: settings, transport: transport, logger: logger, metrics: metrics, detection: detection,
        encoding: encoding, batchesInFlight: batchesInFlight, pauseHoldMs: pauseHoldMs)
}

/// The worker's operations listener: `/healthz`, `/readyz` (ready once consuming) and
/// `/metrics`, bearer-token protected (health probes open).
public func buildWorkerOperations(
    listener: ListenerConfiguration, worker: WorkerService, metrics: PalisadeMetrics, logger: Logger
) throws -> some Service {
    let router = Router()
    router.add(middleware: BearerTokenMiddleware(tokens: listener.tokens))
    OperationsRoutes.add(to: router, metrics: metrics, readiness: [worker])
    return try listener.application(router: router, logger: logger)
}

/// One scoring task's synchronous work on its own, without Kafka: request bytes in, the records
/// to publish out (what a lane runs per record) — for benchmarks that measure the worker's
/// per-record cost apart from the transport.
@_spi(Benchmarks)
public struct WorkerRecordProcessor: Sendable {
    let processor: RequestProcessor

    public init(settings: WorkerSettings, detection: WorkerDetection, encoding: WorkerEncoding) {
        processor = RequestProcessor(settings: settings, detection: detection, encoding: encoding)
    }

    /// The records published for one `palisade.requests` value.
    public func process(_ value: [UInt8]) -> [OutgoingRecord] {
        let record = ConsumedRecord(
            topic: processor.settings.topic(.requests), partition: 0, offset: 0, key: nil, value: value, timestampMs: 0)
        return processor.process(record, baselines: BaselineSet(), nowMs: 0).outputs
    }
}
