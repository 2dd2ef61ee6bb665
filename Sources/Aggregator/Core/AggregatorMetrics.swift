import Metrics

/// The aggregator's metrics (STYLE 13): created once, bounded labels.
struct AggregatorMetrics: Sendable {
    let verdicts = Counter(label: "palisade_aggregator_received_total", dimensions: [("topic", "verdicts")])
    let observations = Counter(label: "palisade_aggregator_received_total", dimensions: [("topic", "observations")])
    let duplicates = Counter(label: "palisade_aggregator_duplicates_total")
    let malformed = Counter(label: "palisade_aggregator_malformed_total")
    let writeErrors = Counter(label: "palisade_aggregator_errors_total", dimensions: [("stage", "sqlite")])
    let publishErrors = Counter(label: "palisade_aggregator_errors_total", dimensions: [("stage", "publish")])
    let decisionsPublished = Counter(label: "palisade_aggregator_sent_total", dimensions: [("topic", "decisions")])
    let baselinesPublished = Counter(label: "palisade_aggregator_sent_total", dimensions: [("topic", "baselines")])
    let pollAnswers = Counter(label: "palisade_aggregator_long_polls_total")
    let pollRejected = Counter(label: "palisade_aggregator_long_polls_rejected_total")
}
