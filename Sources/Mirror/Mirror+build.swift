import Hummingbird
import Logging
import Metrics
import NIOCore
import PalisadeRuntime
import PalisadeTransport
import ServiceLifecycle

/// The assembled mirror role: its produce pipeline and the routers of its listeners. Tests use
/// the routers and applications directly; `palisade mirror` runs ``application()`` in a
/// `ServiceGroup`.
public struct MirrorRole: Sendable {
    public let configuration: MirrorConfiguration
    /// The buffer-to-producer service; also the readiness check.
    public let pipeline: CapturePipeline
    let metrics: MirrorMetrics
    let prometheus: PalisadeMetrics?
    let logger: Logger

    /// The capture listener's routes: `POST /v1/capture` (bearer token), `/healthz`, `/readyz`,
    /// `/metrics` (when a registry was given).
    public func captureRouter() -> Router<MirrorRequestContext> {
        let router = Router(context: MirrorRequestContext.self)
        router.add(middleware: UnauthorizedCounter(metrics: metrics))
        router.add(
            middleware: BearerTokenMiddleware(tokens: configuration.listener.tokens, open: ["/healthz", "/readyz"]))
        OperationsRoutes.add(to: router, metrics: prometheus, readiness: [pipeline])
        CaptureRoutes(pipeline: pipeline, configuration: configuration, metrics: metrics).add(to: router)
        return router
    }

    /// The raw listener's router: every request (any method, any path) with a valid
    /// `X-Palisade-Token` is a mirrored original.
    public func rawRouter() -> Router<MirrorRequestContext> {
        let router = Router(context: MirrorRequestContext.self)
        router.add(middleware: RawTokenMiddleware(tokens: configuration.rawListener?.tokens ?? [], metrics: metrics))
        router.add(middleware: RawMirrorResponder(pipeline: pipeline, configuration: configuration, metrics: metrics))
        return router
    }

    /// The capture listener, running the pipeline and (when enabled) the raw listener as its
    /// services. Shutdown order: the capture listener stops accepting, then the raw listener,
    /// then the pipeline drains and flushes. `onServerRunning` receives the listening channel
    /// (its local address holds the port when `listen_port` is 0).
    public func application(
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        var services: [any Service] = [pipeline]
        if configuration.rawListener != nil { services.append(try rawApplication(includingPipeline: false)) }
        return Application(
            router: captureRouter(), server: try configuration.listener.serverBuilder(),
            configuration: .init(
                address: .hostname(configuration.listener.host, port: configuration.listener.port), serverName: nil),
            services: services, onServerRunning: onServerRunning, logger: logger)
    }

    /// The raw listener alone (tests), optionally running the pipeline.
    public func rawApplication(includingPipeline: Bool) throws -> some ApplicationProtocol {
        let listener =
            configuration.rawListener ?? ListenerConfiguration(host: "127.0.0.1", port: 0, tokens: [])
        return Application(
            router: rawRouter(), server: try listener.serverBuilder(),
            configuration: .init(address: .hostname(listener.host, port: listener.port), serverName: nil),
            services: includingPipeline ? [pipeline] : [], logger: logger)
    }
}

/// Assembles the mirror over `transport` (STYLE 3: what `palisade mirror` and tests call).
///
/// - Parameters:
///   - metrics: the Prometheus registry served at `/metrics`; its factory receives the mirror's
///     metrics. nil: metrics go to the process's bootstrapped swift-metrics factory, no `/metrics`.
public func buildMirror(
    configuration: MirrorConfiguration, transport: any Transport, logger: Logger, metrics: PalisadeMetrics?
) throws(TransportError) -> MirrorRole {
    let mirrorMetrics = MirrorMetrics(factory: metrics?.makeFactory() ?? MetricsSystem.factory)
    let pipeline = CapturePipeline(
        configuration: configuration, producer: try transport.makeProducer(), metrics: mirrorMetrics, logger: logger)
    return MirrorRole(
        configuration: configuration, pipeline: pipeline, metrics: mirrorMetrics, prometheus: metrics, logger: logger)
}

/// Assembles the mirror from layered settings (``MirrorConfiguration/allDefinitions``).
public func buildMirror(
    settings: Settings, transport: any Transport, logger: Logger, metrics: PalisadeMetrics?
) throws -> MirrorRole {
    try buildMirror(
        configuration: try MirrorConfiguration.from(settings), transport: transport, logger: logger, metrics: metrics)
}
