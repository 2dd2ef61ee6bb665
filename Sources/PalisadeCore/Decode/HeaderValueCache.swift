import Synchronization

/// Recent values of the headers the engine knows by name (`HeaderRoots`), so that a value seen
/// again becomes its root point without being copied: the point shares the remembered bytes (a
/// retain, where a copy was an allocation, a copy and a free again when the request ended) and
/// carries what the sniffing gates said of them (`DecoderTable.admitted`), which are not read
/// again.
///
/// Real traffic repeats most header values from one request to the next: `Accept*`, a client's
/// `User-Agent`, cookie and token, the client hints, `Origin`, `X-Forwarded-Proto`. A gateway's
/// headers made a repeated header value cost ~2,700 instructions, of which the copy, its free and
/// the gates were ~550.
///
/// Bounded: `slotCount` slots chosen by a seeded hash of the header and the value (a new value
/// replaces its slot's), values of at most `maxBytes` bytes. Each header's last value is tried
/// first, by its slot, without hashing: the headers every client sends alike (`Accept*`, the
/// client hints, `Origin`) are found with one comparison; the others (a client's `User-Agent`,
/// cookie, token) are hashed in full, so that values alike but for a few bytes (user agents that
/// differ in a version) do not share a slot. A slot is used only after its header and bytes
/// compared equal, so a collision, by chance or crafted, costs a copy and never a different point. The gates' answer depends on the decoder
/// table too: a cache belongs to one table (`table`), and a decoder whose registry changes makes a
/// new one. One lock per request (`withSlots`); each analyzer's decoder has its own cache, so a
/// worker's scoring tasks do not share one.
final class HeaderValueCache: Sendable {
    static let slotCount = 1024
    static let maxBytes = 512

    struct Slot {
        var hash: UInt64 = 0
        /// The header's position in `HeaderRoots.entries`; -1 in an empty slot.
        var header: Int = -1
        var bytes: [UInt8] = []
        /// `DecoderTable.admitted(bytes)`.
        var admitted: UInt64 = 0
        /// Counts the values the slot has held: a value's reference (`RememberedHeader`) is good
        /// only while the slot still holds that value.
        var generation: UInt32 = 0
        /// What an analyzer concluded of the value (`RememberedAnalysis`); none at first.
        var analysis = RememberedAnalysis()
    }

    /// The slots, used under the lock for all of one request's headers.
    struct Slots {
        fileprivate var slots: [Slot]
        /// Per header (`HeaderRoots.entries`), the slot of the value it had last, or -1.
        fileprivate var lastSlot: [Int16]
        fileprivate let seed: UInt64
        fileprivate let table: DecoderTable
        /// Values found and values copied (and remembered), since the cache was made.
        private(set) var hits = 0
        private(set) var misses = 0

        /// The bytes of header `header` (its position in `HeaderRoots.entries`)'s value and what
        /// the sniffing gates say of them: the remembered ones when the value is in its slot,
        /// else a copy (remembered now), and the slot. `admitted` is nil and `slot` -1 for a value
        /// too long to remember (the gates are read later, as for any value).
        mutating func bytes(of value: String, header: Int) -> (bytes: [UInt8], admitted: UInt64?, slot: Int) {
            // The lookup captures plain values only: a closure capturing `self` copied the slots
            // array and the table in and out (two retains and two releases a header).
            let seed = self.seed
            let last = Int(lastSlot[header])
            let probe: (slot: Int, hash: UInt64, found: Bool)?? = slots.withUnsafeBufferPointer { slots in
                value.utf8.withContiguousStorageIfAvailable { utf8 in
                    guard utf8.count <= HeaderValueCache.maxBytes else { return nil }
                    // The header's last value, compared without a hash.
                    // Slots read through their addresses: `slots[i].field` copied the whole slot.
                    let base = slots.baseAddress!
                    if last >= 0, base[last].header == header,
                        (base + last).pointee.bytes.withUnsafeBufferPointer({ Bytes.equal($0, utf8) })
                    {
                        return (last, base[last].hash, true)
                    }
                    let hash = HeaderValueCache.hash(UnsafeRawBufferPointer(utf8), header: header, seed: seed)
                    let slot = HeaderValueCache.slot(of: hash)
                    let entry = base + slot
                    let found =
                        entry.pointee.hash == hash && entry.pointee.header == header
                        && entry.pointee.bytes.withUnsafeBufferPointer { Bytes.equal($0, utf8) }
                    return (slot, hash, found)
                }
            }
            guard let probe, let (slot, hash, found) = probe else { return (Array(value.utf8), nil, -1) }
            if found {
                hits &+= 1
            } else {
                misses &+= 1
                let bytes = Array(value.utf8)
                let admitted = bytes.withUnsafeBufferPointer { table.admitted($0) }
                slots[slot] = Slot(
                    hash: hash, header: header, bytes: bytes, admitted: admitted,
                    generation: slots[slot].generation &+ 1)
            }
            lastSlot[header] = Int16(truncatingIfNeeded: slot)
            // Field by field through the slot's address: `$0[slot].field` copied the whole slot
            // (a retain and release of its bytes) for each field.
            return slots.withUnsafeBufferPointer {
                let entry = $0.baseAddress! + slot
                return (entry.pointee.bytes, entry.pointee.admitted, slot)
            }
        }

