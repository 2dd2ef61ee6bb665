import Foundation
import Synchronization

/// Wall-clock milliseconds since the Unix epoch, the time unit of every record and decision.
/// Injected (as a closure) wherever tests need to control time.
public typealias MillisClock = @Sendable () -> Int64

public let systemMillisClock: MillisClock = { Int64((Date().timeIntervalSince1970 * 1_000).rounded()) }

/// Logs a repeated condition at most once per `interval` (STYLE 9), counting the rest.
final class RateLimitedLog: Sendable {
    private let state = Mutex<(last: ContinuousClock.Instant?, suppressed: Int)>((nil, 0))
    let interval: Duration

    init(interval: Duration = .seconds(10)) { self.interval = interval }

    /// Nil when the line should be skipped; otherwise how many were skipped since the last line.
    func shouldLog() -> Int? {
        let now = ContinuousClock.now
        return state.withLock { s in
            if let last = s.last, now - last < interval {
                s.suppressed += 1
                return nil
            }
            defer {
                s.last = now
                s.suppressed = 0
            }
            return s.suppressed
        }
    }
}
