import PalisadeRuntime

/// The dashboard's settings (`aggregator.read_tokens`, `aggregator.dashboard_*`). Operators log in
/// with an API token (`aggregator.tokens`); a read token gives a view-only session.
public struct DashboardConfiguration: Sendable, Equatable {
    /// Serve the dashboard under `/ui/`. Default true.
    public var enabled = true
    /// Tokens that log in read-only (view, never add or lift decisions).
    public var readTokens: [String] = []
    /// A session ends after this long without a request. Default 1,800 s.
    public var sessionIdleSecs = 1_800
    /// A session ends this long after login whatever its use. Default 43,200 s (12 h).
    public var sessionMaxSecs = 43_200
    /// Seconds between automatic refreshes of the overview (the page's JavaScript). Default 10.
    public var refreshSecs = 10

    public init() {}

    public static let definitions: [Settings.Definition] = [
        .init("aggregator.dashboard_enabled", default: "true", "Serve the web dashboard under /ui/."),
        .init(
            "aggregator.read_tokens", default: "",
            "Tokens that log in to the dashboard read-only, comma-separated (never logged).", secret: true),
        .init("aggregator.dashboard_session_idle_secs", default: "1800", "Dashboard session idle timeout, seconds."),
        .init("aggregator.dashboard_session_max_secs", default: "43200", "Dashboard session lifetime, seconds."),
        .init("aggregator.dashboard_refresh_secs", default: "10", "Dashboard auto-refresh period, seconds."),
    ]

    public static func from(_ settings: Settings) throws(Settings.Error) -> DashboardConfiguration {
        var config = DashboardConfiguration()
        config.enabled = try settings.bool("aggregator.dashboard_enabled")
        config.readTokens = settings.list("aggregator.read_tokens")
        config.sessionIdleSecs = try settings.int("aggregator.dashboard_session_idle_secs", range: 60...604_800)
        config.sessionMaxSecs = try settings.int("aggregator.dashboard_session_max_secs", range: 60...2_592_000)
        config.refreshSecs = try settings.int("aggregator.dashboard_refresh_secs", range: 2...3_600)
        return config
    }
}