        /// The value in `slot` (from `bytes(of:header:)`, under the same lock) as root point `point`'s.
        func reference(slot: Int, point: Int) -> RememberedHeader {
            slots.withUnsafeBufferPointer {
                let entry = $0.baseAddress! + slot
                return RememberedHeader(
                    point: Int32(truncatingIfNeeded: point), slot: Int16(truncatingIfNeeded: slot),
                    generation: entry.pointee.generation, analysis: entry.pointee.analysis)
            }
        }

        /// Keeps `analysis` with the value `reference` names, if its slot still holds it.
        mutating func remember(_ analysis: RememberedAnalysis, for reference: RememberedHeader) {
            let slot = Int(reference.slot)
            guard slot >= 0, slot < slots.count, slots[slot].generation == reference.generation else { return }
            slots[slot].analysis = analysis
        }
    }

    /// The decoder table whose gates the slots hold.
    let table: DecoderTable
    private let state: Mutex<Slots>

    /// `seed` nil (the default): from `Hasher`, random per process and fixed under
    /// `SWIFT_DETERMINISTIC_HASHING=1` (benchmarks that count instructions); tests give one.
    init(table: DecoderTable, seed: UInt64? = nil) {
        self.table = table
        var hasher = Hasher()
        hasher.combine(0x4856_4331)
        let seed = seed ?? UInt64(UInt(bitPattern: hasher.finalize()))
        state = Mutex(
            Slots(
                slots: Array(repeating: Slot(), count: Self.slotCount),
                lastSlot: Array(repeating: -1, count: HeaderRoots.standard.entries.count), seed: seed, table: table))
    }

    /// The seeded hash of header `header`'s value `bytes`.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer, header: Int, seed: UInt64) -> UInt64 {
        var hash = seed ^ UInt64(truncatingIfNeeded: header)
        ByteHash.mix(bytes, into: &hash)
        return hash
    }

    /// The slot of a value with this hash.
    @inline(__always)
    static func slot(of hash: UInt64) -> Int { Int(truncatingIfNeeded: hash) & (slotCount - 1) }

    /// The slot a value of header `header` takes when hashed (tests: which values share one).
    func slot(of value: String, header: Int) -> Int {
        let seed = state.withLock { $0.seed }
        return Array(value.utf8).withUnsafeBytes { Self.slot(of: Self.hash($0, header: header, seed: seed)) }
    }

    /// Runs `body` with the slots, under the lock.
    func withSlots<R>(_ body: (inout Slots) -> R) -> R {
        state.withLock { body(&$0) }
    }

    /// Keeps each analysis with its value (`Slots.remember`), under one lock.
    func remember(_ analyses: [(RememberedHeader, RememberedAnalysis)]) {
        state.withLock { slots in
            for (reference, analysis) in analyses { slots.remember(analysis, for: reference) }
        }
    }

    /// Values found and values copied since the cache was made.
    var counts: (hits: Int, misses: Int) { state.withLock { ($0.hits, $0.misses) } }
}

/// A root point whose value a decoder's `HeaderValueCache` holds: where (its slot and the slot's
/// generation when the value was found there) and what an analyzer had concluded of it then.
package struct RememberedHeader: Sendable {
    /// The point's index in `DecodedRequest.points`.
    package var point: Int32
    package var slot: Int16
    package var generation: UInt32
    package var analysis: RememberedAnalysis
}

/// What an analyzer concluded of a header value it found nothing in, kept with the value in the
/// decoder's `HeaderValueCache` so that the next request carrying it need not be judged, nor
/// looked up in the detection memo: the value's byte summary and facts (`ValueFacts`' raw value)
/// under the analyzer whose configuration `token` names (0: nothing kept).
package struct RememberedAnalysis: Sendable {
    package var token: UInt64 = 0
    package var bytes = ByteSet()
    package var facts: UInt8 = 0

    package init() {}

    package init(token: UInt64, bytes: ByteSet, facts: UInt8) {
        self.token = token
        self.bytes = bytes
        self.facts = facts
    }
}
