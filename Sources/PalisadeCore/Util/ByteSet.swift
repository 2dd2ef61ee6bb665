/// A set of byte values as a 256-bit bitmap: the decoders' sniff gates and every detector's
/// pre-filter. Lookups are a shift and a mask; sets are built once, in a `static let`.
public struct ByteSet: Sendable, Equatable {
    @usableFromInline var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init() {}

    public init(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { insert(byte) }
    }

    /// The ASCII bytes of `ascii`, plus `extra`.
    public init(_ ascii: StaticString, extra: [UInt8] = []) {
        let count = ascii.utf8CodeUnitCount
        for offset in 0..<count { insert(ascii.utf8Start[offset]) }
        for byte in extra { insert(byte) }
    }

    /// The bytes `b` for which `predicate(b)` holds.
    public init(where predicate: (UInt8) -> Bool) {
        for byte in UInt8.min...UInt8.max where predicate(byte) { insert(byte) }
    }

    /// The set of bytes that occur in `bytes`, in one pass: a value's summary that every
    /// detector's pre-filter can test with `intersects` instead of scanning the value again.
    /// Without a branch per byte (the word a byte falls in indexes memory): with one, text whose
    /// bytes alternate between words (letters, digits, punctuation) mispredicted often. Two sets
    /// of words, for even and odd positions, so that consecutive bytes in one word do not wait
    /// on each other's store.
    @inlinable
    public init(presentIn bytes: ArraySlice<UInt8>) {
        var lanes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let n = buffer.count
            withUnsafeMutableBytes(of: &lanes) { raw in
                let words = raw.baseAddress!.assumingMemoryBound(to: UInt64.self)
                var i = 0
                while i &+ 2 <= n {
                    let a = base[i]
                    let b = base[i &+ 1]
                    words[Int(a &>> 6)] |= 1 &<< UInt64(a & 63)
                    words[4 &+ Int(b &>> 6)] |= 1 &<< UInt64(b & 63)
                    i &+= 2
                }
                if i < n {
                    let a = base[i]
                    words[Int(a &>> 6)] |= 1 &<< UInt64(a & 63)
                }
            }
        }
        words = (lanes.0 | lanes.4, lanes.1 | lanes.5, lanes.2 | lanes.6, lanes.3 | lanes.7)
    }

    @inlinable
    public mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    @inlinable @inline(__always)
    public func contains(_ byte: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    /// Whether any byte of `bytes` is in the set.
    @inlinable @inline(__always)
    public func containsAny(_ bytes: ArraySlice<UInt8>) -> Bool {
        for byte in bytes where contains(byte) { return true }
        return false
    }

    /// The bytes in either set.
    @inlinable
    public func union(_ other: ByteSet) -> ByteSet {
        var set = self
        set.words = (
            words.0 | other.words.0, words.1 | other.words.1, words.2 | other.words.2, words.3 | other.words.3
        )
        return set
    }

    /// Whether the two sets share a byte.
    @inlinable @inline(__always)
    public func intersects(_ other: ByteSet) -> Bool {
        (words.0 & other.words.0) | (words.1 & other.words.1) | (words.2 & other.words.2) | (words.3 & other.words.3)
            != 0
    }

    /// The set with each ASCII uppercase letter it holds also as its lowercase letter:
    /// `caseFolded.isSuperset(of: letters)` tells whether every lowercase letter of `letters` is
    /// there in either case, in one test.
    @inlinable
    public var caseFolded: ByteSet {
        var folded = self
        // `A`–`Z` are bits 1–26 of the second word, `a`–`z` the same bits 32 higher.
        folded.words.1 |= (words.1 & 0x07FF_FFFE) << 32
        return folded
    }

    /// Whether the set holds the ASCII letter `lower` (given in lowercase) in either case.
    @inlinable @inline(__always)
    public func containsEitherCase(_ lower: UInt8) -> Bool {
        contains(lower) || contains(lower & 0xDF)
    }

    /// Whether every byte of `other` is in the set.
    @inlinable @inline(__always)
    public func isSuperset(of other: ByteSet) -> Bool {
        (other.words.0 & ~words.0) | (other.words.1 & ~words.1) | (other.words.2 & ~words.2)
            | (other.words.3 & ~words.3) == 0
    }

    /// Whether the set holds bytes of 0x80 and above (UTF-8 beyond ASCII, or binary).
    @inlinable
    public var hasNonASCII: Bool { words.2 | words.3 != 0 }

    public static func == (lhs: ByteSet, rhs: ByteSet) -> Bool {
        lhs.words == rhs.words
    }
}
