/// A fast hash of every byte, for the decoders' replay caches (`DecodeReplayCache`), which compare
/// an entry's bytes in full before using it: a collision, by chance or crafted, costs a miss and
/// never a wrong result. Swift's `Hasher` cost ~1,200 instructions per token.
enum ByteHash {
    /// Folds `raw` into `hash`, eight bytes at a time (multiply, rotate), its length with the last.
    @inline(__always)
    static func mix(_ raw: UnsafeRawBufferPointer, into hash: inout UInt64) {
        let multiplier: UInt64 = 0x9FB2_1C65_1E98_DF25
        var offset = 0
        while offset + 8 <= raw.count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            hash = (hash ^ word) &* multiplier
            hash = hash << 23 | hash >> 41
            offset += 8
        }
        // The last bytes: the eight ending the value (overlapping) when there are that many, else
        // up to three loads.
        var tail: UInt64 = 0
        let count = raw.count
        if offset < count {
            if count >= 8 {
                tail = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            } else if count >= 4 {
                tail =
                    UInt64(raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)) << 32
                    | UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
            } else {
                tail = UInt64(raw[0]) << 16 | UInt64(raw[count >> 1]) << 8 | UInt64(raw[count - 1])
            }
        }
        hash = (hash ^ tail ^ UInt64(raw.count) << 56) &* multiplier
        hash ^= hash >> 32
    }
}
