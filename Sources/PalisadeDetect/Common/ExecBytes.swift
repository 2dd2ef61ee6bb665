/// Allocation-free byte helpers shared by the execution families (rce, code_injection, ssti,
/// jndi, deserialization): case-insensitive search, identifier reading, small finding record.
enum ExecBytes {
    @inline(__always)
    static func isIdentStart(_ byte: UInt8) -> Bool {
        (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == UInt8(ascii: "_")
    }

    @inline(__always)
    static func isIdent(_ byte: UInt8) -> Bool {
        isIdentStart(byte) || (byte >= 0x30 && byte <= 0x39)
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    @inline(__always)
    static func isAlpha(_ byte: UInt8) -> Bool { byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A }

    /// First index ≥ `from` where `needle` (ASCII) starts, ignoring case. O(n·m) with a first-byte
    /// skip; needles are short.
    static func find(_ haystack: ArraySlice<UInt8>, _ needle: StaticString, from: Int? = nil) -> Int? {
        ByteFind.index(of: needle, in: haystack, from: from, ignoringCase: true)
    }

    static func contains(_ haystack: ArraySlice<UInt8>, _ needle: StaticString) -> Bool {
        find(haystack, needle) != nil
    }

    /// Whether `needle` (ASCII, case-insensitive) starts at `index`.
    static func matches(_ haystack: ArraySlice<UInt8>, at index: Int, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard index >= haystack.startIndex, index + count <= haystack.endIndex else { return false }
        let base = needle.utf8Start
        for offset in 0..<count where Bytes.lower(haystack[index + offset]) != Bytes.lower(base[offset]) {
            return false
        }
        return true
    }

    /// Whether `needle` starts at `index` exactly (case-sensitive).
    static func matchesExactly(_ haystack: ArraySlice<UInt8>, at index: Int, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard index >= haystack.startIndex, index + count <= haystack.endIndex else { return false }
        let base = needle.utf8Start
        for offset in 0..<count where haystack[index + offset] != base[offset] { return false }
        return true
    }

    /// Index of the first non-space byte at or after `index` (or `endIndex`).
    @inline(__always)
    static func skipSpaces(_ value: ArraySlice<UInt8>, _ index: Int) -> Int {
        var i = index
        while i < value.endIndex, Bytes.isSpace(value[i]) { i += 1 }
        return i
    }

    /// Index of the last non-space byte before `index` (or nil).
    @inline(__always)
    static func previousNonSpace(_ value: ArraySlice<UInt8>, _ index: Int) -> Int? {
        var i = index - 1
        while i >= value.startIndex, Bytes.isSpace(value[i]) { i -= 1 }
        return i >= value.startIndex ? i : nil
    }

    /// Counts prose-like words (≥ 3 letters, letters only) in the value, up to `limit`.
    static func proseWords(_ value: ArraySlice<UInt8>, limit: Int = 12) -> Int {
        var count = 0
        var run = 0
        var clean = true
        var previous: UInt8 = 0x20
        for byte in value {
            if isAlpha(byte) {
                if run == 0 { clean = Bytes.isSpace(previous) || previous == UInt8(ascii: "(") }
                run += 1
            } else {
                if run >= 3, clean, Bytes.isSpace(byte) || byte == UInt8(ascii: ",") || byte == UInt8(ascii: ".") {
                    count += 1
                    if count >= limit { return count }
                }
                run = 0
            }
            previous = byte
        }
        if run >= 3, clean { count += 1 }
        return count
    }
}

/// The strongest reading found so far by an execution-family detector.
struct ExecBest {
    var confidence = 0.0
    var rule = ""
    var range = 0..<0

    mutating func consider(_ c: Double, _ r: String, _ range: Range<Int>) {
        if c > confidence {
            confidence = min(c, 0.99)
            rule = r
            self.range = range
        }
    }
}

extension ExecBytes {
    /// First index where `needle` (ASCII) starts, case-sensitive.
    static func findExactly(_ haystack: ArraySlice<UInt8>, _ needle: StaticString, from: Int? = nil) -> Int? {
        ByteFind.index(of: needle, in: haystack, from: from)
    }
}
