/// Decides which baselines the aggregator publishes on `palisade.baselines` and when (STYLE 8:
/// a value-type state machine whose transitions return actions; the caller produces them).
///
/// An endpoint's baseline is published when it first appears, at once when its state changes
/// (learning → enforcing), and otherwise when it has grown by `minGrowth` since the last publication
/// and `minIntervalMs` passed, or when `maxIntervalMs` passed with any new samples. Endpoints that
/// disappear from the catalog (folded into a parameter, or a removed override) get a tombstone.
/// Versions continue across restarts when the state is restored from the compacted topic.
public struct BaselinePublisher: Sendable {
    public struct Config: Sendable, Equatable {
        public var minIntervalMs: Int64 = 60_000
        public var maxIntervalMs: Int64 = 3_600_000
        /// Relative sample growth that justifies a new version (0.2 = 20 % more requests).
        public var minGrowth: Double = 0.2
        public init() {}
    }

    public enum Action: Sendable, Equatable {
        case publish(EndpointBaseline)
        /// Produce a tombstone (null value) for this key.
        case tombstone(EndpointKey)
    }

    struct Published: Sendable, Equatable {
        var baseline: EndpointBaseline
        var at: Int64
    }

    public var config: Config
    public var builder: BaselineBuilder
    private(set) var published: [EndpointKey: Published] = [:]

    public init(config: Config = Config(), builder: BaselineBuilder = BaselineBuilder()) {
        self.config = config
        self.builder = builder
    }

    /// Restores what the compacted topic holds (after a restart), so versions keep increasing.
    public mutating func restore(_ baselines: [EndpointBaseline]) {
        for b in baselines {
            if let current = published[b.endpoint], current.baseline.version >= b.version { continue }
            published[b.endpoint] = Published(baseline: b, at: b.updatedAt)
        }
    }

    /// The last published baseline of an endpoint.
    public func lastPublished(_ key: EndpointKey) -> EndpointBaseline? { published[key]?.baseline }

    /// Compares the catalog with what was published and returns what to produce now.
    public mutating func tick(catalog: EndpointCatalog, now: Int64) -> [Action] {
        var actions: [Action] = []
        var present: Set<EndpointKey> = []
        for endpoint in catalog.endpoints() {
            present.insert(endpoint.key)
            let previous = published[endpoint.key]
            let samples = endpoint.stats.requests
            if let previous {
                let old = previous.baseline
                guard samples != old.samples else { continue }
                let elapsed = now - previous.at
                let enforcingNow = samples >= builder.config.minRequests
                let stateChanged = enforcingNow != (old.state == .enforcing)
                let grown = Double(samples) >= Double(old.samples) * (1 + config.minGrowth)
                guard stateChanged || (grown && elapsed >= config.minIntervalMs) || elapsed >= config.maxIntervalMs
                else {
                    continue
                }
            }
            let baseline = builder.build(endpoint, now: now, previous: previous?.baseline)
            published[endpoint.key] = Published(baseline: baseline, at: now)
            actions.append(.publish(baseline))
        }
        for key in published.keys.sorted() where !present.contains(key) {
            published[key] = nil
            actions.append(.tombstone(key))
        }
        return actions
    }
}
