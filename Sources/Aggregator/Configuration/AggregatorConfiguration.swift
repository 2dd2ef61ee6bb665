import PalisadeRuntime
import PalisadeTransport

/// The aggregator's configuration (STYLE 11): documented defaults, units in the names. Built from
/// layered `Settings` (`aggregator.*` keys) by ``from(_:)``, or directly by tests.
public struct AggregatorConfiguration: Sendable {
    /// The HTTP API listener (`aggregator.listen_host`, `.listen_port`, `.tokens`, TLS files).
    public var listener: ListenerConfiguration
    /// SQLite database file. Default `palisade-aggregator.sqlite`.
    public var databasePath: String
    /// Policy YAML file; empty = the built-in default policy.
    public var policyPath: String?
    /// Prefix of the topic names (`acme.` → `acme.palisade.verdicts`): the transport's
    /// `kafka.topic_prefix`.
    public var topicPrefix: String = ""
    /// Consumer group of the verdict and observation consumers.
    public var consumerGroup: String = "palisade-aggregators"
    /// Records per poll. Default 500.
    public var pollMaxRecords: Int = 500
    /// Poll wait. Default 200 ms.
    public var pollTimeoutMs: Int = 200
    /// Request ids remembered per kind (verdict, observation) for de-duplication. Default 1,000,000.
    public var dedupWindowSize: Int = 1_000_000
    /// Stored attacks kept at most (oldest dropped first). Default 1,000,000.
    public var attackRetentionCount: Int = 1_000_000
    /// Stored attacks older than this are dropped. Default 30 days.
    public var attackRetentionHours: Int = 720
    /// Recent verdicts kept in memory for `GET /v1/verdicts/{id}` (attacks are also in SQLite).
    public var recentVerdicts: Int = 10_000
    /// Housekeeping period: expiry sweep, retention, baseline publication. Default 1,000 ms.
    public var tickIntervalMs: Int = 1_000
    /// Longest time observations wait before the catalog snapshot that holds them is written
    /// (and they are acknowledged). Only the host+method trees that changed are rewritten, but a
    /// tree of 1,000 endpoints × 20 parameters is ~10 MiB (BENCHMARKS.md), so this trades write
    /// volume for redelivery after a crash. Default 10,000 ms.
    public var catalogFlushIntervalMs: Int = 10_000
    /// Observations learned before the catalog snapshot is written regardless of time. Keep it below the in-process transport's uncommitted records per partition × partitions (10,000 × 4 in `palisade up`), or producers wait for the snapshot. Default 20,000.
    public var catalogFlushObservations: Int = 20_000
    /// Longest time behaviour events stay only in the journal before a snapshot of the windows is
    /// written (the journal is then emptied). Bounds the replay at the next start. Default 10,000 ms.
    public var behaviourSnapshotIntervalMs: Int = 10_000
    /// Journaled behaviour events after which the snapshot is written regardless of time. Default 50,000.
    public var behaviourSnapshotEvents: Int = 50_000
    /// Several aggregators share the group (Kafka): write the state changelog
    /// (`palisade.aggregator-state`) with every verdict batch, take over a partition's behaviour
    /// state from it when the partition is assigned, and merge the decisions other aggregators
    /// publish. Always off on the in-process transport (one aggregator). Default true.
    public var stateChangelog: Bool = true
    /// How far back the changelog keeps a partition's behaviour events: at least the longest
    /// behaviour window plus its cooldown (credential stuffing: 600 + 600 s by default). Default
    /// 1,800 s.
    public var stateChangelogSpanSecs: Int = 1_800
    /// Longest wait for reading the changelog when a partition is assigned (three attempts).
    /// Default 30,000 ms.
    public var stateRestoreTimeoutMs: Int = 30_000
    /// Longest `wait` a long-poll is granted. Default 30 s.
    public var maxPollWaitSecs: Int = 30
    /// Parked long-polls at most (more get 503). Default 1,024.
    public var maxPollWaiters: Int = 1_024
    /// Page size limit of list endpoints. Default 1,000.
    public var maxPageSize: Int = 1_000
    /// Largest request body accepted (spec uploads). Default 8 MiB.
    public var maxRequestBodyBytes: Int = 8 << 20
    /// Requests an endpoint needs before its baseline enforces. Default 200.
    public var baselineMinRequests: Int = 200
    /// Minimum time between two publications of one endpoint's baseline. Default 60 s.
    public var baselineMinIntervalMs: Int = 60_000
    /// Node name reported by `/v1/status`.
    public var nodeName: String = "aggregator"
    /// Reload the policy file on SIGHUP.
    public var reloadOnSIGHUP: Bool = true
    /// The web dashboard (`aggregator.read_tokens`, `aggregator.dashboard_*`).
    public var dashboard = DashboardConfiguration()

    public init(listener: ListenerConfiguration, databasePath: String, policyPath: String? = nil) {
        self.listener = listener
        self.databasePath = databasePath
        self.policyPath = policyPath
    }

