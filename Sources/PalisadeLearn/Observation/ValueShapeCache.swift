import PalisadeCore
import PalisadeDetect
import Synchronization

/// Recent values' shapes and sensitive-data kinds, so that a parameter value seen again (a
/// session's cookie, `page=1`, `"currency":"GBP"`, a client's `User-Agent`) costs a hash, a lookup
/// and a comparison in `ObservationBuilder.observe` instead of `ValueShape.classify` and
/// `Sensitive.kinds` (~1,600 instructions a value; docs/LEARNING.md, "Observation").
///
/// Both are pure functions of the value's bytes, its kind and (for the kinds) its field name,
/// which together are the key. Bounded: `capacity` slots (a power of two) in sets of two, the one
/// used less recently replaced; values longer than `maxValueBytes` are classified without it. The
/// hash is seeded at random per cache, so an outsider cannot aim values at one set. Thread-safe
/// (a mutex; the worker's scoring tasks each build observations with their own processor).
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
    public struct Statistics: Sendable, Equatable {
        public var hits = 0
        public var misses = 0
        /// Values classified without the cache (longer than `maxValueBytes`).
        public var skipped = 0
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

    struct State {
        var slots: [Entry]
        /// Per set of two slots, the one used last.
        var recent: [UInt8]
        var statistics = Statistics()
    }

    public let capacity: Int
    private let seed: UInt64
    private let state: Mutex<State>

    /// `capacity` is rounded up to a power of two, at least 2.
    public init(capacity: Int = ValueShapeCache.defaultCapacity, seed: UInt64? = nil) {
        var slots = 2
        while slots < capacity { slots <<= 1 }
        self.capacity = slots
        self.seed = seed ?? UInt64.random(in: 1...UInt64.max)
        self.state = Mutex(
            State(slots: Array(repeating: .empty, count: slots), recent: Array(repeating: 0, count: slots / 2)))
    }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// The shape of `value` and its sensitive kinds under `fieldName`: remembered, or computed
    /// (`ValueShape.classify`, `Sensitive.kinds`) and remembered.
    public func facts(of value: ArraySlice<UInt8>, kind: ValueKind, fieldName: String?) -> Facts {
        guard value.count <= Self.maxValueBytes else {
            state.withLock { $0.statistics.skipped += 1 }
            return Self.compute(value, kind: kind, fieldName: fieldName)
        }
        let hash = DetectionMemo.keyHash(value, context: UInt64(kind.rawValue), fieldName: fieldName, seed: seed).hash
        let set = Int(truncatingIfNeeded: hash) & (capacity / 2 - 1)
        let kindCode = UInt16(kind.rawValue)
        let found: Facts? = state.withLock { state in
            for way in 0..<2 {
                let slot = set &* 2 &+ way
                let hit = state.slots.withUnsafeBufferPointer { slots -> Bool in
                    let entry = slots.baseAddress! + slot
                    return entry.pointee.hash == hash && entry.pointee.kind == kindCode
                        && entry.pointee.fieldName == fieldName && DetectionMemo.equal(entry, value)
                }
                if hit {
                    state.recent[set] = UInt8(way)
                    state.statistics.hits += 1
                    return state.slots[slot].facts
                }
            }
            state.statistics.misses += 1
            return nil
        }
        if let found { return found }
        let facts = Self.compute(value, kind: kind, fieldName: fieldName)
        var entry = Entry(hash: hash, kind: kindCode, value: Array(value), fieldName: fieldName, facts: facts)
        state.withLock { state in
            var way = 1 - Int(state.recent[set])
            if state.slots[set &* 2].kind == .max {
                way = 0
            } else if state.slots[set &* 2 &+ 1].kind == .max {
                way = 1
            }
            state.recent[set] = UInt8(way)
            // The replaced entry leaves in `entry`, released after the lock.
            swap(&state.slots[set &* 2 &+ way], &entry)
        }
        return facts
    }

    /// The facts without the cache.
    public static func compute(_ value: ArraySlice<UInt8>, kind: ValueKind, fieldName: String?) -> Facts {
        Facts(
            shape: ValueShape.classify(value, kind: kind),
            sensitive: SensitiveSet(Sensitive.kinds(in: value, fieldName: fieldName)))
    }
}
