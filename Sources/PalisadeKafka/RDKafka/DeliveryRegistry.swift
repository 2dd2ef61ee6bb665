import PalisadeTransport
import Synchronization

/// Messages in flight in a producer, by the id librdkafka carries back in the delivery report
/// (`msg_opaque`). A delivery completes either one awaiting `send` or one slot of a batch.
final class DeliveryRegistry: Sendable {
    enum Waiter {
        case single(topic: String, CheckedContinuation<Result<DeliveryReceipt, TransportError>, Never>)
        case batch(topic: String, BatchWaiter, index: Int)
    }

    private struct State {
        var nextID: UInt = 1
        var waiters: [UInt: Waiter] = [:]
    }

    private let state = Mutex(State())

    init() {}

    func register(_ waiter: Waiter) -> UInt {
        state.withLock { state in
            let id = state.nextID
            state.nextID &+= 1
            if state.nextID == 0 { state.nextID = 1 }
            state.waiters[id] = waiter
            return id
        }
    }

    var inFlight: Int { state.withLock { $0.waiters.count } }

    func complete(_ id: UInt, partition: Int32, offset: Int64) {
        guard let waiter = take(id) else { return }
        switch waiter {
        case .single(let topic, let continuation):
            continuation.resume(
                returning: .success(DeliveryReceipt(topic: topic, partition: partition, offset: offset)))
        case .batch(let topic, let batch, let index):
            batch.complete(index, .success(DeliveryReceipt(topic: topic, partition: partition, offset: offset)))
        }
    }

    func fail(_ id: UInt, _ error: TransportError) {
        guard let waiter = take(id) else { return }
        switch waiter {
        case .single(_, let continuation): continuation.resume(returning: .failure(error))
        case .batch(_, let batch, let index): batch.complete(index, .failure(error))
        }
    }

    /// Fails everything still in flight (after a final flush timed out on shutdown).
    func failAll(_ error: TransportError) {
        let waiters = state.withLock { state in
            defer { state.waiters.removeAll() }
            return Array(state.waiters.keys)
        }
        for id in waiters { fail(id, error) }
    }

    /// Removes a registration whose record was never enqueued, without completing it.
    func cancel(_ id: UInt) -> Waiter? { take(id) }

    private func take(_ id: UInt) -> Waiter? {
        state.withLock { $0.waiters.removeValue(forKey: id) }
    }
}

/// Collects the results of a batch and resumes its sender once all are in.
final class BatchWaiter: Sendable {
    private struct State {
        var results: [Result<DeliveryReceipt, TransportError>?]
        var remaining: Int
        var continuation: CheckedContinuation<[Result<DeliveryReceipt, TransportError>], Never>?
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count))
    }

    func complete(_ index: Int, _ result: Result<DeliveryReceipt, TransportError>) {
        let finished = state.withLock {
            state -> (
                CheckedContinuation<[Result<DeliveryReceipt, TransportError>], Never>,
                [Result<DeliveryReceipt, TransportError>]
            )? in
            guard state.results[index] == nil else { return nil }
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            return (continuation, state.results.map { $0! })
        }
        if let (continuation, results) = finished { continuation.resume(returning: results) }
    }

    func wait() async -> [Result<DeliveryReceipt, TransportError>] {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [Result<DeliveryReceipt, TransportError>]? in
                if state.remaining == 0 { return state.results.map { $0! } }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
