/// What a process running the other roles beside the aggregator (`palisade up`) knows about them,
/// for the dashboard's pipeline health. A standalone aggregator has no probe: its page says what it
/// cannot see.
public struct PipelineReport: Sendable {
    /// The badge (its CSS class); `unknown`: the part is not visible from here.
    public enum State: String, Sendable {
        case ok, warn, bad, unknown
    }

    /// One row of the health table: a state badge and what is known, in words.
    public struct Part: Sendable {
        public var state: State
        public var label: String
        public var detail: String

        public init(state: State, label: String, detail: String) {
            self.state = state
            self.label = label
            self.detail = detail
        }
    }

    public var mirror: Part?
    public var workers: Part?
    public var consumerLag: Part?

    public init(mirror: Part? = nil, workers: Part? = nil, consumerLag: Part? = nil) {
        self.mirror = mirror
        self.workers = workers
        self.consumerLag = consumerLag
    }
}

/// Asked once per overview page.
public typealias PipelineProbe = @Sendable () async -> PipelineReport
