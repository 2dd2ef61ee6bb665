import PalisadeTransport

/// The state of the mirror's buffer between HTTP and the producer, as a value type: every
/// transition is a plain method, so it is tested without I/O (STYLE 8).
///
/// Records are *queued* (accepted, not yet handed to the producer) or *in flight* (handed to the
/// producer, not yet acknowledged). Both count against the bound: memory stays bounded whatever
/// the transport does. A record leaves the buffer only when it is acknowledged or, after a
/// non-retriable error or the shutdown deadline, dropped (and counted).
struct BufferState: Sendable {
    struct Limits: Sendable, Equatable {
        var maxRecords: Int
        var maxBytes: Int
    }

    enum Admission: Equatable {
        case accepted
        /// Over the bound: the request is answered 503 + `Retry-After`.
        case full
        /// Shutting down: 503 too.
        case closed
    }

    let limits: Limits
    private var queue: [OutgoingRecord] = []
    private var head = 0
    private(set) var queuedBytes = 0
    private(set) var inFlightRecords = 0
    private(set) var inFlightBytes = 0
    private(set) var isClosed = false

    init(limits: Limits) {
        self.limits = limits
    }

    var queuedRecords: Int { queue.count - head }
    var totalRecords: Int { queuedRecords + inFlightRecords }
    var totalBytes: Int { queuedBytes + inFlightBytes }
    /// Nothing queued nor in flight.
    var isEmpty: Bool { totalRecords == 0 }

    /// Admits all of `records` or none. An empty buffer admits any batch, so a request larger than
    /// the bound is still served (the bound is exceeded by at most one request) instead of being
    /// refused forever.
    mutating func offer(_ records: [OutgoingRecord]) -> Admission {
        if isClosed { return .closed }
        let bytes = records.reduce(0) { $0 + Self.size($1) }
        if !isEmpty,
            totalRecords + records.count > limits.maxRecords || totalBytes + bytes > limits.maxBytes
        {
            return .full
        }
        queue.append(contentsOf: records)
        queuedBytes += bytes
        return .accepted
    }

    /// Moves up to `max` queued records in flight; empty when nothing is queued.
    mutating func take(max: Int) -> [OutgoingRecord] {
        let count = min(max, queuedRecords)
        guard count > 0 else { return [] }
        let taken = Array(queue[head..<(head + count)])
        head += count
        let bytes = taken.reduce(0) { $0 + Self.size($1) }
        queuedBytes -= bytes
        inFlightRecords += count
        inFlightBytes += bytes
        if head == queue.count {
            queue.removeAll(keepingCapacity: queue.capacity <= 1 << 16)
            head = 0
        } else if head > 4_096, head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        return taken
    }

    /// In-flight records that were acknowledged (or dropped): they leave the buffer.
    mutating func finish(_ records: some Sequence<OutgoingRecord>) {
        for record in records {
            inFlightRecords -= 1
            inFlightBytes -= Self.size(record)
        }
    }

    /// In-flight records whose produce failed with a retriable error: back to the front of the
    /// queue, in their order, to be produced again.
    mutating func requeue(_ records: [OutgoingRecord]) {
        guard !records.isEmpty else { return }
        finish(records)
        queue.insert(contentsOf: records, at: head)
        queuedBytes += records.reduce(0) { $0 + Self.size($1) }
    }

    /// Stops admitting; what is buffered is still produced.
    mutating func close() {
        isClosed = true
    }

    /// Removes and returns everything queued (the shutdown deadline passed).
    mutating func removeQueued() -> [OutgoingRecord] {
        let rest = Array(queue[head...])
        queue.removeAll()
        head = 0
        queuedBytes = 0
        return rest
    }

    /// The bytes a record holds in the buffer.
    static func size(_ record: OutgoingRecord) -> Int {
        (record.value?.count ?? 0) + (record.key?.count ?? 0)
    }
}
