import PalisadeDetect
import PalisadeRuntime
import Prometheus
import Synchronization

/// The worker's metrics, registered once on the process's registry. Labels are bounded: topic,
/// attack class, outcome — never a path, an IP or a key.
final class WorkerMetrics: Sendable {
    let consumed: CountedCounter
    let scored: CountedCounter
    let deadLettered: CountedCounter
    let verdictsPublished: CountedCounter
    let verdictsSkipped: CountedCounter
    let attacks: CountedCounter
    let baselineHits: CountedCounter
    let produced: [String: Counter]
    let produceErrors: CountedCounter
    let produceRetries: CountedCounter
    let acknowledged: CountedCounter
    let acknowledgeFailed: CountedCounter
    let revokedDropped: CountedCounter
    let pauses: CountedCounter
    let consumerPauses: CountedCounter
    let inFlight: Gauge
    let paused: Gauge
    let consumerPaused: Gauge
    let lag: Gauge
    let consumerLag: Gauge
    let assignedPartitions: Gauge
    let baselines: Gauge
    let baselineUpdates: CountedCounter
    let baselineErrors: CountedCounter
    let scoringLatency: DurationHistogram
    private let byClass: [AttackClass: Counter]

    init(registry: PrometheusCollectorRegistry, topics: [String]) {
        consumed = CountedCounter(
            registry, name: "palisade_worker_consumed_total", help: "Records taken from palisade.requests.")
        scored = CountedCounter(registry, name: "palisade_worker_scored_total", help: "Requests decoded and scored.")
        deadLettered = CountedCounter(
            registry, name: "palisade_worker_dead_lettered_total",
            help: "Records that could not be decoded, sent to the dead-letter topic.")
        verdictsPublished = CountedCounter(
            registry, name: "palisade_worker_verdicts_total", labels: [("published", "true")],
            help: "Verdicts by whether they were published (clean verdicts may be sampled out).")
        verdictsSkipped = CountedCounter(
            registry, name: "palisade_worker_verdicts_total", labels: [("published", "false")],
            help: "Verdicts by whether they were published (clean verdicts may be sampled out).")
        attacks = CountedCounter(
            registry, name: "palisade_worker_attacks_total", help: "Requests whose verdict is an attack.")
        baselineHits = CountedCounter(
            registry, name: "palisade_worker_baseline_hits_total", help: "schema_anomaly hits from endpoint baselines.")
        var produced: [String: Counter] = [:]
        for topic in topics {
            produced[topic] = registry.counter(
                name: "palisade_worker_produced_total", labels: [("topic", topic)],
                help: "Records acknowledged by the producer, by topic.")
        }
        self.produced = produced
        produceErrors = CountedCounter(
            registry, name: "palisade_worker_produce_errors_total",
            help: "Outputs the producer failed to deliver (each is retried).")
        produceRetries = CountedCounter(
            registry, name: "palisade_worker_produce_retries_total", help: "Retry rounds of failed outputs.")
        acknowledged = CountedCounter(
            registry, name: "palisade_worker_acknowledged_total",
            help: "Input records acknowledged after their outputs were.")
        acknowledgeFailed = CountedCounter(
            registry, name: "palisade_worker_acknowledge_failed_total",
            help: "Acknowledgements refused (the partition moved away; the record is redelivered elsewhere).")
        revokedDropped = CountedCounter(
            registry, name: "palisade_worker_revoked_dropped_total",
            help: "Queued records of revoked partitions not processed here (redelivered to the new owner).")
        pauses = CountedCounter(
            registry, name: "palisade_worker_pauses_total",
            help: "Times the in-flight limit stopped consumption (a hold of polling; some end in a consumer pause).")
        consumerPauses = CountedCounter(
            registry, name: "palisade_worker_consumer_pauses_total",
            help: "Times the consumer's partitions were paused: the records in flight stayed high past the hold.")
        inFlight = registry.gauge(
            name: "palisade_worker_in_flight", help: "Records taken from Kafka and not yet acknowledged.")
        paused = registry.gauge(
            name: "palisade_worker_paused", help: "1 while consumption is stopped (holding or consumer paused).")
        consumerPaused = registry.gauge(
            name: "palisade_worker_consumer_paused", help: "1 while the consumer's partitions are paused.")
        lag = registry.gauge(
            name: "palisade_worker_consumer_lag_ms",
            help: "Age of the newest record consumed (now - record timestamp), milliseconds; a lag proxy.")
        consumerLag = registry.gauge(
            name: "palisade_worker_consumer_lag",
            help:
                "Records of the assigned partitions not yet processed: high watermark - acknowledged position, summed.")
        assignedPartitions = registry.gauge(
            name: "palisade_worker_assigned_partitions",
            help: "Partitions of palisade.requests assigned to this worker.")
        baselines = registry.gauge(name: "palisade_worker_baselines", help: "Endpoint baselines held.")
        baselineUpdates = CountedCounter(
            registry, name: "palisade_worker_baseline_updates_total",
            help: "Baseline records applied (including tombstones).")
        baselineErrors = CountedCounter(
            registry, name: "palisade_worker_baseline_errors_total", help: "Baseline records that could not be read.")
        scoringLatency = registry.durationHistogram(
            name: "palisade_worker_scoring_seconds",
            buckets: [
                .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250),
                .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
            ], help: "Decode + score time per request.")
        var byClass: [AttackClass: Counter] = [:]
        for attackClass in AttackClass.allCases {
            byClass[attackClass] = registry.counter(
                name: "palisade_worker_hits_by_class_total", labels: [("class", attackClass.rawValue)],
                help: "Requests with at least one hit of a class.")
        }
        self.byClass = byClass
    }

    func hit(_ attackClass: AttackClass) {
        byClass[attackClass]?.increment()
    }
}

/// A Prometheus counter that also keeps its value readable (tests, benchmarks, shutdown logs).
final class CountedCounter: Sendable {
    private let counter: Counter
    private let count = Atomic<Int64>(0)

    init(_ registry: PrometheusCollectorRegistry, name: String, labels: [(String, String)] = [], help: String) {
        counter = registry.counter(name: name, labels: labels, help: help)
    }

    func increment(by amount: Int64 = 1) {
        counter.increment(by: amount)
        count.add(amount, ordering: .relaxed)
    }

    var value: Int64 { count.load(ordering: .relaxed) }
}

extension PrometheusCollectorRegistry {
    fileprivate func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    fileprivate func counter(name: String, labels: [(String, String)] = [], help: String) -> Counter {
        makeCounter(descriptor: descriptor(name, help), labels: labels)
    }

    fileprivate func gauge(name: String, help: String) -> Gauge {
        makeGauge(descriptor: descriptor(name, help))
    }

    fileprivate func durationHistogram(name: String, buckets: [Duration], help: String) -> DurationHistogram {
        makeDurationHistogram(descriptor: descriptor(name, help), buckets: buckets)
    }
}
