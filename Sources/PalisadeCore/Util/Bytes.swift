#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small byte helpers shared by decoders. All ASCII-only; nothing allocates unless it returns an array.
public enum Bytes {
    @inlinable @inline(__always)
    public static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// Whether `haystack` starts with the ASCII `prefix`, ignoring case. Inlinable so that callers
    /// in other modules get it specialized for their collection (it runs on hot paths).
    @inlinable
    public static func hasPrefixIgnoringCase<C: Collection<UInt8>>(_ haystack: C, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard haystack.count >= count else { return false }
        let start = prefix.utf8Start
        var index = haystack.startIndex
        for offset in 0..<count {
            if lower(haystack[index]) != lower(start[offset]) { return false }
            index = haystack.index(after: index)
        }
        return true
    }

    /// Whether `bytes` start with the ASCII `prefix`, case sensitive. Inlinable, for hot paths in
    /// other modules (the generic `starts(with:)` over a `String.UTF8View` is not specialized there).
    @inlinable
    public static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        let start = prefix.utf8Start
        for offset in 0..<count where bytes[offset] != start[offset] { return false }
        return true
    }

    /// Whether `text`'s UTF-8 contains `byte`.
    public static func contains(_ text: String, _ byte: UInt8) -> Bool {
        if let found = text.utf8.withContiguousStorageIfAvailable({ buffer -> Bool in
            for candidate in buffer where candidate == byte { return true }
            return false
        }) {
            return found
        }
        return text.utf8.contains(byte)
    }

    /// Whether `haystack` contains the ASCII `needle`, ignoring case. O(n·m), fine for short needles.
    public static func containsIgnoringCase(_ haystack: ArraySlice<UInt8>, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard count > 0, haystack.count >= count else { return count == 0 }
        let needleBytes = needle.utf8Start
        let first = lower(needleBytes[0])
        // Over the slice's storage: no bounds check per byte.
        return haystack.withUnsafeBufferPointer { buffer in
            guard let bytes = buffer.baseAddress else { return false }
            var index = 0
            let last = buffer.count - count
            // A needle starting with a byte that has no other case (`-----BEGIN`, `${`): its
            // candidates found by `memchr`, which reads many bytes at a time.
            if first == needleBytes[0], !(first >= 0x61 && first <= 0x7A) {
                while index <= last {
                    guard let found = memchr(bytes + index, Int32(first), last - index + 1) else { return false }
                    index = bytes.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    var offset = 1
                    while offset < count, lower(bytes[index + offset]) == lower(needleBytes[offset]) { offset += 1 }
                    if offset == count { return true }
                    index += 1
                }
                return false
            }
            while index <= last {
                if lower(bytes[index]) == first {
                    var offset = 1
                    while offset < count, lower(bytes[index + offset]) == lower(needleBytes[offset]) { offset += 1 }
                    if offset == count { return true }
                }
                index += 1
            }
            return false
        }
    }

    /// Whether two buffers hold the same bytes (`memcmp`; the generic `elementsEqual` goes byte by
    /// byte through iterators).
    @inlinable
    public static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }

    /// Whether two strings hold the same UTF-8 bytes (not `==`, which compares characters: `é` and
    /// `e` + U+0301 are equal strings with different bytes).
    @inlinable
    public static func sameUTF8(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a
        var b = b
        return a.withUTF8 { x in b.withUTF8 { y in equal(x, y) } }
    }

    /// The slice without leading and trailing ASCII whitespace.
    /// ``trimmed(_:)-(ArraySlice<UInt8>)`` over bytes in place (indices from 0 again).
    public static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = bytes.count
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    public static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return bytes[start..<end]
    }

    @inline(__always)
    public static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C || byte == 0x0B
    }

    /// Whether the bytes are valid UTF-8.
    public static func isValidUTF8<C: Collection<UInt8>>(_ bytes: C) -> Bool {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// Share of bytes that are printable text (ASCII printable, whitespace, or UTF-8 lead/continuation
    /// bytes) — a quick plausibility test for decoded Base64 and similar.
    public static func printableRatio<C: Collection<UInt8>>(_ bytes: C) -> Double {
        guard !bytes.isEmpty else { return 0 }
        var printable = 0
        for byte in bytes where (byte >= 0x20 && byte != 0x7F) || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            printable += 1
        }
        return Double(printable) / Double(bytes.count)
    }

    /// Lowercased ASCII copy of a string's bytes (non-ASCII untouched).
    public static func lowercased(_ string: String) -> String {
        // Most names (headers, fields) are lowercase already: no copy then. The check reads the
        // string's contiguous UTF-8 storage when it has one (iterating the `UTF8View` is slower).
        let utf8 = string.utf8
        let upper =
            utf8.withContiguousStorageIfAvailable { $0.contains { $0 >= 0x41 && $0 <= 0x5A } }
            ?? utf8.contains { $0 >= 0x41 && $0 <= 0x5A }
        if !upper { return string }
        var bytes = Array(string.utf8)
        for i in bytes.indices { bytes[i] = lower(bytes[i]) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
