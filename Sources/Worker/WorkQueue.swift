import Synchronization

/// A single-consumer queue between a worker's stages. `next()` hands over everything queued at
/// once (stages batch naturally: while one batch is being sent, the next accumulates). Not
/// bounded by itself: the worker bounds what enters it with ``FlowControl`` (records in flight).
final class WorkQueue<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var finished = false
        var waiter: CheckedContinuation<[Element]?, Never>?
    }

    private let state = Mutex(State())

    init() {}

    /// Adds an element; ignored after ``finish()``. Returns whether it was queued.
    @discardableResult
    func push(_ element: Element) -> Bool {
        let (accepted, waiter, items) = state.withLock {
            state -> (Bool, CheckedContinuation<[Element]?, Never>?, [Element]) in
            guard !state.finished else { return (false, nil, []) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (true, waiter, [element])
            }
            state.items.append(element)
            return (true, nil, [])
        }
        waiter?.resume(returning: items)
        return accepted
    }

    /// No more elements: `next()` returns what is left, then nil.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<[Element]?, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.items.isEmpty ? state.waiter : nil
        }
        waiter?.resume(returning: nil)
    }

    /// Everything queued, waiting for at least one element; nil when finished and empty or when
    /// the calling task is cancelled.
    func next() async -> [Element]? {
        if Task.isCancelled { return nil }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[Element]?, Never>) in
                let ready = state.withLock { state -> [Element]?? in
                    if !state.items.isEmpty {
                        defer { state.items.removeAll(keepingCapacity: true) }
                        return .some(state.items)
                    }
                    if state.finished || Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = self.state.withLock { state -> CheckedContinuation<[Element]?, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    var count: Int { state.withLock { $0.items.count } }
}
