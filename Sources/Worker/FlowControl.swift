/// Backpressure as a value-type state machine (STYLE 8): the poll loop reports records taken and
/// finished; the machine says when to pause and resume the consumer. Records in flight are those
/// taken from the consumer and not yet acknowledged (being scored, waiting for the producer, or
/// retried while an output topic is unavailable), so a slow or failing producer pauses
/// consumption instead of growing memory.
struct FlowControl: Sendable, Equatable {
    enum Action: Sendable, Equatable {
        case pause
        case resume
    }

    /// Pause at this many records in flight.
    let highWater: Int
    /// Resume at or below this many.
    let lowWater: Int
    private(set) var inFlight = 0
    private(set) var paused = false
    /// Pauses so far (for metrics and tests).
    private(set) var pauses = 0

    init(maxInFlight: Int) {
        self.highWater = max(1, maxInFlight)
        self.lowWater = max(0, maxInFlight / 2)
    }

    /// Records were taken from the consumer.
    mutating func taken(_ count: Int) -> Action? {
        inFlight += count
        return evaluate()
    }

    /// Records were acknowledged (or given up: revoked, shut down).
    mutating func finished(_ count: Int) -> Action? {
        inFlight = max(0, inFlight - count)
        return evaluate()
    }

    private mutating func evaluate() -> Action? {
        if !paused, inFlight >= highWater {
            paused = true
            pauses += 1
            return .pause
        }
        if paused, inFlight <= lowWater {
            paused = false
            return .resume
        }
        return nil
    }
}
