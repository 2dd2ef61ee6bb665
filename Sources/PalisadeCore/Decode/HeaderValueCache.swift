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
/// Bounded: `slotCount` slots chosen by a seeded hash of the value and the header (a new value
/// replaces its slot's), values of at most `maxBytes` bytes. A slot is used only after its bytes
/// and header compared equal, so a collision, by chance or crafted, costs a copy and never a
/// different point. The gates' answer depends on the decoder table too: a cache belongs to one
/// table (`table`), and a decoder whose registry changes makes a new one. One lock per request
/// (`withSlots`); each analyzer's decoder has its own cache, so a worker's scoring tasks do not
/// share one.
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
            // The slot holding the value now (found, or stored), or -1 for a value too long.
            let slot: Int? = value.utf8.withContiguousStorageIfAvailable { utf8 in
                guard utf8.count <= HeaderValueCache.maxBytes else { return -1 }
                var hash = seed ^ UInt64(truncatingIfNeeded: header)
                ByteHash.mix(UnsafeRawBufferPointer(utf8), into: &hash)
                let slot = Int(truncatingIfNeeded: hash) & (HeaderValueCache.slotCount - 1)
                let found = slots.withUnsafeBufferPointer { slots in
                    slots[slot].hash == hash && slots[slot].header == header
                        && slots[slot].bytes.withUnsafeBufferPointer { Bytes.equal($0, utf8) }
                }
                if found {
                    hits &+= 1
                } else {
                    misses &+= 1
                    slots[slot] = Slot(hash: hash, header: header, bytes: Array(utf8), admitted: table.admitted(utf8))
                }
                return slot
            }
            guard let slot, slot >= 0 else { return (Array(value.utf8), nil) }
            return slots.withUnsafeBufferPointer { ($0[slot].bytes, $0[slot].admitted) }
        }
    }

    /// The decoder table whose gates the slots hold.
    let table: DecoderTable
    private let state: Mutex<Slots>

    /// The seed comes from `Hasher`: random per process, fixed under
    /// `SWIFT_DETERMINISTIC_HASHING=1` (benchmarks that count instructions).
    init(table: DecoderTable) {
        self.table = table
        var hasher = Hasher()
        hasher.combine(0x4856_4331)
        let seed = UInt64(UInt(bitPattern: hasher.finalize()))
        state = Mutex(
            Slots(slots: Array(repeating: Slot(), count: Self.slotCount), seed: seed, table: table))
    }

    /// Runs `body` with the slots, under the lock.
    func withSlots<R>(_ body: (inout Slots) -> R) -> R {
        state.withLock { body(&$0) }
    }

    /// Values found and values copied since the cache was made.
    var counts: (hits: Int, misses: Int) { state.withLock { ($0.hits, $0.misses) } }
}
