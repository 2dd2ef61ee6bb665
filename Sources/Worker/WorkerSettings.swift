import Foundation
import PalisadeDetect
import PalisadeRuntime
import PalisadeTransport

/// Everything the worker role is configured with (docs/WORKER.md lists every key, its default and
/// unit). Built from layered `Settings` by ``WorkerSettings/from(_:)`` or directly in tests.
public struct WorkerSettings: Sendable {
    /// How many verdicts of clean requests (no hit at all) are published.
    public enum CleanVerdicts: String, Sendable, CaseIterable {
        /// Every request gets a verdict (the default: behaviour detection needs clean traffic).
        case all
        /// A deterministic sample by request id (`clean_verdict_sample_rate`), so a redelivered
        /// record makes the same choice.
        case sampled
        /// Only requests with hits get a verdict.
        case none
    }

    /// What `Verdict.client` (and the verdict's Kafka key) is.
    public enum ClientKey: String, Sendable, CaseIterable {
        /// The client IP.
        case ip
        /// `api_key:<hash>` when the request carried an API key, else the IP.
        case apiKey = "api_key"
        /// `jwt_sub:<sub>` when the request carried a bearer JWT, else the IP.
        case jwtSub = "jwt_sub"
        /// The most specific identity carried: JWT subject, then API key, then IP.
        case identity
    }

    /// Consumer group of `palisade.requests`. Default `palisade-workers`.
    public var group = "palisade-workers"
    /// Topic name prefix (`acme.` → `acme.palisade.requests`): the transport's `kafka.topic_prefix`.
    /// Default empty.
    public var topicPrefix = ""
    /// Scoring tasks (lanes); partitions are spread over them, each partition in order.
    /// Default: the number of active cores.
    public var scoringTasks = ProcessInfo.processInfo.activeProcessorCount
    /// Records per consumer poll. Default 500.
    public var pollMaxRecords = 500
    /// Poll wait. Default 100 ms.
    public var pollTimeoutMs = 100
    /// Records taken from Kafka but not yet acknowledged at which the consumer pauses; it resumes
    /// under half of it. Default 20 000.
    public var maxInFlight = 20_000
    /// Time allowed on shutdown to finish records in flight; below the group session timeout so
    /// the group does not wait on a member that is leaving. Default 5 000 ms.
    public var drainTimeoutMs = 5_000
    /// Backoff between retries of outputs the producer could not deliver, doubling up to the
    /// maximum. Defaults 100 ms, 5 000 ms.
    public var retryBackoffMs = 100
    public var retryBackoffMaxMs = 5_000
    /// Clean-traffic verdict volume. Default `all`.
    public var cleanVerdicts = CleanVerdicts.all
    /// Share of clean verdicts kept when `cleanVerdicts == .sampled`, 0…1. Default 0.01.
    public var cleanVerdictSampleRate = 0.01
    /// Verdict key. Default `ip`.
    public var clientKey = ClientKey.ip
    /// Headers whose value is an API key (lower case). Default `apikey, x-api-key` (Kong's
    /// key-auth defaults, the same as the gateway plugin's `api_key_headers`).
    public var apiKeyHeaders = ["apikey", "x-api-key"]
    /// Query parameters whose value is an API key. Default `apikey, api_key`.
    public var apiKeyQueryParameters = ["apikey", "api_key"]
    /// Headers copied to `Verdict.identity_headers` (for `header` decisions). Default none.
    public var identityHeaders: [String] = []
    /// Body fields of login requests that hold the username (for credential-stuffing detection).
    public var usernameFields = ["username", "user", "user_name", "login", "email", "userid", "user_id"]
    /// Detection sensitivity (`low | default | high`), also for baseline scoring. Default `default`.
    public var sensitivity = Sensitivity.default
    /// Slots of each scoring task's memo of value-detector results (`DetectionMemo`, docs/DETECTION.md,
    /// "Repeated values") and of its cache of value shapes (`ValueShapeCache`, docs/LEARNING.md);
    /// 0 turns both off. Default 4096.
    public var detectionMemoEntries = DetectionMemo.defaultCapacity
    /// Score requests against the baselines on `palisade.baselines`. Default true.
    public var baselinesEnabled = true
    /// How long the start-up read of `palisade.baselines` may take before the worker starts
    /// scoring without them (and keeps trying). Default 30 000 ms.
    public var baselineCatchUpTimeoutMs = 30_000
    /// Bytes of the original value kept in a dead letter. Default 1 048 576.
    public var deadLetterMaxBytes = 1 << 20
    /// Producer shutdown flush. Default 10 000 ms.
    public var producerFlushTimeoutMs = 10_000

