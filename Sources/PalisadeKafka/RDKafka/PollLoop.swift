import CRdKafka
import Synchronization

/// Serves a producer handle's queue (delivery reports, errors, logs) with `rd_kafka_poll` on a
/// dedicated dispatch queue until stopped.
final class PollLoop: Sendable {
    private let running = Atomic<Bool>(true)
    private let state = Mutex<(finished: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))
    private let executor: BlockingExecutor

    init(label: String) {
        executor = BlockingExecutor(label: label)
    }

    var isRunning: Bool { running.load(ordering: .acquiring) }

    func start(_ client: RDKafkaClient) {
        executor.start { [self] in
            while running.load(ordering: .acquiring) {
                rd_kafka_poll(client.handle, 50)
            }
            rd_kafka_poll(client.handle, 0)
            let waiter = state.withLock { state in
                state.finished = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }

    /// Stops the loop and waits until it has returned. Returns false when already stopped.
    @discardableResult
    func stop() async -> Bool {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return false }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finished = state.withLock { state in
                if state.finished { return true }
                state.waiter = continuation
                return false
            }
            if finished { continuation.resume() }
        }
        return true
    }

    /// Stops the loop without waiting (deinit paths).
    func signalStop() {
        running.store(false, ordering: .releasing)
    }
}
