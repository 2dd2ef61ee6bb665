/// A fast hash of every byte, for the decoders' caches (`DecodeReplayCache`, `HeaderValueCache`),
/// which compare an entry's bytes in full before using it: a collision, by chance or crafted,
/// costs a miss and never a wrong result. Swift's `Hasher` cost ~1,200 instructions per token.
public enum ByteHash {
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
        let tail = offset < raw.count ? lastWord(raw) : 0
        hash = (hash ^ tail ^ UInt64(raw.count) << 56) &* multiplier
        hash ^= hash >> 32
    }

    /// The last eight bytes of `raw` as a word (overlapping what came before them), or for fewer
    /// than eight its bytes in up to three loads; 0 when it is empty. Also the tail of
    /// `DetectionMemo`'s hash.
    @inlinable @inline(__always)
    public static func lastWord(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        let count = raw.count
        if count >= 8 { return raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) }
        if count >= 4 {
            return UInt64(raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)) << 32
                | UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
        }
        guard count > 0 else { return 0 }
        return UInt64(raw[0]) << 16 | UInt64(raw[count >> 1]) << 8 | UInt64(raw[count - 1])
    }
}
