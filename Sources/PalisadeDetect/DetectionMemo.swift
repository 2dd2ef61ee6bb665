import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Recent results of the standard value detectors, so that a value seen again in the same context
/// costs a hash, a lookup and a comparison instead of fifteen detectors (docs/DETECTION.md,
/// "Repeated values").
///
/// Real API traffic repeats most values: `User-Agent`, `Accept*`, `Content-Type`, a session's
/// cookies and token, `page=1`, `"currency":"USD"`. The standard detectors are pure functions of
/// the value's bytes and of its context (source, kind, field name, depth, sensitivity), so their
/// hits for one such key are always the same. The memo keeps, per key, the hits as the detectors
/// appended them (before `Scoring.adjust` and before the point and location are filled in: those
/// stay per request) and the value's byte summary (`ByteSet`, handed to the request-level
/// detectors).
///
/// Bounded: `capacity` slots (a power of two), each holding one value of at most
/// `maxValueBytes` bytes under a field name of at most `maxFieldNameBytes`; longer values are
/// judged without it. The slots are sets of two (`ways`): a key's hash (seeded per memo, so an
/// outsider cannot aim values at one set) chooses its set, and a new key takes the set's empty
/// slot or else replaces the one of the two used less recently (an eviction), so two values that
/// both repeat and share a set no longer evict each other on every sighting. A value is
/// stored only the second time it misses: the first miss sets its bit in a small table of recent
/// sightings (`sightingBits`, cleared when half full), so values that never repeat (ids, request
/// ids, emails, an attacker's unique payloads) pay only the hash and the lookup on top of the
/// detectors, and do not evict the values that do repeat.
///
/// Shared by the threads using one analyzer (a mutex; the worker gives each scoring task its own
/// analyzer, so there it is never contended).
public final class DetectionMemo: Sendable {
    /// Default number of slots.
    public static let defaultCapacity = 4096
    /// Longest value remembered, in bytes.
    public static let maxValueBytes = 512
    /// Longest field name remembered, in UTF-8 bytes.
    public static let maxFieldNameBytes = 128
    /// Bits of the table of values missed once (a value is stored on its second miss).
    static let sightingBits = 1 << 15

    /// What the memo did since it was made.
    public struct Statistics: Sendable, Equatable {
        /// Values found (the detectors were not run).
        public var hits = 0
        /// Values looked up and not found (the detectors ran).
        public var misses = 0
        /// Misses not stored: the value's first sighting (since the sightings were last cleared).
        public var firstSightings = 0
        /// Stored results that replaced another key's.
        public var evictions = 0
        /// Values judged without the memo: longer than `maxValueBytes`, or a field name longer
        /// than `maxFieldNameBytes`.
        public var skipped = 0
        /// Slots holding a result now.
        public var entries = 0
    }

    /// The context of a value packed in one word, with the hash of the value and its context.
    /// Holds no references: making one retains nothing.
    struct Probe {
        /// Source, kind, sensitivity and depth.
        let packed: UInt64
        let hash: UInt64
        /// The hash of the field name alone (its slot in the table of readings); 0 without one.
        let nameHash: UInt64
    }

    /// Slots of the table of field-name readings (a power of two).
    static let roleSlots = 512

    /// A field name's reading (`FieldRoles.of`), kept so that a value judged under a known name
    /// does not read the name again: names repeat far more than values (every request's headers,
    /// an API's JSON keys), and reading one costs ~500 instructions.
    struct RolesEntry {
        /// `Probe.nameHash`.
        var hash: UInt64
        /// nil in an empty slot.
        var name: String?
        var roles: FieldRoles

        static let empty = RolesEntry(hash: 0, name: nil, roles: FieldRoles.of(nil))
    }

    struct Entry {
        var hash: UInt64
        /// `Probe.packed`; `UInt64.max` in an empty slot (no probe has it: the source code is < 5).
        var packed: UInt64
        var value: [UInt8]
        var fieldName: String?
        var summary: ByteSet
        /// `ValueFacts`, raw.
        var facts: UInt8
        var hits: [Hit]

