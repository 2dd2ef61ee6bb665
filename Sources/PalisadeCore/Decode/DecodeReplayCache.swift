import Synchronization

/// What a decode asked of the budget, kept with its remembered result (`DecodeReplayCache`).
protocol ReplayCharges: Sendable {
    /// Makes the same charges if the budget lets every step succeed as it did the first time, and
    /// returns true; else returns false with the budget untouched.
    func replay(on budget: inout DecodeBudget) -> Bool
}

/// Recently decoded values of one decoder (the JWT decoder's tokens, the cookie decoder's
/// headers), shared by the threads using it: at most `capacity` values of at most `maxBytes`
/// bytes, forgotten all at once when full.
///
/// A decoder stores a result only when it depends on nothing but the key (the value's bytes, a
/// field name, one limit) and touched the budget in a way `Charges` can repeat. A replay makes
/// those charges only if every step would succeed again; otherwise the value is decoded again,
/// so a replayed result is always what decoding would have produced: same children, same
/// annotations, same budget left.
final class DecodeReplayCache<Charges: ReplayCharges>: Sendable {
    static var capacity: Int { 256 }
    static var maxBytes: Int { 4096 }

    /// The input bytes and everything else the decode depends on, with their hash.
    struct Key: Sendable {
        let bytes: ArraySlice<UInt8>
        let fieldName: String?
        /// The one limit the decode reads (the JWT decoder's `maxStructureDepth`, the cookie
        /// decoder's `maxPoints`).
        let limit: Int
        let hash: Int

        /// Nil for values too long to remember.
        init?(_ bytes: ArraySlice<UInt8>, fieldName: String?, limit: Int) {
            guard bytes.count <= DecodeReplayCache.maxBytes else { return nil }
            var hash = UInt64(truncatingIfNeeded: limit) &+ 0x9E37_79B9_7F4A_7C15
            bytes.withUnsafeBytes { ByteHash.mix($0, into: &hash) }
            if var name = fieldName {
                name.withUTF8 { ByteHash.mix(UnsafeRawBufferPointer($0), into: &hash) }
            } else {
                hash = (hash ^ 0xFF) &* 0xFF51_AFD7_ED55_8CCD
            }
            self.bytes = bytes
            self.fieldName = fieldName
            self.limit = limit
            // The dictionary hashes this number again with its own seed; an entry's bytes, field
            // name and limit are compared in full before it is replayed (`ByteHash`).
            self.hash = Int(truncatingIfNeeded: hash ^ (hash >> 29))
        }

        static func equal(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
            a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in Bytes.equal(x, y) } }
        }

        func matches(_ entry: Entry) -> Bool {
            entry.fieldName == fieldName && entry.limit == limit && Self.equal(entry.bytes, bytes)
        }
    }

    struct Entry: Sendable {
        let bytes: [UInt8]
        let fieldName: String?
        let limit: Int
        let decoded: Decoded
        let charges: Charges
    }

    private let entries = Mutex<[Int: Entry]>([:])

    init() {}

    /// Values remembered now.
    var count: Int { entries.withLock { $0.count } }

    /// The remembered result for `key`, its charges made, if the budget lets every step succeed
    /// as it did the first time; else nil and the budget untouched.
    func replay(_ key: Key, budget: inout DecodeBudget) -> Decoded? {
        guard let entry = entries.withLock({ $0[key.hash] }), key.matches(entry),
            entry.charges.replay(on: &budget)
        else { return nil }
        var decoded = entry.decoded
        decoded.childrenShared = true
        return decoded
    }

    func store(_ key: Key, decoded: Decoded, charges: Charges) {
        let entry = Entry(
            bytes: Array(key.bytes), fieldName: key.fieldName, limit: key.limit, decoded: decoded, charges: charges)
        entries.withLock { entries in
            if entries.count >= Self.capacity, entries[key.hash] == nil { entries.removeAll(keepingCapacity: true) }
            entries[key.hash] = entry
        }
    }
}
