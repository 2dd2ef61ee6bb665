import PalisadePolicy
import PalisadeRuntime

/// Everything the mirror role is configured with. Units are in the names; defaults are
/// documented in ``definitions`` and docs/MIRROR.md.
public struct MirrorConfiguration: Sendable {
    /// The capture listener (`POST /v1/capture`, probes, metrics).
    public var listener: ListenerConfiguration
    /// The raw mirror listener (nginx `mirror` subrequests); nil = off (the default).
    public var rawListener: ListenerConfiguration?

    /// Largest request body accepted (as sent, compressed or not), in bytes. Larger: 413.
    public var maxBodyBytes = 8 << 20
    /// Largest body after gzip inflation, in bytes. Larger: 413.
    public var maxInflatedBytes = 32 << 20
    /// Longest capture line; a longer line is rejected alone (`line_too_large`).
    public var maxLineBytes = 1 << 20
    /// Time allowed to receive a request body, in ms. Slower: 408.
    public var requestTimeoutMs = 10_000
    /// Errors listed in a response (the rest are only counted).
    public var maxErrorsReported = 10

    /// Records held between HTTP and the producer (queued + being produced).
    public var bufferMaxRecords = 200_000
    /// Bytes (encoded records) held between HTTP and the producer.
    public var bufferMaxBytes = 256 << 20
    /// `Retry-After` of a 503 when the buffer is full, in seconds.
    public var retryAfterSeconds = 1
    /// How often shedding and produce failures are logged at most, in ms.
    public var logIntervalMs = 10_000

    /// Records per produce call.
    public var produceBatchRecords = 2_000
    /// Produce calls in flight at once.
    public var produceConcurrency = 2
    /// First wait before retrying records whose produce failed, in ms (doubles up to 5 s).
    public var produceRetryBackoffMs = 100
    /// On shutdown: time to produce what is buffered, in ms; then the producer flushes.
    public var shutdownDrainTimeoutMs = 15_000
    /// Time allowed for the producer's final flush, in ms.
    public var shutdownFlushTimeoutMs = 10_000

    /// Raw mirror: the header carrying the client address (`X-Forwarded-For`: its first entry).
    public var rawClientIPHeader = "x-forwarded-for"
    /// Raw mirror: peers whose client-address header is believed. Empty = none.
    public var rawTrustedProxies: [CIDR] = []
    /// Raw mirror: the `node` recorded for raw requests.
    public var rawNode = "nginx-mirror"
    /// Raw mirror: request headers never stored (the mirror's own token, hop-by-hop headers).
    public var rawDroppedHeaders: Set<String> = ["x-palisade-token", "connection", "keep-alive", "transfer-encoding"]

    /// Topic name prefix (`acme.` → `acme.palisade.requests`).
    public var topicPrefix = ""

    public init(listener: ListenerConfiguration, rawListener: ListenerConfiguration? = nil) {
        self.listener = listener
        self.rawListener = rawListener
    }

