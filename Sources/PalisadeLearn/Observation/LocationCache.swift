import PalisadeCore

/// Recent parameter locations, so that a point whose location was seen before (the same field of
/// the same kind of request, request after request) costs a lookup in `ObservationBuilder.observe`
/// instead of building its location from the tree, normalizing it, reading its source and noise
/// and making its string (~1,300 instructions a point; docs/LEARNING.md, "Observation").
///
/// A location is named exactly by the chain of its points' segments from a root
/// (`DecodedRequest.segmentIdentity(of:)`), so the cache is a tree: a node per location, found by
/// its parent's node and its own segment. What a node holds is a pure function of that chain
/// (and, for `noise`, of the builder's noise lists: a builder with other lists empties it first).
///
/// Bounded: at most `capacity` nodes (a request's points may add theirs on top); when full it is
/// emptied before the next observation. Locations longer than `maxLocationBytes`, and segments
/// longer than `maxSegmentBytes`, are not kept (nor anything below them). Thread-safe (a mutex);
/// the worker gives each processor its own.
public final class LocationCache: Sendable {
    /// Default number of nodes.
    public static let defaultCapacity = 4096
    /// Longest normalized location kept, in bytes.
    public static let maxLocationBytes = 512
    /// Longest segment key kept, in bytes.
    public static let maxSegmentBytes = 128

    /// Counts since the cache was made.
    public struct Statistics: Sendable, Equatable, CacheCounts {
        public var hits = 0
        public var misses = 0
        /// Times the cache was emptied (full, or another builder's noise lists).
        public var resets = 0

        mutating func add(_ other: Statistics) {
            hits += other.hits
            misses += other.misses
            resets += other.resets
        }
    }

    /// A location as `ObservationBuilder` uses it.
    struct Node {
        /// Normalized (`ObservationBuilder.normalize`).
        var location: String
        /// `FNV1a` of `location`'s UTF-8.
        var hash: UInt64
        var source: ParamSource
        /// A noise header's location (`ObservationBuilder.isNoise(headerLocation:)`).
        var noise: Bool
    }

    /// A node's key: its parent's node (-1 for a root) and its own segment.
    struct Key {
        var parent: Int32
        var segment: SegmentIdentity
        /// `Tree.hash(parent:segment:)`.
        var hash: UInt64
        /// The segment's key is ASCII (`Tree.hash(parent:segment:)` found out).
        var ascii: Bool

        /// Whether `other` is this key. The keys' `String` equality first (quick: equal small
        /// strings have equal bits, ASCII ones compare their bytes); it is canonical equivalence,
        /// so a key that is not ASCII is compared byte by byte too (`SegmentIdentity.==`).
        func matches(_ other: Key) -> Bool {
            hash == other.hash && parent == other.parent && segment.marker == other.segment.marker
                && segment.decoderID == other.segment.decoderID && segment.key == other.segment.key
                && (ascii || segment == other.segment)
        }
    }

    /// The nodes, taken out of the mutex for the length of one observation (`take`, `put`). An
    /// open-addressing table of node numbers over the keys (a `Dictionary` keyed by the segment's
    /// string hashed and compared through `Hasher` and `String` at ~1,500 instructions a lookup).
    struct Tree: LendableTable {
        var keys: [Key] = []
        var nodes: [Node] = []
        /// Node numbers, -1 where empty; a power of two, at most half full.
        var slots: [Int32] = Array(repeating: -1, count: 64)
        /// The noise lists `Node.noise` was read with (`ObservationBuilder.noiseListsID`).
        var noiseListsID: UInt64 = 0
        /// Seeds `hash`, so an outsider cannot aim keys at one run of slots.
        let seed = UInt64.random(in: 1...UInt64.max)
        /// Counts of this observation, added to the cache's when it is put back.
        var counts = Statistics()

        /// The key of `segment` below node `parent`: hashed (FNV-1a over the key's bytes, seeded,
        /// then mixed) and with whether the key is ASCII.
        func key(parent: Int32, segment: SegmentIdentity) -> Key {
            var h =
                seed
                ^ (UInt64(UInt32(bitPattern: parent)) << 24 | UInt64(segment.marker) << 16 | UInt64(segment.decoderID))
            var high: UInt8 = 0
            // Over the key's contiguous UTF-8 (native and small strings have it; `withUTF8` on a
            // copy checked and retained the copy first).
            let hashed: Void? = segment.key.utf8.withContiguousStorageIfAvailable { bytes in
                for byte in bytes {
                    h = (h ^ UInt64(byte)) &* 0x100_0000_01B3
                    high |= byte
                }
            }
            if hashed == nil {
                for byte in segment.key.utf8 {
                    h = (h ^ UInt64(byte)) &* 0x100_0000_01B3
                    high |= byte
                }
            }
            h ^= h >> 33
            h &*= 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 33
            return Key(parent: parent, segment: segment, hash: h, ascii: high < 0x80)
        }

        /// The node of `key`, if there is one.
        func find(_ key: Key) -> Int32? {
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: key.hash) & mask
            return keys.withUnsafeBufferPointer { keys in
                while true {
                    let id = slots[slot]
                    if id < 0 { return nil }
                    // In place: binding `keys[id]` copied it (a retain and release of its string).
                    let stored = keys.baseAddress! + Int(id)
                    if stored.pointee.matches(key) { return id }
                    slot = (slot + 1) & mask
                }
            }
        }

        /// Adds `node` under `key` (not there yet); its number.
        mutating func insert(_ node: Node, at key: Key) -> Int32 {
            if (nodes.count + 1) * 2 > slots.count { grow() }
            let id = Int32(nodes.count)
            keys.append(key)
            nodes.append(node)
            place(id)
            return id
        }

        private mutating func place(_ id: Int32) {
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: keys[Int(id)].hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = id
        }

        private mutating func grow() {
            slots = Array(repeating: -1, count: slots.count * 2)
            for id in keys.indices { place(Int32(id)) }
        }

        mutating func empty() {
            keys.removeAll(keepingCapacity: true)
            nodes.removeAll(keepingCapacity: true)
            for slot in slots.indices { slots[slot] = -1 }
        }
    }

    public let capacity: Int
    /// The tree, lent to one observation at a time (another one running at the same time starts
    /// empty).
    private let lent = LentTable(Tree())

    public init(capacity: Int = LocationCache.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    public var statistics: Statistics { lent.statistics }

    /// Number of nodes held (0 while an observation has them).
    public var count: Int { lent.withTable { $0?.nodes.count ?? 0 } }

    /// The tree for one observation: emptied first when it is full or was read with other noise
    /// lists.
    func take(noiseListsID: UInt64) -> Tree {
        var tree = lent.take() ?? Tree()
        if tree.nodes.count >= capacity || tree.noiseListsID != noiseListsID {
            if !tree.nodes.isEmpty { tree.counts.resets += 1 }
            tree.empty()
            tree.noiseListsID = noiseListsID
        }
        return tree
    }

    /// Gives back what `take` gave, with its counts.
    func put(_ tree: Tree) { lent.put(tree) }
}
