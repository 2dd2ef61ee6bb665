import Synchronization

/// Lets a message through at most once per interval and counts what it held back, so a storm
/// (shedding, a broker outage) costs one log line per interval. The clock is injected for tests.
final class LogThrottle: Sendable {
    private struct State {
        var last: ContinuousClock.Instant?
        var suppressed = 0
    }

    private let interval: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(State())

    init(interval: Duration, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.interval = interval
        self.now = now
    }

    /// Calls `log` with the number of events held back since the last line, when the interval has
    /// passed; otherwise only counts this event.
    func event(_ log: (_ suppressed: Int) -> Void) {
        let instant = now()
        let suppressed: Int? = state.withLock { state in
            if let last = state.last, instant - last < interval {
                state.suppressed += 1
                return nil
            }
            state.last = instant
            defer { state.suppressed = 0 }
            return state.suppressed
        }
        if let suppressed { log(suppressed) }
    }
}