    /// The mirror's settings (listeners, limits, buffer, producer, raw mirror), without the
    /// transport's (see ``TransportSettings/definitions``).
    public static let definitions: [Settings.Definition] =
        ListenerConfiguration.definitions(prefix: "mirror", port: 8470)
        + [
            .init("mirror.max_body_bytes", default: "8388608", "Largest request body, as sent, in bytes (413 above)."),
            .init(
                "mirror.max_inflated_bytes", default: "33554432",
                "Largest body after gzip inflation, in bytes (413 above)."),
            .init(
                "mirror.max_line_bytes", default: "1048576",
                "Longest capture line, in bytes; longer lines are rejected alone."),
            .init("mirror.request_timeout_ms", default: "10000", "Time to receive a request body, in ms (408 after)."),
            .init("mirror.max_errors_reported", default: "10", "Rejected lines listed in a response."),
            .init(
                "mirror.buffer_max_records", default: "200000",
                "Records held between HTTP and the producer; above it requests get 503."),
            .init(
                "mirror.buffer_max_bytes", default: "268435456",
                "Bytes (encoded records) held between HTTP and the producer; above it requests get 503."),
            .init("mirror.retry_after_secs", default: "1", "Retry-After of a 503, in seconds."),
            .init(
                "mirror.log_interval_ms", default: "10000",
                "Shedding and produce failures are logged once per interval, in ms."),
            .init("mirror.produce_batch_records", default: "2000", "Records per produce call."),
            .init("mirror.produce_concurrency", default: "2", "Produce calls in flight at once."),
            .init(
                "mirror.produce_retry_backoff_ms", default: "100",
                "First wait before re-producing records whose produce failed, in ms (doubles up to 5000)."),
            .init(
                "mirror.shutdown_drain_timeout_ms", default: "15000",
                "On shutdown, time to produce what is buffered, in ms."),
            .init("mirror.shutdown_flush_timeout_ms", default: "10000", "Time for the producer's final flush, in ms."),
            .init("mirror.raw.enabled", default: "false", "Run the raw mirror listener (nginx `mirror` subrequests)."),
        ]
        + ListenerConfiguration.definitions(prefix: "mirror.raw", port: 8471)
        + [
            .init(
                "mirror.raw.client_ip_header", default: "x-forwarded-for",
                "Header carrying the client address (first entry), believed only from trusted proxies."),
            .init(
                "mirror.raw.trusted_proxies", default: "",
                "CIDRs of peers whose client_ip_header is believed, comma-separated (e.g. 127.0.0.1/32,10.0.0.0/8)."),
            .init("mirror.raw.node", default: "nginx-mirror", "The `node` recorded for raw mirrored requests."),
        ]

    /// Reads and validates the mirror's settings.
    public static func from(_ settings: Settings) throws(Settings.Error) -> MirrorConfiguration {
        var config = MirrorConfiguration(listener: try ListenerConfiguration.from(settings, prefix: "mirror"))
        if try settings.bool("mirror.raw.enabled") {
            config.rawListener = try ListenerConfiguration.from(settings, prefix: "mirror.raw")
        }
        func int(_ key: String, _ range: ClosedRange<Int>) throws(Settings.Error) -> Int {
            try settings.int(key, range: range)
        }
        config.maxBodyBytes = try int("mirror.max_body_bytes", 1_024...(1 << 30))
        config.maxInflatedBytes = try int("mirror.max_inflated_bytes", 1_024...(4 << 30))
        config.maxLineBytes = try int("mirror.max_line_bytes", 256...(64 << 20))
        config.requestTimeoutMs = try int("mirror.request_timeout_ms", 100...600_000)
        config.maxErrorsReported = try int("mirror.max_errors_reported", 0...1_000)
        config.bufferMaxRecords = try int("mirror.buffer_max_records", 1...100_000_000)
        config.bufferMaxBytes = try int("mirror.buffer_max_bytes", 1_024...(64 << 30))
        config.retryAfterSeconds = try int("mirror.retry_after_secs", 1...3_600)
        config.logIntervalMs = try int("mirror.log_interval_ms", 0...3_600_000)
        config.produceBatchRecords = try int("mirror.produce_batch_records", 1...100_000)
        config.produceConcurrency = try int("mirror.produce_concurrency", 1...64)
        config.produceRetryBackoffMs = try int("mirror.produce_retry_backoff_ms", 1...60_000)
        config.shutdownDrainTimeoutMs = try int("mirror.shutdown_drain_timeout_ms", 0...600_000)
        config.shutdownFlushTimeoutMs = try int("mirror.shutdown_flush_timeout_ms", 0...600_000)
        config.rawClientIPHeader = settings.string("mirror.raw.client_ip_header").lowercased()
        config.rawNode = settings.string("mirror.raw.node")
        config.rawTrustedProxies = []
        for text in settings.list("mirror.raw.trusted_proxies") {
            guard let cidr = CIDR(text) else {
                throw Settings.Error(
                    key: "mirror.raw.trusted_proxies", origin: settings.origin("mirror.raw.trusted_proxies"),
                    reason: "'\(text)' is not an IP address or CIDR")
            }
            config.rawTrustedProxies.append(cidr)
        }
        config.topicPrefix = settings.string("kafka.topic_prefix")
        return config
    }

    /// Every definition the `mirror` role reads: its own plus the transport's.
    public static var allDefinitions: [Settings.Definition] { definitions + TransportSettings.definitions }
}
