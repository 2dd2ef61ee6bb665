import PalisadeTransport
import Synchronization

/// The bounded buffer between the HTTP handlers and the producer: ``BufferState`` behind a lock,
/// plus waiting for records. Handlers ``offer(_:)``; produce workers ``next(max:)``, then
/// ``finish(_:)`` or ``requeue(_:)`` what they took.
final class CaptureBuffer: Sendable {
    private struct Guarded {
        var state: BufferState
        var generation: UInt64 = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let guarded: Mutex<Guarded>

    init(limits: BufferState.Limits) {
        guarded = Mutex(Guarded(state: BufferState(limits: limits)))
    }

    /// Admits all of `records` or none.
    func offer(_ records: [OutgoingRecord]) -> BufferState.Admission {
        let (admission, waiters) = guarded.withLock { g in
            let admission = g.state.offer(records)
            return (admission, admission == .accepted ? Self.wake(&g) : [])
        }
        for waiter in waiters { waiter.resume() }
        return admission
    }

    /// Up to `max` records to produce, waiting for some; nil once the buffer is closed and holds
    /// nothing (neither queued nor in flight: a failed produce elsewhere may still requeue), or
    /// when the task is cancelled.
    func next(max: Int) async -> [OutgoingRecord]? {
        while !Task.isCancelled {
            enum Step {
                case records([OutgoingRecord])
                case done
                case wait(UInt64)
            }
            let step = guarded.withLock { g -> Step in
                let taken = g.state.take(max: max)
                if !taken.isEmpty { return .records(taken) }
                if g.state.isClosed && g.state.isEmpty { return .done }
                return .wait(g.generation)
            }
            switch step {
            case .records(let records): return records
            case .done: return nil
            case .wait(let generation): await waitForChange(since: generation)
            }
        }
        return nil
    }

    /// Acknowledged or dropped records leave the buffer.
    func finish(_ records: [OutgoingRecord]) {
        let waiters = guarded.withLock { g in
            g.state.finish(records)
            // A closed buffer's workers wait for in-flight records to settle before exiting.
            return g.state.isClosed ? Self.wake(&g) : []
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Records to produce again, at the front of the queue.
    func requeue(_ records: [OutgoingRecord]) {
        let waiters = guarded.withLock { g in
            g.state.requeue(records)
            return Self.wake(&g)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Stops admitting records; workers produce what is left, then ``next(max:)`` returns nil.
    func close() {
        let waiters = guarded.withLock { g in
            g.state.close()
            return Self.wake(&g)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Removes what is still queued (the shutdown deadline passed) and returns it.
    func removeQueued() -> [OutgoingRecord] {
        let (rest, waiters) = guarded.withLock { g in (g.state.removeQueued(), Self.wake(&g)) }
        for waiter in waiters { waiter.resume() }
        return rest
    }

    /// (records, bytes) held: queued plus in flight.
    var depth: (records: Int, bytes: Int) {
        guarded.withLock { ($0.state.totalRecords, $0.state.totalBytes) }
    }

    var isClosed: Bool { guarded.withLock { $0.state.isClosed } }

    var limits: BufferState.Limits { guarded.withLock { $0.state.limits } }

    private static func wake(_ g: inout Guarded) -> [CheckedContinuation<Void, Never>] {
        g.generation &+= 1
        guard !g.waiters.isEmpty else { return [] }
        let waiters = Array(g.waiters.values)
        g.waiters.removeAll(keepingCapacity: true)
        return waiters
    }

    /// Returns once the state changed after `seen`, or on cancellation.
    private func waitForChange(since seen: UInt64) async {
        let id = guarded.withLock { g in
            g.nextWaiter &+= 1
            return g.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = guarded.withLock { g in
                    if g.generation != seen || Task.isCancelled { return true }
                    g.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = guarded.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
