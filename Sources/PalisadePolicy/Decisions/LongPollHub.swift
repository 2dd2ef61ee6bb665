/// The waiter registry behind `GET /v1/decisions?since=V&wait=S`, as a pure state machine.
///
/// The HTTP layer registers each request and acts on what comes back:
/// - `register` → `.answerNow` (something newer exists, the client needs a snapshot, or it asked
///   not to wait), `.parked(deadline:)` (hold the request), or `.rejected` (too many waiters:
///   answer 503 with a retry hint).
/// - `changed(to:)` after every store change → the waiters to answer now (with a delta).
/// - `expire(now:)` on a timer (`nextDeadline`) → the waiters whose wait ended (empty delta).
/// - `cancel` when a client goes away.
public struct LongPollHub<Waiter: Hashable & Sendable>: Sendable {
    public struct Config: Sendable, Equatable {
        /// Default 1,024 parked requests.
        public var maxWaiters: Int = 1_024
        /// Longest wait granted, whatever the client asks. Default 30,000 ms.
        public var maxWaitMs: Int64 = 30_000
        public init() {}
    }

    public enum Registration: Sendable, Equatable {
        case answerNow
        case parked(deadline: Int64)
        case rejected
    }

    public let config: Config
    private var waiters: [Waiter: Int64] = [:]
    public private(set) var rejected = 0

    public init(config: Config = Config()) {
        self.config = config
    }

    public var count: Int { waiters.count }

    /// The earliest deadline among parked waiters.
    public var nextDeadline: Int64? { waiters.values.min() }

    public mutating func register(
        _ waiter: Waiter, since: String?, waitMs: Int64, now: Int64, current: DecisionVersion
    ) -> Registration {
        guard let since, let from = DecisionVersion(parsing: since), from == current, waitMs > 0 else {
            return .answerNow
        }
        guard waiters[waiter] != nil || waiters.count < max(1, config.maxWaiters) else {
            rejected += 1
            return .rejected
        }
        let wait = min(waitMs, max(0, config.maxWaitMs))
        let (deadline, overflow) = now.addingReportingOverflow(wait)
        waiters[waiter] = overflow ? Int64.max : deadline
        return .parked(deadline: waiters[waiter] ?? now)
    }

    /// The store moved on: every parked waiter gets answered now.
    public mutating func changed(to version: DecisionVersion) -> [Waiter] {
        let all = Array(waiters.keys)
        waiters.removeAll(keepingCapacity: true)
        return all
    }

    /// Waiters whose deadline is at or before `now`.
    public mutating func expire(now: Int64) -> [Waiter] {
        let due = waiters.filter { $0.value <= now }.map(\.key)
        for waiter in due { waiters[waiter] = nil }
        return due
    }

    public mutating func cancel(_ waiter: Waiter) {
        waiters[waiter] = nil
    }
}