        static let empty = Entry(
            hash: 0, packed: .max, value: [], fieldName: nil, summary: ByteSet(), facts: 0, hits: [])
    }

    struct State {
        var slots: [Entry]
        /// Per set of `ways` slots, the way used last (hit or stored): the other one is replaced.
        var recent: [UInt8]
        /// One bit per recent first miss, by hash (`sightingBits` bits).
        var sightings = [UInt64](repeating: 0, count: DetectionMemo.sightingBits / 64)
        /// Bits set in `sightings` since it was last cleared.
        var sighted = 0
        /// Field-name readings by `Probe.nameHash` (`roleSlots` slots).
        var roles = [RolesEntry](repeating: .empty, count: DetectionMemo.roleSlots)
        var statistics = Statistics()

        /// Whether the value with this hash missed before (and should be stored now); if not,
        /// notes that it has.
        mutating func sightedBefore(_ hash: UInt64) -> Bool {
            let bit = Int(truncatingIfNeeded: hash >> 40) & (DetectionMemo.sightingBits - 1)
            let mask: UInt64 = 1 << UInt64(bit & 63)
            if sightings[bit >> 6] & mask != 0 { return true }
            if sighted >= DetectionMemo.sightingBits / 2 {
                for word in sightings.indices { sightings[word] = 0 }
                sighted = 0
            }
            sightings[bit >> 6] |= mask
            sighted += 1
            return false
        }
    }

    /// What a lookup found.
    enum Lookup {
        /// The remembered summary, facts (`ValueFacts`) and hits.
        case found(ByteSet, ValueFacts, [Hit])
        /// Not remembered; `store` the detectors' result if `admit` (the value missed before).
        /// `roles`: the field name's reading when the table holds it (nil: read it, and
        /// `storeRoles`).
        case missed(admit: Bool, roles: FieldRoles?)
    }

    /// Slots (a power of two).
    public let capacity: Int
    /// Slots per set: 2, or 1 in a one-slot memo.
    let ways: Int
    /// Sets − 1 (sets are a power of two): a hash's set is `hash & setMask`.
    let setMask: Int
    private let seed: UInt64
    private let state: Mutex<State>

    /// The seed given at creation, if any (`init(capacity:seed:)`).
    let fixedSeed: UInt64?
    /// Names this memo's analyzer configuration (its detectors) in what is kept beside the memo:
    /// random, a multiple of 4 (the low bits take the sensitivity; `Analyzer`).
    package let token: UInt64

    /// `capacity` is rounded up to a power of two (at least 1). `seed`: the hash seed, random when
    /// nil (the default, so that an outsider cannot aim values at one slot); a fixed one makes the
    /// memo's slots, and so its evictions, the same from run to run — for benchmarks that count
    /// instructions, never in a deployment.
    public init(capacity: Int = DetectionMemo.defaultCapacity, seed: UInt64? = nil) {
        var slots = 1
        while slots < capacity { slots <<= 1 }
        self.capacity = slots
        self.ways = slots >= 2 ? 2 : 1
        self.setMask = slots / ways - 1
        self.fixedSeed = seed
        self.seed = seed ?? UInt64.random(in: 1...UInt64.max)
        self.token = UInt64.random(in: 1...(UInt64.max >> 2)) << 2
        self.state = Mutex(
            State(slots: Array(repeating: .empty, count: slots), recent: Array(repeating: 0, count: slots / ways)))
    }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// The probe for `value` in that context; nil (counted as skipped) when it is too long to keep.
    @inline(__always)
    func probe(
        _ value: ArraySlice<UInt8>, source: Source, kind: ValueKind, fieldName: String?, depth: Int,
        sensitivity: Sensitivity
    ) -> Probe? {
        guard value.count <= Self.maxValueBytes, (fieldName?.utf8.count ?? 0) <= Self.maxFieldNameBytes else {
            state.withLock { $0.statistics.skipped += 1 }
            return nil
        }
        let sensitivityCode: UInt64 =
            switch sensitivity {
            case .low: 0
            case .default: 1
            case .high: 2
            }
        let packed =
            UInt64(Self.code(of: source)) | UInt64(kind.rawValue) << 8 | sensitivityCode << 16
            | UInt64(UInt32(truncatingIfNeeded: depth)) << 32
        let (hash, nameHash) = Self.keyHash(value, context: packed, fieldName: fieldName, seed: seed)
        return Probe(packed: packed, hash: hash, nameHash: nameHash)
    }