    public init() {}

    public func topic(_ topic: PalisadeTopic) -> String { topic.name(prefix: topicPrefix) }
}

extension WorkerSettings {
    /// Every key the `palisade worker` role reads: its own, its operations listener's and the
    /// shared transport's (`TransportSettings`).
    public static var allDefinitions: [Settings.Definition] {
        definitions + ListenerConfiguration.definitions(prefix: "worker", port: 9102) + TransportSettings.definitions
    }

    /// Checks the worker's settings against the transport's: on Kafka the shutdown drain must end
    /// before the group session times out, or the group waits on a member that is leaving.
    public func validate(against transport: TransportSettings, _ settings: Settings) throws(WorkerConfigurationError) {
        guard let kafka = transport.kafka, drainTimeoutMs >= kafka.consumer.sessionTimeoutMs else { return }
        throw WorkerConfigurationError(
            key: "worker.drain_timeout_ms", origin: settings.origin("worker.drain_timeout_ms"),
            reason: "must be shorter than kafka.session_timeout_ms (\(kafka.consumer.sessionTimeoutMs))")
    }

    /// The documented keys of the worker role (besides the listener's and the transport's).
    public static let definitions: [Settings.Definition] = {
        let d = WorkerSettings()
        return [
            .init("worker.group", default: d.group, "Consumer group of palisade.requests."),
            .init(
                "worker.scoring_tasks", default: "0",
                "Scoring tasks; partitions are spread over them, each in order. 0 = the number of cores."),
            .init("worker.poll_max_records", default: String(d.pollMaxRecords), "Records per consumer poll."),
            .init("worker.poll_timeout_ms", default: String(d.pollTimeoutMs), "Poll wait, milliseconds."),
            .init(
                "worker.max_in_flight", default: String(d.maxInFlight),
                "Unacknowledged records at which consumption pauses (resumes under half)."),
            .init(
                "worker.drain_timeout_ms", default: String(d.drainTimeoutMs),
                "Time to finish in-flight records on shutdown; keep below the session timeout."),
            .init("worker.retry_backoff_ms", default: String(d.retryBackoffMs), "First retry delay of failed outputs."),
            .init(
                "worker.retry_backoff_max_ms", default: String(d.retryBackoffMaxMs),
                "Largest retry delay of failed outputs."
            ),
            .init(
                "worker.clean_verdicts", default: d.cleanVerdicts.rawValue,
                "Verdicts of clean requests: all | sampled | none."),
            .init(
                "worker.clean_verdict_sample_rate", default: String(d.cleanVerdictSampleRate),
                "Share of clean verdicts kept when clean_verdicts = sampled (0…1)."),
            .init(
                "worker.client_key", default: d.clientKey.rawValue, "Verdict key: ip | api_key | jwt_sub | identity."),
            .init(
                "worker.api_key_headers", default: d.apiKeyHeaders.joined(separator: ","), "Headers holding API keys."),
            .init(
                "worker.api_key_query_params", default: d.apiKeyQueryParameters.joined(separator: ","),
                "Query parameters holding API keys."),
            .init("worker.identity_headers", default: "", "Headers copied into verdicts for header decisions."),
            .init(
                "worker.username_fields", default: d.usernameFields.joined(separator: ","),
                "Login body fields holding the username."),
            .init(
                "worker.sensitivity", default: d.sensitivity.rawValue, "Detection sensitivity: low | default | high."),
            .init(
                "worker.detection_memo_entries", default: String(d.detectionMemoEntries),
                "Recent values whose detection result each scoring task remembers; 0 = off."),
            .init("worker.baselines_enabled", default: "true", "Score against baselines from palisade.baselines."),
            .init(
                "worker.baseline_catch_up_timeout_ms", default: String(d.baselineCatchUpTimeoutMs),
                "Start-up read of palisade.baselines, milliseconds."),
            .init(
                "worker.dead_letter_max_bytes", default: String(d.deadLetterMaxBytes),
                "Bytes of the original value kept in a dead letter."),
            .init(
                "worker.producer_flush_timeout_ms", default: String(d.producerFlushTimeoutMs),
                "Producer flush on shutdown, milliseconds."),
        ]
    }()

