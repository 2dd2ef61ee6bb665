/// The last `capacity` elements appended, oldest overwritten first.
struct Ring<Element: Sendable>: Sendable {
    private(set) var items: [Element] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var isFull: Bool { items.count == capacity }

    mutating func append(_ element: Element) {
        if items.count < capacity {
            items.append(element)
        } else {
            items[next] = element
        }
        next = (next + 1) % capacity
    }

    /// The oldest element kept.
    var oldest: Element? {
        guard !items.isEmpty else { return nil }
        return isFull ? items[next] : items[0]
    }

    mutating func removeAll() {
        items.removeAll(keepingCapacity: true)
        next = 0
    }
}

/// Two counters (`total`, `failed`) over a sliding window of `buckets` time buckets: counts
/// older than the window fall out bucket by bucket. Memory is fixed.
struct WindowCounts: Sendable {
    private var ids: [Int64]
    private var totals: [Int32]
    private var fails: [Int32]
    let bucketMs: Int64

    init(windowMs: Int64, buckets: Int = 6) {
        let n = max(1, buckets)
        bucketMs = max(1, windowMs / Int64(n))
        ids = Array(repeating: -1, count: n)
        totals = Array(repeating: 0, count: n)
        fails = Array(repeating: 0, count: n)
    }

    mutating func add(ts: Int64, failed: Bool) {
        let id = ts / bucketMs
        let slot = Int(id % Int64(ids.count))
        if ids[slot] != id {
            ids[slot] = id
            totals[slot] = 0
            fails[slot] = 0
        }
        if totals[slot] < Int32.max { totals[slot] += 1 }
        if failed, fails[slot] < Int32.max { fails[slot] += 1 }
    }

    /// Totals over the buckets of the window ending at `now`.
    func sums(now: Int64) -> (total: Int, failed: Int) {
        let current = now / bucketMs
        var total = 0
        var failed = 0
        for i in ids.indices where ids[i] > current - Int64(ids.count) && ids[i] <= current {
            total += Int(totals[i])
            failed += Int(fails[i])
        }
        return (total, failed)
    }
}

/// Distinct 64-bit values seen within a window, at most `capacity` of them (the count saturates
/// at `capacity`, which is set above the threshold that needs it). When full, the value seen
/// least recently is replaced.
struct DistinctSet: Sendable {
    private var values: [UInt64] = []
    private var seen: [Int64] = []
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    mutating func insert(_ value: UInt64, ts: Int64) {
        if let i = values.firstIndex(of: value) {
            seen[i] = max(seen[i], ts)
            return
        }
        if values.count < capacity {
            values.append(value)
            seen.append(ts)
            return
        }
        var oldest = 0
        for i in seen.indices where seen[i] < seen[oldest] { oldest = i }
        values[oldest] = value
        seen[oldest] = ts
    }

    /// Values seen at or after `since`.
    func count(since: Int64) -> Int {
        seen.reduce(0) { $0 + ($1 >= since ? 1 : 0) }
    }
}

extension Int64 {
    /// Seconds (an operator setting) to milliseconds, saturating.
    static func millis(secs: Int) -> Int64 {
        let (value, overflow) = Int64(clamping: secs).multipliedReportingOverflow(by: 1000)
        return overflow ? Int64.max / 4 : Swift.max(0, value)
    }
}

extension Int64 {
    /// `self - other`, clamped instead of overflowing (cut-offs from caller-supplied times).
    func minus(_ other: Int64) -> Int64 {
        let (value, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other > 0 ? Int64.min : Int64.max) : value
    }
}

extension Ring: StateCodable where Element: StateCodable {
    func encode(to w: inout StateWriter) {
        w.int(capacity)
        w.int(next)
        w.array(items) { $1.encode(to: &$0) }
    }

    init(from r: inout StateReader) throws {
        self.init(capacity: try r.int())
        next = try r.int()
        items = try r.array { try Element(from: &$0) }
        guard items.count <= capacity, next >= 0, next < capacity else { throw StateCodingError("bad ring") }
    }
}

extension WindowCounts: StateCodable {
    func encode(to w: inout StateWriter) {
        w.i64(bucketMs)
        w.array(ids) { $0.i64($1) }
        w.array(totals) { $0.i32($1) }
        w.array(fails) { $0.i32($1) }
    }

    init(from r: inout StateReader) throws {
        bucketMs = try r.i64()
        ids = try r.array(minBytes: 8) { try $0.i64() }
        totals = try r.array(minBytes: 8) { try $0.i32() }
        fails = try r.array(minBytes: 8) { try $0.i32() }
        guard bucketMs > 0, !ids.isEmpty, totals.count == ids.count, fails.count == ids.count else {
            throw StateCodingError("bad window counts")
        }
    }
}

extension DistinctSet: StateCodable {
    func encode(to w: inout StateWriter) {
        w.int(capacity)
        w.array(values) { $0.u64($1) }
        w.array(seen) { $0.i64($1) }
    }

    init(from r: inout StateReader) throws {
        self.init(capacity: try r.int())
        values = try r.array(minBytes: 8) { try $0.u64() }
        seen = try r.array(minBytes: 8) { try $0.i64() }
        guard seen.count == values.count, values.count <= capacity else { throw StateCodingError("bad distinct set") }
    }
}

/// The window state of the detectors that count events and distinct values per key (credential
/// stuffing: usernames, enumeration: object ids, forced browsing: paths).
struct DistinctWindowState: Sendable {
    var counts: WindowCounts
    var distinct: DistinctSet
    var lastFired: Int64?
}
