import PalisadeCore

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
    /// RFC 9110 `tchar`.
    static let tokenBytes = ByteSet("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// Whether every byte of the name is a `tchar`.
    static func isToken(_ name: String) -> Bool {
        let utf8 = name.utf8
        return utf8.withContiguousStorageIfAvailable { $0.allSatisfy { tokenBytes.contains($0) } }
            ?? utf8.allSatisfy { tokenBytes.contains($0) }
    }
}
