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
/// Bounded: `slotCount` slots chosen by a seeded hash of the header and the value's length and
/// sampled words (`sampledHash`; a new value replaces its slot's), values of at most `maxBytes`
/// bytes. A slot is used only after its header and bytes compared equal, so a collision, by chance
/// or crafted, costs a copy and never a different point. The gates' answer depends on the decoder
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
    }

    /// The slots, used under the lock for all of one request's headers.
    struct Slots {
        fileprivate var slots: [Slot]
        fileprivate let seed: UInt64
        fileprivate let table: DecoderTable
        /// Values found and values copied (and remembered), since the cache was made.
        private(set) var hits = 0
        private(set) var misses = 0

        /// The bytes of header `header`'s value and what the sniffing gates say of them: the
        /// remembered ones when this value was seen last in its slot, else a copy (remembered
        /// now). `admitted` is nil for a value too long to remember (the gates are read later,
        /// as for any value).
        mutating func bytes(of value: String, header: Int) -> (bytes: [UInt8], admitted: UInt64?) {
            // The lookup captures plain values only: a closure capturing `self` copied the slots
            // array and the table in and out (two retains and two releases a header).
            let seed = self.seed
            let probe: (slot: Int, hash: UInt64, found: Bool)?? = slots.withUnsafeBufferPointer { slots in
                value.utf8.withContiguousStorageIfAvailable { utf8 in
                    guard utf8.count <= HeaderValueCache.maxBytes else { return nil }
                    let hash = HeaderValueCache.sampledHash(UnsafeRawBufferPointer(utf8), header: header, seed: seed)
                    let slot = Int(truncatingIfNeeded: hash) & (HeaderValueCache.slotCount - 1)
                    let found =
                        slots[slot].hash == hash && slots[slot].header == header
                        && slots[slot].bytes.withUnsafeBufferPointer { Bytes.equal($0, utf8) }
                    return (slot, hash, found)
                }
            }
            guard let probe, let (slot, hash, found) = probe else { return (Array(value.utf8), nil) }
            if found {
                hits &+= 1
            } else {
                misses &+= 1
                let bytes = Array(value.utf8)
                let admitted = bytes.withUnsafeBufferPointer { table.admitted($0) }
                slots[slot] = Slot(hash: hash, header: header, bytes: bytes, admitted: admitted)
            }
            return slots.withUnsafeBufferPointer { ($0[slot].bytes, $0[slot].admitted) }
        }
    }

    /// A slot's hash from the header, the length and three words of the value (its first, middle
    /// and last eight bytes, or fewer): the slot only has to spread values, since a found slot's
    /// bytes are compared in full — values alike but for the bytes not read share a slot and
    /// replace each other, costing a copy each as before the cache. Hashing every byte cost ~110
    /// instructions a header.
    @inline(__always)
    static func sampledHash(_ raw: UnsafeRawBufferPointer, header: Int, seed: UInt64) -> UInt64 {
        let count = raw.count
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        if count >= 8 {
            words.0 = raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
            words.1 = raw.loadUnaligned(fromByteOffset: (count - 8) / 2, as: UInt64.self)
            words.2 = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else {
            words.0 = ByteHash.lastWord(raw)
        }
        var hash = (seed ^ UInt64(truncatingIfNeeded: header) << 32 ^ UInt64(count)) &* 0x9E37_79B9_7F4A_7C15
        hash = (hash ^ words.0) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ words.1 ^ hash >> 29) &* 0x94D0_49BB_1331_11EB
        hash = (hash ^ words.2 ^ hash >> 31) &* 0x9E37_79B9_7F4A_7C15
        return hash ^ hash >> 32
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
        state = Mutex(Slots(slots: Array(repeating: Slot(), count: Self.slotCount), seed: seed, table: table))
    }

    /// The slot a value of header `header` takes (tests: which values share one).
    func slot(of value: String, header: Int) -> Int {
        let seed = state.withLock { $0.seed }
        return Array(value.utf8).withUnsafeBytes {
            Int(truncatingIfNeeded: Self.sampledHash($0, header: header, seed: seed)) & (Self.slotCount - 1)
        }
    }

    /// Runs `body` with the slots, under the lock.
    func withSlots<R>(_ body: (inout Slots) -> R) -> R {
        state.withLock { body(&$0) }
    }

    /// Values found and values copied since the cache was made.
    var counts: (hits: Int, misses: Int) { state.withLock { ($0.hits, $0.misses) } }
}
