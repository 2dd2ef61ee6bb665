/// Substring search over bytes for the request-level detectors: allocation-free, O(n·m) with
/// short needles, case-sensitive or ASCII-case-insensitive.
public enum ByteFind {
    /// The index of the first occurrence of `needle` in `haystack` at or after `from`, or nil.
    public static func index(
        of needle: StaticString, in haystack: ArraySlice<UInt8>, from: Int? = nil, ignoringCase: Bool = false
    ) -> Int? {
        let count = needle.utf8CodeUnitCount
        let start = max(from ?? haystack.startIndex, haystack.startIndex)
        guard count > 0, haystack.endIndex - start >= count else { return nil }
        let bytes = needle.utf8Start
        let first = ignoringCase ? Bytes.lower(bytes[0]) : bytes[0]
        var index = start
        let last = haystack.endIndex - count
        while index <= last {
            let candidate = ignoringCase ? Bytes.lower(haystack[index]) : haystack[index]
            if candidate == first {
                var matched = true
                var offset = 1
                while offset < count {
                    let a = haystack[index + offset]
                    let b = bytes[offset]
                    if ignoringCase ? Bytes.lower(a) != Bytes.lower(b) : a != b {
                        matched = false
                        break
                    }
                    offset += 1
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }

    public static func contains(_ needle: StaticString, in haystack: ArraySlice<UInt8>, ignoringCase: Bool = false)
        -> Bool
    {
        index(of: needle, in: haystack, ignoringCase: ignoringCase) != nil
    }

    @inline(__always)
    public static func isIdentifier(_ byte: UInt8) -> Bool {
        (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F
    }
}