    /// The hash of a value in a context (packed in one word) under a field name, and the hash of
    /// the name alone (0 without one), seeded. Also the key of `ValueShapeCache` (PalisadeLearn).
    @inline(__always)
    package static func keyHash(_ value: ArraySlice<UInt8>, context: UInt64, fieldName: String?, seed: UInt64)
        -> (hash: UInt64, nameHash: UInt64)
    {
        let hash = value.withUnsafeBytes { Self.hash($0, into: Self.mix(seed ^ context)) }
        var nameHash: UInt64 = 0
        if let fieldName {
            nameHash =
                fieldName.utf8.withContiguousStorageIfAvailable {
                    Self.hash(UnsafeRawBufferPointer($0), into: seed ^ 0x9E37_79B9)
                } ?? UInt64(fieldName.utf8.count)
        }
        return (Self.mix(hash ^ nameHash), nameHash)
    }

    /// The remembered summary and hits for `value` under `fieldName` (`probe` made from them), or
    /// a miss (counted), to be stored if the value missed before.
    func lookup(_ probe: Probe, value: ArraySlice<UInt8>, fieldName: String?) -> Lookup {
        state.withLock { state in
            let set = Int(truncatingIfNeeded: probe.hash) & setMask
            var way = 0
            let found: Lookup? = state.slots.withUnsafeBufferPointer { slots in
                while way < ways {
                    let entry = slots.baseAddress! + (set &* ways &+ way)
                    if entry.pointee.hash == probe.hash, entry.pointee.packed == probe.packed,
                        entry.pointee.fieldName == fieldName, Self.equal(entry, value)
                    {
                        return .found(
                            entry.pointee.summary, ValueFacts(rawValue: entry.pointee.facts),
                            entry.pointee.hits.isEmpty ? [] : entry.pointee.hits)
                    }
                    way &+= 1
                }
                return nil
            }
            if let found {
                state.recent[set] = UInt8(truncatingIfNeeded: way)
                state.statistics.hits += 1
                return found
            }
            state.statistics.misses += 1
            let admit = state.sightedBefore(probe.hash)
            if !admit { state.statistics.firstSightings += 1 }
            var roles: FieldRoles? = nil
            if let fieldName {
                let slot = Int(truncatingIfNeeded: probe.nameHash) & (Self.roleSlots - 1)
                state.roles.withUnsafeBufferPointer { table in
                    let entry = table.baseAddress! + slot
                    if entry.pointee.hash == probe.nameHash, entry.pointee.name == fieldName {
                        roles = entry.pointee.roles
                    }
                }
            }
            return .missed(admit: admit, roles: roles)
        }
    }

    /// Remembers the reading of `fieldName` (`probe` made with it); its slot's previous name is
    /// forgotten.
    func storeRoles(_ probe: Probe, fieldName: String, roles: FieldRoles) {
        var entry = RolesEntry(hash: probe.nameHash, name: fieldName, roles: roles)
        state.withLock { state in
            let slot = Int(truncatingIfNeeded: probe.nameHash) & (Self.roleSlots - 1)
            // The replaced name leaves in `entry`, released after the lock.
            swap(&state.roles[slot], &entry)
        }
    }

