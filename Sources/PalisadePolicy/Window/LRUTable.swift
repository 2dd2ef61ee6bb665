/// A map with a hard capacity: least-recently-used entries are evicted on insert when full, and
/// entries idle since before a cutoff can be expired. All operations are O(1) amortised
/// (a doubly linked list over slot indices); evictions and expirations are counted.
public struct LRUTable<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Slot: Sendable {
        var key: Key
        var value: Value
        var lastSeen: Int64
        var prev: Int
        var next: Int
    }

    public let capacity: Int
    public private(set) var evictions = 0
    public private(set) var expirations = 0
    private var index: [Key: Int] = [:]
    private var slots: [Slot] = []
    private var free: [Int] = []
    /// Most recently used.
    private var head = -1
    /// Least recently used.
    private var tail = -1

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { index.count }

    public func peek(_ key: Key) -> Value? {
        guard let i = index[key] else { return nil }
        return slots[i].value
    }

    /// Runs `body` on the value for `key` (created by `make` when absent), marking it used at
    /// `now`. Returns the body's result and the entry evicted to make room, if any.
    @discardableResult
    public mutating func update<R>(
        _ key: Key, now: Int64, make: @autoclosure () -> Value, _ body: (inout Value) -> R
    ) -> (result: R, evicted: (key: Key, value: Value)?) {
        if let i = index[key] {
            slots[i].lastSeen = max(slots[i].lastSeen, now)
            moveToHead(i)
            return (body(&slots[i].value), nil)
        }
        var evicted: (key: Key, value: Value)?
        if index.count >= capacity, tail >= 0 {
            let victim = tail
            evicted = (slots[victim].key, slots[victim].value)
            remove(slot: victim)
            evictions += 1
        }
        var value = make()
        let result = body(&value)
        let slot = Slot(key: key, value: value, lastSeen: now, prev: -1, next: head)
        let i: Int
        if let reused = free.popLast() {
            slots[reused] = slot
            i = reused
        } else {
            slots.append(slot)
            i = slots.count - 1
        }
        if head >= 0 { slots[head].prev = i }
        head = i
        if tail < 0 { tail = i }
        index[key] = i
        return (result, evicted)
    }

    /// Removes entries last used before `cutoff`, least recent first; returns them.
    @discardableResult
    public mutating func expire(lastSeenBefore cutoff: Int64) -> [(key: Key, value: Value)] {
        var out: [(key: Key, value: Value)] = []
        while tail >= 0, slots[tail].lastSeen < cutoff {
            let victim = tail
            out.append((slots[victim].key, slots[victim].value))
            remove(slot: victim)
            expirations += 1
        }
        return out
    }

    private mutating func moveToHead(_ i: Int) {
        guard head != i else { return }
        unlink(i)
        slots[i].prev = -1
        slots[i].next = head
        if head >= 0 { slots[head].prev = i }
        head = i
        if tail < 0 { tail = i }
    }

    private mutating func unlink(_ i: Int) {
        let prev = slots[i].prev
        let next = slots[i].next
        if prev >= 0 { slots[prev].next = next } else { head = next }
        if next >= 0 { slots[next].prev = prev } else { tail = prev }
    }

    private mutating func remove(slot i: Int) {
        unlink(i)
        index[slots[i].key] = nil
        free.append(i)
    }
}

extension LRUTable where Key: StateCodable, Value: StateCodable {
    /// Capacity, counters, then the entries least recently used first (so reading them back in
    /// order rebuilds the same recency order) with their last-use times.
    func encode(to w: inout StateWriter) {
        w.int(evictions)
        w.int(expirations)
        w.int(index.count)
        var i = tail
        while i >= 0 {
            slots[i].key.encode(to: &w)
            w.i64(slots[i].lastSeen)
            slots[i].value.encode(to: &w)
            i = slots[i].prev
        }
    }

    /// Reads entries into a table of `capacity` (the current configuration's; when it shrank, the
    /// least recently used entries are evicted as on insert).
    init(capacity: Int, from r: inout StateReader) throws {
        self.init(capacity: capacity)
        let evicted = try r.int()
        let expired = try r.int()
        let n = try r.count(minBytes: 9)
        for _ in 0..<n {
            let key = try Key(from: &r)
            let lastSeen = try r.i64()
            let value = try Value(from: &r)
            update(key, now: lastSeen, make: value) { _ in }
        }
        evictions += evicted
        expirations = expired
    }
}
