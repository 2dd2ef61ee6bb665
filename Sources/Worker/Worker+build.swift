import Hummingbird
import Logging
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
