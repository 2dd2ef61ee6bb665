/// A set of bytes as a 256-bit bitmap: the pre-filter primitive of every detector.
/// Lookups are a shift and a mask; building one happens once, in a `static let`.
public struct ByteSet: Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init(_ ascii: StaticString, extra: [UInt8] = []) {
        let count = ascii.utf8CodeUnitCount
        for offset in 0..<count { insert(ascii.utf8Start[offset]) }
        for byte in extra { insert(byte) }
    }

    public mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    @inline(__always)
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
    @inline(__always)
    public func containsAny(_ bytes: ArraySlice<UInt8>) -> Bool {
        for byte in bytes where contains(byte) { return true }
        return false
    }

    /// The set of bytes that occur in `bytes`, in one pass: a value's summary that every
    /// detector's pre-filter can test with `intersects` instead of scanning the value again.
    public init(presentIn bytes: ArraySlice<UInt8>) {
        var w0: UInt64 = 0
        var w1: UInt64 = 0
        var w2: UInt64 = 0
        var w3: UInt64 = 0
        bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer {
                let bit = UInt64(1) << UInt64(byte & 63)
                switch byte >> 6 {
                case 0: w0 |= bit
                case 1: w1 |= bit
                case 2: w2 |= bit
                default: w3 |= bit
                }
            }
        }
        words = (w0, w1, w2, w3)
    }

    /// The bytes in either set.
    public func union(_ other: ByteSet) -> ByteSet {
        var set = self
        set.words = (
            words.0 | other.words.0, words.1 | other.words.1, words.2 | other.words.2, words.3 | other.words.3
        )
        return set
    }

    /// Whether the two sets share a byte.
    @inline(__always)
    public func intersects(_ other: ByteSet) -> Bool {
        (words.0 & other.words.0) | (words.1 & other.words.1) | (words.2 & other.words.2) | (words.3 & other.words.3)
            != 0
    }

    /// Whether the set holds bytes of 0x80 and above (UTF-8 beyond ASCII, or binary).
    public var hasNonASCII: Bool { words.2 | words.3 != 0 }
}

/// FNV-1a over ASCII-lowercased bytes: keyword tables are keyed by it so a lookup allocates nothing.
public enum WordHash {
    public static let seed: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always)
    public static func add(_ hash: UInt64, _ byte: UInt8) -> UInt64 {
        (hash ^ UInt64(Bytes.lower(byte))) &* 0x0000_0100_0000_01B3
    }

    public static func of<C: Collection<UInt8>>(_ bytes: C) -> UInt64 {
        var hash = seed
        for byte in bytes { hash = add(hash, byte) }
        return hash
    }

    public static func of(_ string: String) -> UInt64 { of(string.utf8) }
}

/// Header-name helpers over the name's UTF-8 storage (names are read for every header of every
/// request by the request-level detectors).
enum HeaderName {
    /// The name lowercased (ASCII), returned as is when it has no uppercase letter — the usual
    /// case — without iterating the `String.UTF8View`.
    static func lowercased(_ name: String) -> String {
        let upper = name.utf8.withContiguousStorageIfAvailable { $0.contains { $0 >= 0x41 && $0 <= 0x5A } }
        return upper == false ? name : Bytes.lowercased(name)
    }

    /// RFC 9110 `tchar`.
    static let tokenBytes = ByteSet("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// Whether every byte of the name is a `tchar`.
    static func isToken(_ name: String) -> Bool {
        let utf8 = name.utf8
        return utf8.withContiguousStorageIfAvailable { $0.allSatisfy { tokenBytes.contains($0) } }
            ?? utf8.allSatisfy { tokenBytes.contains($0) }
    }
}