    /// Every `aggregator.*` setting with its default and meaning.
    public static let definitions: [Settings.Definition] =
        ListenerConfiguration.definitions(prefix: "aggregator", port: 8082) + [
            .init("aggregator.database_path", default: "palisade-aggregator.sqlite", "SQLite database file."),
            .init("aggregator.policy_file", default: "", "Policy YAML (docs/POLICY.md); empty = built-in default."),
            .init(
                "aggregator.consumer_group", default: "palisade-aggregators",
                "Consumer group for verdicts and observations."),
            .init("aggregator.poll_max_records", default: "500", "Records per consumer poll."),
            .init("aggregator.poll_timeout_ms", default: "200", "Consumer poll wait, milliseconds."),
            .init(
                "aggregator.dedup_window_size", default: "1000000",
                "Request ids remembered per kind for de-duplication."),
            .init("aggregator.attack_retention_count", default: "1000000", "Stored attacks kept at most."),
            .init("aggregator.attack_retention_hours", default: "720", "Stored attacks older than this are dropped."),
            .init(
                "aggregator.recent_verdicts", default: "10000", "Recent verdicts kept in memory for /v1/verdicts/{id}."),
            .init(
                "aggregator.tick_interval_ms", default: "1000",
                "Expiry sweep / retention / baseline period, milliseconds."),
            .init(
                "aggregator.catalog_flush_interval_ms", default: "10000",
                "Longest delay before learned observations are persisted and acknowledged."),
            .init(
                "aggregator.catalog_flush_observations", default: "20000", "Observations per catalog snapshot at most."),
            .init(
                "aggregator.behaviour_snapshot_interval_ms", default: "10000",
                "Longest delay before the behaviour windows are snapshotted (bounds the journal replayed at start)."),
            .init(
                "aggregator.behaviour_snapshot_events", default: "50000",
                "Journaled behaviour events after which the windows are snapshotted."),
            .init(
                "aggregator.state_changelog", default: "true",
                "Kafka: share state with the other aggregators of the group (changelog topic, decisions)."),
            .init(
                "aggregator.state_changelog_span_secs", default: "1800",
                "Behaviour events kept on the changelog per partition, seconds (>= longest window + cooldown)."),
            .init(
                "aggregator.state_restore_timeout_ms", default: "30000",
                "Longest wait reading the changelog when a partition is assigned, milliseconds."),
            .init("aggregator.max_poll_wait_secs", default: "30", "Longest long-poll wait granted, seconds."),
            .init("aggregator.max_poll_waiters", default: "1024", "Parked long-polls at most (more get 503)."),
            .init(
                "aggregator.baseline_min_requests", default: "200", "Requests before an endpoint's baseline enforces."),
            .init(
                "aggregator.baseline_min_interval_ms", default: "60000",
                "Minimum time between publications of one baseline."),
            .init("aggregator.node_name", default: "aggregator", "Node name reported by /v1/status."),
            .init("aggregator.reload_on_sighup", default: "true", "Reload the policy file on SIGHUP."),
        ] + DashboardConfiguration.definitions

    /// Every key the `palisade aggregator` role reads: its own and the shared transport's.
    public static var allDefinitions: [Settings.Definition] { definitions + TransportSettings.definitions }

    /// Reads the `aggregator.*` settings (and `kafka.topic_prefix`).
    public static func from(_ settings: Settings) throws(Settings.Error) -> AggregatorConfiguration {
        var config = AggregatorConfiguration(
            listener: try ListenerConfiguration.from(settings, prefix: "aggregator"),
            databasePath: settings.string("aggregator.database_path"),
            policyPath: settings.optionalString("aggregator.policy_file"))
        config.topicPrefix = settings.string("kafka.topic_prefix")
        config.consumerGroup = settings.string("aggregator.consumer_group")
        config.pollMaxRecords = try settings.int("aggregator.poll_max_records", range: 1...100_000)
        config.pollTimeoutMs = try settings.int("aggregator.poll_timeout_ms", range: 1...60_000)
        config.dedupWindowSize = try settings.int("aggregator.dedup_window_size", range: 1_000...100_000_000)
        config.attackRetentionCount = try settings.int("aggregator.attack_retention_count", range: 1...1_000_000_000)
        config.attackRetentionHours = try settings.int("aggregator.attack_retention_hours", range: 1...87_600)
        config.recentVerdicts = try settings.int("aggregator.recent_verdicts", range: 0...10_000_000)
        config.tickIntervalMs = try settings.int("aggregator.tick_interval_ms", range: 10...600_000)
        config.catalogFlushIntervalMs = try settings.int("aggregator.catalog_flush_interval_ms", range: 10...600_000)
        config.catalogFlushObservations = try settings.int(
            "aggregator.catalog_flush_observations", range: 1...10_000_000)
        config.behaviourSnapshotIntervalMs = try settings.int(
            "aggregator.behaviour_snapshot_interval_ms", range: 10...3_600_000)
        config.behaviourSnapshotEvents = try settings.int(
            "aggregator.behaviour_snapshot_events", range: 1...100_000_000)
        config.stateChangelog = try settings.bool("aggregator.state_changelog")
        config.stateChangelogSpanSecs = try settings.int("aggregator.state_changelog_span_secs", range: 60...604_800)
        config.stateRestoreTimeoutMs = try settings.int("aggregator.state_restore_timeout_ms", range: 100...600_000)
        config.maxPollWaitSecs = try settings.int("aggregator.max_poll_wait_secs", range: 1...300)
        config.maxPollWaiters = try settings.int("aggregator.max_poll_waiters", range: 1...1_000_000)
        config.baselineMinRequests = try settings.int("aggregator.baseline_min_requests", range: 1...100_000_000)
        config.baselineMinIntervalMs = try settings.int("aggregator.baseline_min_interval_ms", range: 0...86_400_000)
        config.nodeName = settings.string("aggregator.node_name")
        config.reloadOnSIGHUP = try settings.bool("aggregator.reload_on_sighup")
        config.dashboard = try DashboardConfiguration.from(settings)
        return config
    }

    func topic(_ topic: PalisadeTopic) -> String { topic.name(prefix: topicPrefix) }
}