    /// Remembers the detectors' result for `value` under `fieldName` (`probe` made from them);
    /// its slot's previous key is forgotten.
    func store(
        _ probe: Probe, value: ArraySlice<UInt8>, fieldName: String?, summary: ByteSet, facts: ValueFacts = [],
        hits: ArraySlice<Hit>
    ) {
        var entry = Entry(
            hash: probe.hash, packed: probe.packed, value: Array(value), fieldName: fieldName, summary: summary,
            facts: facts.rawValue, hits: Array(hits))
        state.withLock { state in
            let set = Int(truncatingIfNeeded: probe.hash) & setMask
            // An empty way if there is one, else the way not used last.
            var way = ways - 1 - Int(state.recent[set])
            for candidate in 0..<ways where state.slots[set &* ways &+ candidate].packed == UInt64.max {
                way = candidate
                break
            }
            state.recent[set] = UInt8(truncatingIfNeeded: way)
            let slot = set &* ways &+ way
            if state.slots[slot].packed == UInt64.max {
                state.statistics.entries += 1
            } else {
                state.statistics.evictions += 1
            }
            // The replaced entry leaves in `entry`, released after the lock.
            swap(&state.slots[slot], &entry)
        }
    }

    /// Forgets every result and sighting (the statistics stay).
    public func removeAll() {
        state.withLock { state in
            for slot in state.slots.indices { state.slots[slot] = .empty }
            for set in state.recent.indices { state.recent[set] = 0 }
            for word in state.sightings.indices { state.sightings[word] = 0 }
            for slot in state.roles.indices { state.roles[slot] = .empty }
            state.sighted = 0
            state.statistics.entries = 0
        }
    }

    private static func code(of source: Source) -> UInt8 {
        switch source {
        case .path: 0
        case .query: 1
        case .header: 2
        case .cookie: 3
        case .body: 4
        }
    }

    /// A seeded 64-bit hash of a text's UTF-8 (the memo's hash): for caches keyed by long texts
    /// (the worker's bearer tokens), which then hash eight bytes, not the text, in a `Dictionary`.
    package static func textHash(_ text: String, seed: UInt64) -> UInt64 {
        let hashed = text.utf8.withContiguousStorageIfAvailable {
            mix(hash(UnsafeRawBufferPointer($0), into: mix(seed)))
        }
        if let hashed { return hashed }
        return Array(text.utf8).withUnsafeBytes { mix(hash($0, into: mix(seed))) }
    }

    /// A final avalanche (the 64-bit finalizer of MurmurHash3).
    @inline(__always)
    private static func mix(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    /// Eight bytes at a time, multiply and fold; the length is mixed in last.
    @inline(__always)
    private static func hash(_ bytes: UnsafeRawBufferPointer, into start: UInt64) -> UInt64 {
        var h = start
        var offset = 0
        let count = bytes.count
        while offset + 8 <= count {
            let word = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            h = (h ^ word) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            offset += 8
        }
        if offset < count {
            // The tail: the last eight bytes (overlapping), or fewer in up to three loads.
            let word = ByteHash.lastWord(bytes)
            h = (h ^ word) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
        }
        return (h ^ UInt64(count)) &* 0xBF58_476D_1CE4_E5B9
    }

    /// Whether the entry's value is `b`, read through the entry's pointer and inlined into the
    /// lookup (it was a call per lookup, with the stored array passed as an argument). Also the
    /// comparison of `ValueShapeCache` (PalisadeLearn): inlinable, so that module specializes it
    /// for its entry (called generically, through the protocol's witness table, it cost ~420
    /// instructions a comparison).
    @inlinable @inline(__always)
    package static func equal<E: StoredValueEntry>(_ entry: UnsafePointer<E>, _ b: ArraySlice<UInt8>) -> Bool {
        guard entry.pointee.value.count == b.count else { return false }
        guard !b.isEmpty else { return true }
        return entry.pointee.value.withUnsafeBytes { x in
            b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
        }
    }
}

/// A cache entry holding the bytes of its key's value (`DetectionMemo.equal`).
@usableFromInline package protocol StoredValueEntry {
    var value: [UInt8] { get }
}

extension DetectionMemo.Entry: StoredValueEntry {}
