import Synchronization

/// A generation counter that tasks can wait on: `notify()` bumps it and wakes every waiter.
/// Waiting is bounded by a timeout and ends early on cancellation.
final class ChangeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waiters released before they parked.
        var released: Set<Int> = []
        var nextID = 0
    }

    private let state = Mutex(State())

    init() {}

    var generation: UInt64 { state.withLock { $0.generation } }

    func notify() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll(keepingCapacity: true)
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when the generation moves past `seen`, after `timeout`, or on cancellation.
    func wait(since seen: UInt64, timeout: Duration) async {
        let id = state.withLock { state in
            state.nextID &+= 1
            return state.nextID
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.park(id, since: seen) }
            group.addTask {
                try? await Task.sleep(for: timeout)
            }
            await group.next()
            group.cancelAll()
            self.release(id)
        }
        state.withLock { _ = $0.released.remove(id) }
    }

    private func park(_ id: Int, since seen: UInt64) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                if state.generation != seen || state.released.remove(id) != nil { return true }
                state.waiters[id] = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func release(_ id: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
            state.released.insert(id)
            return nil
        }
        waiter?.resume()
    }
}
