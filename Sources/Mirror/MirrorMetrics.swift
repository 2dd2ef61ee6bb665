import Metrics

/// The mirror's metrics, created once. Labels are bounded: `listener` (capture, raw), `reason`
/// (a fixed set), `outcome` — never a path, an address or a token.
struct MirrorMetrics: Sendable {
    enum Listener: String, CaseIterable, Sendable {
        case capture, raw
    }

    /// Why a record was rejected (a fixed set).
    enum RejectReason: String, CaseIterable, Sendable {
        case invalidJSON = "invalid_json"
        case invalidRecord = "invalid_record"
        case lineTooLarge = "line_too_large"
    }

    /// How a request ended, other than 202.
    enum RequestOutcome: String, CaseIterable, Sendable {
        case accepted, shed, unauthorized
        case tooLarge = "too_large"
        case timeout
        case badRequest = "bad_request"
    }

    /// Why accepted records were dropped (they are not produced).
    enum DropReason: String, CaseIterable, Sendable {
        /// A non-retriable produce error.
        case produceFailed = "produce_failed"
        /// Still buffered when the shutdown deadline passed.
        case shutdown
    }

    let received: [Listener: Counter]
    let accepted: [Listener: Counter]
    let rejected: [RejectReason: Counter]
    let requests: [Listener: [RequestOutcome: Counter]]
    let produced: Counter
    let produceErrors: [Bool: Counter]
    let shedRecords: Counter
    let dropped: [DropReason: Counter]
    let bufferRecords: Gauge
    let bufferBytes: Gauge
    let produceLatency: Metrics.Timer

    init(factory: any MetricsFactory) {
        func byListener(_ label: String) -> [Listener: Counter] {
            Dictionary(
                uniqueKeysWithValues: Listener.allCases.map {
                    ($0, Counter(label: label, dimensions: [("listener", $0.rawValue)], factory: factory))
                })
        }
        received = byListener("palisade_mirror_records_received_total")
        accepted = byListener("palisade_mirror_records_accepted_total")
        rejected = Dictionary(
            uniqueKeysWithValues: RejectReason.allCases.map {
                (
                    $0,
                    Counter(
                        label: "palisade_mirror_records_rejected_total", dimensions: [("reason", $0.rawValue)],
                        factory: factory)
                )
            })
        requests = Dictionary(
            uniqueKeysWithValues: Listener.allCases.map { listener in
                (
                    listener,
                    Dictionary(
                        uniqueKeysWithValues: RequestOutcome.allCases.map {
                            (
                                $0,
                                Counter(
                                    label: "palisade_mirror_requests_total",
                                    dimensions: [("listener", listener.rawValue), ("outcome", $0.rawValue)],
                                    factory: factory)
                            )
                        })
                )
            })
        produced = Counter(label: "palisade_mirror_records_produced_total", factory: factory)
        produceErrors = [
            true: Counter(
                label: "palisade_mirror_produce_errors_total", dimensions: [("retriable", "true")], factory: factory),
            false: Counter(
                label: "palisade_mirror_produce_errors_total", dimensions: [("retriable", "false")], factory: factory),
        ]
        shedRecords = Counter(label: "palisade_mirror_records_shed_total", factory: factory)
        dropped = Dictionary(
            uniqueKeysWithValues: DropReason.allCases.map {
                (
                    $0,
                    Counter(
                        label: "palisade_mirror_records_dropped_total", dimensions: [("reason", $0.rawValue)],
                        factory: factory)
                )
            })
        bufferRecords = Gauge(label: "palisade_mirror_buffer_records", factory: factory)
        bufferBytes = Gauge(label: "palisade_mirror_buffer_bytes", factory: factory)
        produceLatency = Metrics.Timer(label: "palisade_mirror_produce_duration_seconds", factory: factory)
    }

    func request(_ listener: Listener, _ outcome: RequestOutcome) {
        requests[listener]?[outcome]?.increment()
    }
}
