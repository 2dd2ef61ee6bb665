import PalisadeCore
import PalisadeDetect

/// Recent values' shapes and sensitive-data kinds, so that a parameter value seen again (a
/// session's cookie, `page=1`, `"currency":"GBP"`, a client's `User-Agent`) costs a hash, a lookup
/// and a comparison in `ObservationBuilder.observe` instead of `ValueShape.classify` and
/// `Sensitive.kinds` (~1,600 instructions a value; docs/LEARNING.md, "Observation").
///
/// Both are pure functions of the value's bytes, its kind and (for the kinds) its field name,
/// which together are the key. Bounded: `capacity` slots (a power of two) in sets of two, the one
/// used less recently replaced; values longer than `maxValueBytes` are classified without it. The
/// hash is seeded at random per cache, so an outsider cannot aim values at one set. Thread-safe:
/// an observation takes the slots out of a mutex and puts them back when it is done (one lock a
/// request); one running meanwhile computes its facts without them. The worker's scoring tasks
/// each build observations with their own processor, so that does not happen there.
public final class ValueShapeCache: Sendable {
    /// Default number of slots.
    public static let defaultCapacity = 4096
    /// Longest value remembered, in bytes.
    public static let maxValueBytes = 256

    /// What a lookup found, or what was computed and stored.
    public struct Facts: Sendable, Equatable {
        public var shape: ValueShape
        public var sensitive: SensitiveSet
    }

    /// Counts since the cache was made.
    public struct Statistics: Sendable, Equatable, CacheCounts {
        public var hits = 0
        public var misses = 0
        /// Values classified without the cache (longer than `maxValueBytes`).
        public var skipped = 0

        mutating func add(_ other: Statistics) {
            hits += other.hits
            misses += other.misses
            skipped += other.skipped
        }
    }

    struct Entry: StoredValueEntry {
        var hash: UInt64
        /// `ValueKind.rawValue`; `UInt16.max` in an empty slot.
        var kind: UInt16
        var value: [UInt8]
        var fieldName: String?
        var facts: Facts

        static let empty = Entry(
            hash: 0, kind: .max, value: [], fieldName: nil,
            facts: Facts(shape: ValueShape(format: .text, length: 0, charset: []), sensitive: []))
    }

    /// The slots, taken out of the mutex for the length of one observation (`take`, `put`): one
    /// lock a request instead of one or two a value.
    struct Table: LendableTable {
        var slots: [Entry]
        /// Per set of two slots, the one used last.
        var recent: [UInt8]
        /// Counts since it was taken, added to the cache's when it is put back.
        var counts = Statistics()
        let seed: UInt64

        /// The facts from `table` when the observation holds it, computed without a cache when not.
        static func facts(
            in table: inout Table?, of value: ArraySlice<UInt8>, kind: ValueKind, fieldName: String?
        ) -> Facts {
            if table != nil { return table!.facts(of: value, kind: kind, fieldName: fieldName) }
            return ValueShapeCache.compute(value, kind: kind, fieldName: fieldName)
        }

        /// `ValueShapeCache.facts(of:kind:fieldName:)` over this table.
        mutating func facts(of value: ArraySlice<UInt8>, kind: ValueKind, fieldName: String?) -> Facts {
            guard value.count <= ValueShapeCache.maxValueBytes else {
                counts.skipped += 1
                return ValueShapeCache.compute(value, kind: kind, fieldName: fieldName)
            }
            let hash = DetectionMemo.keyHash(value, context: UInt64(kind.rawValue), fieldName: fieldName, seed: seed)
                .hash
            let set = Int(truncatingIfNeeded: hash) & (recent.count - 1)
            let kindCode = UInt16(kind.rawValue)
            let found = slots.withUnsafeBufferPointer { slots -> Int? in
                for way in 0..<2 {
                    let entry = slots.baseAddress! + (set &* 2 &+ way)
                    if entry.pointee.hash == hash, entry.pointee.kind == kindCode,
                        entry.pointee.fieldName == fieldName, DetectionMemo.equal(entry, value)
                    {
                        return way
                    }
                }
                return nil
            }
            if let way = found {
                recent[set] = UInt8(way)
                counts.hits += 1
                return slots[set &* 2 &+ way].facts
            }
            counts.misses += 1
            let facts = ValueShapeCache.compute(value, kind: kind, fieldName: fieldName)
            var way = 1 - Int(recent[set])
            if slots[set &* 2].kind == .max {
                way = 0
            } else if slots[set &* 2 &+ 1].kind == .max {
                way = 1
            }
            recent[set] = UInt8(way)
            slots[set &* 2 &+ way] = Entry(
                hash: hash, kind: kindCode, value: Array(value), fieldName: fieldName, facts: facts)
            return facts
        }
    }

    public let capacity: Int
    private let lent: LentTable<Table>

    /// `capacity` is rounded up to a power of two, at least 2.
    public init(capacity: Int = ValueShapeCache.defaultCapacity, seed: UInt64? = nil) {
        var slots = 2
        while slots < capacity { slots <<= 1 }
        self.capacity = slots
        self.lent = LentTable(
            Table(
                slots: Array(repeating: .empty, count: slots), recent: Array(repeating: 0, count: slots / 2),
                seed: seed ?? UInt64.random(in: 1...UInt64.max)))
    }

    public var statistics: Statistics { lent.statistics }

    /// The shape of `value` and its sensitive kinds under `fieldName`: remembered, or computed
    /// (`ValueShape.classify`, `Sensitive.kinds`) and remembered. (An observation takes the table
    /// once for all its values: `take`, `put`.)
    public func facts(of value: ArraySlice<UInt8>, kind: ValueKind, fieldName: String?) -> Facts {
        var table = take()
        defer { if let table { put(table) } }
        return Table.facts(in: &table, of: value, kind: kind, fieldName: fieldName)
    }

    /// The table for one observation; nil while another one has it.
    func take() -> Table? { lent.take() }

    /// Gives back what `take` gave, with its counts.
    func put(_ table: Table) { lent.put(table) }

    /// The facts without the cache.
    public static func compute(_ value: ArraySlice<UInt8>, kind: ValueKind, fieldName: String?) -> Facts {
        Facts(
            shape: ValueShape.classify(value, kind: kind),
            sensitive: SensitiveSet(Sensitive.kinds(in: value, fieldName: fieldName)))
    }
}
