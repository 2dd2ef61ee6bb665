import Testing

@testable import PalisadePolicy

@Suite struct WindowTests {
    @Test func lruEvictsLeastRecentlyUsedAndCounts() {
        var table = LRUTable<Int, Int>(capacity: 3)
        for k in 1...3 { table.update(k, now: Int64(k), make: 0) { $0 += k } }
        table.update(1, now: 10, make: 0) { $0 += 1 }  // 1 is now most recent
        let (_, evicted) = table.update(4, now: 11, make: 0) { $0 += 4 }
        #expect(evicted?.key == 2)
        #expect(table.count == 3)
        #expect(table.evictions == 1)
        #expect(table.peek(1) == 2)
        #expect(table.peek(2) == nil)
    }

    @Test func lruExpiresIdleEntriesOldestFirst() {
        var table = LRUTable<String, Int>(capacity: 10)
        table.update("a", now: 100, make: 1) { _ in }
        table.update("b", now: 200, make: 2) { _ in }
        table.update("c", now: 300, make: 3) { _ in }
        let gone = table.expire(lastSeenBefore: 250)
        #expect(gone.map(\.key) == ["a", "b"])
        #expect(table.count == 1)
        #expect(table.expirations == 2)
        // slots are reused
        for i in 0..<20 { table.update("k\(i)", now: 400, make: i) { _ in } }
        #expect(table.count == 10)
    }

    @Test func windowCountsDropOldBuckets() {
        var counts = WindowCounts(windowMs: 60_000, buckets: 6)
        for i in 0..<10 { counts.add(ts: t0 + Int64(i) * 1_000, failed: i % 2 == 0) }
        #expect(counts.sums(now: t0 + 10_000) == (total: 10, failed: 5))
        #expect(counts.sums(now: t0 + 200_000) == (total: 0, failed: 0))
    }

    @Test func distinctSetSaturatesAtCapacityAndForgetsOld() {
        var set = DistinctSet(capacity: 4)
        for i in 0..<10 { set.insert(UInt64(i), ts: Int64(i)) }
        #expect(set.count(since: 0) == 4)
        set.insert(3, ts: 100)
        #expect(set.count(since: 50) == 1)
    }

    @Test func ringKeepsTheLastElements() {
        var ring = Ring<Int>(capacity: 3)
        for i in 1...5 { ring.append(i) }
        #expect(ring.isFull)
        #expect(ring.oldest == 3)
        #expect(ring.items.sorted() == [3, 4, 5])
    }

    @Test func hostileTimestampsAreClampedAndNeverTrap() {
        var engine = BehaviourEngine()
        for ts in [Int64.min, -1, 0, Int64.max, Int64.max - 1] {
            _ = engine.observe(event(at: ts, status: 404, attack: true, classes: [.init(.sqli, 1)], objectID: "x"))
        }
        engine.expire(now: Int64.max)
        engine.expire(now: Int64.min)
        #expect(event(at: Int64.max).ts == BehaviourEvent.maxTimestamp)
        #expect(event(at: -5).ts == 0)
    }
}