    /// Reads the `worker.*` keys. Errors name the key and where its value came from
    /// (`Settings.Error` or ``WorkerConfigurationError``).
    public static func from(_ settings: Settings) throws -> WorkerSettings {
        var s = WorkerSettings()
        s.group = settings.string("worker.group")
        s.topicPrefix = settings.string("kafka.topic_prefix")
        let tasks = try settings.int("worker.scoring_tasks", range: 0...256)
        s.scoringTasks = tasks == 0 ? ProcessInfo.processInfo.activeProcessorCount : tasks
        s.pollMaxRecords = try settings.int("worker.poll_max_records", range: 1...100_000)
        s.pollTimeoutMs = try settings.int("worker.poll_timeout_ms", range: 1...10_000)
        s.maxInFlight = try settings.int("worker.max_in_flight", range: 1...10_000_000)
        s.drainTimeoutMs = try settings.int("worker.drain_timeout_ms", range: 0...600_000)
        s.retryBackoffMs = try settings.int("worker.retry_backoff_ms", range: 1...60_000)
        s.retryBackoffMaxMs = try settings.int("worker.retry_backoff_max_ms", range: 1...600_000)
        s.cleanVerdicts = try enumValue("worker.clean_verdicts", settings)
        let rate = settings.string("worker.clean_verdict_sample_rate")
        guard let r = Double(rate), r >= 0, r <= 1 else {
            throw WorkerConfigurationError(
                key: "worker.clean_verdict_sample_rate", origin: settings.origin("worker.clean_verdict_sample_rate"),
                reason: "expected a number between 0 and 1, got '\(rate)'")
        }
        s.cleanVerdictSampleRate = r
        s.clientKey = try enumValue("worker.client_key", settings)
        s.apiKeyHeaders = settings.list("worker.api_key_headers").map { $0.lowercased() }
        s.apiKeyQueryParameters = settings.list("worker.api_key_query_params")
        s.identityHeaders = settings.list("worker.identity_headers").map { $0.lowercased() }
        s.usernameFields = settings.list("worker.username_fields").map { $0.lowercased() }
        s.sensitivity = try enumValue("worker.sensitivity", settings)
        s.detectionMemoEntries = try settings.int("worker.detection_memo_entries", range: 0...(1 << 20))
        s.baselinesEnabled = try settings.bool("worker.baselines_enabled")
        s.baselineCatchUpTimeoutMs = try settings.int("worker.baseline_catch_up_timeout_ms", range: 0...3_600_000)
        s.deadLetterMaxBytes = try settings.int("worker.dead_letter_max_bytes", range: 0...(64 << 20))
        s.producerFlushTimeoutMs = try settings.int("worker.producer_flush_timeout_ms", range: 0...600_000)
        return s
    }

    private static func enumValue<E: RawRepresentable & CaseIterable>(_ key: String, _ settings: Settings)
        throws(WorkerConfigurationError) -> E where E.RawValue == String
    {
        let raw = settings.string(key)
        guard let value = E(rawValue: raw) else {
            throw WorkerConfigurationError(
                key: key, origin: settings.origin(key),
                reason: "expected one of \(E.allCases.map(\.rawValue).joined(separator: " | ")), got '\(raw)'")
        }
        return value
    }
}

/// A configuration value the worker cannot use, naming the key and where the value came from.
public struct WorkerConfigurationError: Error, Sendable, CustomStringConvertible {
    public var key: String
    public var origin: Settings.Origin
    public var reason: String

    public init(key: String, origin: Settings.Origin, reason: String) {
        self.key = key
        self.origin = origin
        self.reason = reason
    }

    public var description: String { "\(key) (from \(origin)): \(reason)" }
}
