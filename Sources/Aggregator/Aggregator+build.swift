import Hummingbird
import Logging
import NIOCore
import PalisadePolicy
import PalisadeRuntime
import PalisadeTransport
import ServiceLifecycle

/// An assembled aggregator: its state, its background services and its HTTP router. Run it with
/// ``application(logger:)`` (the HTTP server runs the services too), or tests drive the parts.
public struct Aggregator {
    public let core: AggregatorCore
    /// Decision publisher, housekeeping, decision import (Kafka), record consumer, policy
    /// reload — in start order.
    public let services: [any Service]
    public let router: Router<BasicRequestContext>
    public let configuration: AggregatorConfiguration

    /// The HTTP server with the background services attached (one `Service` for a ServiceGroup).
    /// `onServerRunning` receives the listening channel (its port when `listen_port` is 0).
    public func application(
        logger: Logger, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        Application(
            router: router, server: try configuration.listener.serverBuilder(),
            configuration: .init(
                address: .hostname(configuration.listener.host, port: configuration.listener.port), serverName: nil),
            services: services, onServerRunning: onServerRunning, logger: logger)
    }
}

/// Builds the aggregator (STYLE 3: what `palisade aggregator` runs and what tests call): opens and
/// migrates SQLite, restores state (decisions in a new epoch), loads the policy, makes the
/// transport clients and wires the services and routes. Topics must exist.
public func buildAggregator(
    configuration: AggregatorConfiguration, transport: any Transport, logger: Logger, metrics: PalisadeMetrics? = nil,
    policy: Policy? = nil, codecs: AggregatorCodecs = AggregatorCodecs(),
    clock: @escaping MillisClock = systemMillisClock, pipelineProbe: PipelineProbe? = nil
) throws -> Aggregator {
    let database = try AggregatorDatabase(path: configuration.databasePath)
    let policy = try policy ?? loadPolicy(path: configuration.policyPath)
    let (doorbell, ring) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    // Several aggregators may share the group (Kafka): state changelog and decisions of the others.
    let shared = configuration.stateChangelog && !(transport is InProcessTransport)
    let core = try AggregatorCore(
        config: configuration, database: database, policy: policy, logger: logger, now: clock(), doorbell: ring,
        republishRestored: !shared)
    let producer = try transport.makeProducer()
    let consumer = try transport.makeGroupConsumer(
        group: configuration.consumerGroup,
        topics: [configuration.topic(.verdicts), configuration.topic(.observations)])
    let baselineReader = try transport.makeCompactedReader(topic: configuration.topic(.baselines))
    let decisionReader = shared ? nil : try transport.makeCompactedReader(topic: configuration.topic(.decisions))

    var consumerService = RecordConsumerService(
        core: core, consumer: consumer, codecs: codecs, config: configuration, clock: clock, logger: logger)
    var services: [any Service] = [
        DecisionPublisherService(
            core: core, producer: producer, reader: decisionReader, doorbell: doorbell, codec: codecs.decisions,
            config: configuration, logger: logger),
        HousekeepingService(
            core: core, producer: producer, baselineReader: baselineReader, codec: codecs.baselines,
            config: configuration, clock: clock, logger: logger),
    ]
    if shared {
        let changelogTopic = configuration.topic(.aggregatorState)
        let decisionsTopic = configuration.topic(.decisions)
        consumerService.handover = .init(
            producer: try transport.makeProducer(),
            makeReader: { try transport.makeCompactedReader(topic: changelogTopic) })
        services.append(
            DecisionImportService(
                core: core, makeReader: { try transport.makeCompactedReader(topic: decisionsTopic) },
                codec: codecs.decisions, config: configuration, clock: clock, logger: logger))
    }
    services.append(consumerService)
    let dashboard = Dashboard(core: core, configuration: configuration, clock: clock, probe: pipelineProbe)
    if configuration.dashboard.enabled { services.append(dashboard.sampler) }
    if configuration.reloadOnSIGHUP {
        services.append(PolicyReloadService(core: core, path: configuration.policyPath, logger: logger))
    }

    let router = Router()
    router.add(middleware: dashboard.exempting(BearerTokenMiddleware(tokens: configuration.listener.tokens)))
    OperationsRoutes.add(to: router, metrics: metrics, readiness: [StorageReadiness(core: core)])
    AggregatorRoutes(core: core, config: configuration, clock: clock).add(to: router)
    dashboard.add(to: router)
    return Aggregator(core: core, services: services, router: router, configuration: configuration)
}

/// Not ready while a SQLite write is failing (nothing is acknowledged meanwhile).
struct StorageReadiness: ReadinessCheck {
    let core: AggregatorCore
    func notReadyReason() async -> String? {
        await core.hasPendingWrite ? "the database refuses writes" : nil
    }
}
