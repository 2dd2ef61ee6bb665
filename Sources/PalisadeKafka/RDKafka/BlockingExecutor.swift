import Dispatch

/// A serial dispatch queue for librdkafka's blocking calls (poll, flush, consumer poll, commit,
/// close), so that they never occupy a thread of Swift's cooperative pool.
struct BlockingExecutor: Sendable {
    let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }

    /// Starts `body` on the queue and returns at once (for loops that run until told to stop).
    func start(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }
}
