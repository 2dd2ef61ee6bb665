import PalisadeTransport
import Synchronization

/// The batches of messages a producer has in flight. A batch is registered once; its message at
/// `index` carries `serial << 32 | index` as librdkafka's `msg_opaque`, and its delivery report
/// fills that slot. Before, each message was a dictionary entry of its own, inserted on send and
/// removed on delivery, with its topic and waiter retained: that bookkeeping, per output record,
/// was a visible share of a worker's time outside scoring.
///
/// A slot completes once: a second report for it (none is expected) is ignored. When the last
/// slot of a batch completes, the batch leaves the registry and its waiter is given the outcome.
final class DeliveryRegistry: Sendable {
    /// Slots of one batch still pending or settled.
    private struct Entry {
        let waiter: BatchWaiter
        var outcome: BatchOutcome
        var remaining: Int

        /// Settles slot `index` with `body`: nil when it was settled already (or out of range),
        /// else whether it was the batch's last pending slot.
        mutating func settle(_ index: Int, _ body: (inout BatchOutcome, Int) -> Bool) -> Bool? {
            guard index < outcome.count, body(&outcome, index) else { return nil }
            remaining -= 1
            return remaining == 0
        }
    }

    private struct State {
        var nextSerial: UInt = 1
        var batches: [UInt: Entry] = [:]
        var inFlight = 0
    }

    private let state = Mutex(State())

    /// Bits of an id that hold the slot's index; the serial is above them.
    static let indexBits = 32
    static let maxBatchCount = 1 << indexBits - 1

    init() {
        precondition(UInt.bitWidth == 64, "message ids need 64-bit pointers")
    }

    /// Registers a batch of `waiter.count` slots (at most `maxBatchCount`); returns its serial.
    func register(_ waiter: BatchWaiter) -> UInt {
        precondition(waiter.count <= Self.maxBatchCount, "batch too large for its message ids")
        return state.withLock { state in
            let serial = state.nextSerial
            state.nextSerial = serial == UInt.max >> Self.indexBits ? 1 : serial + 1
            state.batches[serial] = Entry(
                waiter: waiter, outcome: BatchOutcome(count: waiter.count), remaining: waiter.count)
            state.inFlight += waiter.count
            return serial
        }
    }

    /// The `msg_opaque` of slot `index` of batch `serial` (never 0: serials start at 1).
    static func id(serial: UInt, index: Int) -> UInt { serial << indexBits | UInt(index) }

    /// Messages registered and not yet delivered or failed.
    var inFlight: Int { state.withLock { $0.inFlight } }

    func complete(_ id: UInt, partition: Int32, offset: Int64) {
        settle(id) { $0.deliver($1, partition: partition, offset: offset) }
    }

    func fail(_ id: UInt, _ error: TransportError) {
        settle(id) { $0.fail($1, error) }
    }

    /// Fails every slot still pending (after a final flush timed out on shutdown).
    func failAll(_ error: TransportError) {
        let finished = state.withLock { state -> [(BatchWaiter, BatchOutcome)] in
            defer {
                state.batches.removeAll()
                state.inFlight = 0
            }
            return state.batches.values.map { entry in
                var outcome = entry.outcome
                outcome.failPending(error)
                return (entry.waiter, outcome)
            }
        }
        for (waiter, outcome) in finished { waiter.finish(outcome) }
    }

    /// Settles slot `id & mask` of batch `id >> indexBits` with `body` (which returns whether the
    /// slot was still pending); the batch's waiter is resumed, outside the lock, when it was the last.
    private func settle(_ id: UInt, _ body: (inout BatchOutcome, Int) -> Bool) {
        let serial = id >> Self.indexBits
        let index = Int(id & UInt(Self.maxBatchCount))
        let finished = state.withLock { state -> (BatchWaiter, BatchOutcome)? in
            // In place (the dictionary's modify accessor): the entry's arrays are not copied.
            guard let last = state.batches[serial]?.settle(index, body) else { return nil }
            state.inFlight -= 1
            guard last, let entry = state.batches.removeValue(forKey: serial) else { return nil }
            return (entry.waiter, entry.outcome)
        }
        if let (waiter, outcome) = finished { waiter.finish(outcome) }
    }
}

/// How each slot of a batch ended: its partition and offset when delivered, or its error.
/// Delivered slots cost no reference counting (two integers each); failures are few.
struct BatchOutcome: Sendable {
    /// Offset of a slot not yet settled, and of a failed one.
    private static let pending: Int64 = .min
    private static let failed: Int64 = .min + 1

    private(set) var partitions: [Int32]
    private(set) var offsets: [Int64]
    private(set) var errors: [Int: TransportError] = [:]

    init(count: Int) {
        partitions = Array(repeating: -1, count: count)
        offsets = Array(repeating: Self.pending, count: count)
    }

    var count: Int { offsets.count }

    /// Records a delivery; false when the slot was settled already.
    mutating func deliver(_ index: Int, partition: Int32, offset: Int64) -> Bool {
        guard offsets[index] == Self.pending else { return false }
        partitions[index] = partition
        // A delivered message's offset is never one of the two markers (librdkafka reports -1001
        // for a duplicate's); guard anyway, so that a delivered slot cannot look unsettled.
        offsets[index] = offset == Self.pending || offset == Self.failed ? -1 : offset
        return true
    }

    /// Records a failure; false when the slot was settled already.
    mutating func fail(_ index: Int, _ error: TransportError) -> Bool {
        guard offsets[index] == Self.pending else { return false }
        offsets[index] = Self.failed
        errors[index] = error
        return true
    }

    /// Fails every slot still pending with `error`.
    mutating func failPending(_ error: TransportError) {
        for index in offsets.indices where offsets[index] == Self.pending { _ = fail(index, error) }
    }

    /// Each slot's result, in order; `topics(i)` is slot `i`'s topic.
    func results(topics: (Int) -> String) -> [Result<DeliveryReceipt, TransportError>] {
        offsets.indices.map { index in
            if let error = errors[index] { return .failure(error) }
            if offsets[index] == Self.pending {
                return .failure(TransportError(.closed, "delivery report never arrived"))
            }
            return .success(DeliveryReceipt(topic: topics(index), partition: partitions[index], offset: offsets[index]))
        }
    }
}

/// Waits for a batch's outcome and turns it into results in the batch's order.
final class BatchWaiter: Sendable {
    private struct State {
        var outcome: BatchOutcome?
        var continuation: CheckedContinuation<BatchOutcome, Never>?
    }

    /// The records sent, for their topics (one reference: no topic string retained per slot).
    private let records: [OutgoingRecord]
    private let state = Mutex(State())

    init(records: [OutgoingRecord]) {
        self.records = records
    }

    var count: Int { records.count }

    /// Called once, by the registry, when every slot has settled.
    func finish(_ outcome: BatchOutcome) {
        let continuation = state.withLock { state -> CheckedContinuation<BatchOutcome, Never>? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: outcome)
    }

    /// Each record's result, in order, once all are settled. Call once.
    func wait() async -> [Result<DeliveryReceipt, TransportError>] {
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<BatchOutcome, Never>) in
            let ready = state.withLock { state -> BatchOutcome? in
                if let outcome = state.outcome { return outcome }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
        return outcome.results { records[$0].topic }
    }
}
