import Metrics
import Prometheus

/// The process's metrics: swift-metrics bootstrapped onto a Prometheus registry, rendered at
/// `/metrics`. Labels stay bounded (topic, detector, class, reason — never a path or an IP).
public final class PalisadeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init() {
        self.registry = PrometheusCollectorRegistry()
    }

    /// Makes swift-metrics (`Counter`, `Timer`, `Gauge`, `Recorder`) report into this registry.
    /// Call once per process, from the executable.
    public func bootstrap() {
        MetricsSystem.bootstrap(makeFactory())
    }

    /// A swift-metrics factory reporting into this registry, for components that take their
    /// factory explicitly (tests run several in one process without the global bootstrap).
    public func makeFactory() -> any MetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(10), .microseconds(50), .microseconds(100), .microseconds(500), .milliseconds(1),
            .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(500),
            .seconds(1), .seconds(5),
        ]
        return factory
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
