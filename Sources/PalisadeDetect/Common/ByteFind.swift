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
        let needleBytes = needle.utf8Start
        // Over the slice's storage: no bounds check per byte (this runs for most values).
        return haystack.withUnsafeBufferPointer { buffer -> Int? in
            guard let bytes = buffer.baseAddress else { return nil }
            let last = buffer.count - count
            var index = start - haystack.startIndex
            if ignoringCase {
                let first = Bytes.lower(needleBytes[0])
                // A letter matches in either case exactly when its byte with 0x20 set is the
                // lowercase letter: one OR and one compare a byte instead of a range test.
                let mask: UInt8 = first >= 0x61 && first <= 0x7A ? 0x20 : 0
                while index <= last {
                    if bytes[index] | mask == first {
                        var offset = 1
                        while offset < count, Bytes.lower(bytes[index + offset]) == Bytes.lower(needleBytes[offset]) {
                            offset += 1
                        }
                        if offset == count { return haystack.startIndex + index }
                    }
                    index += 1
                }
            } else {
                let first = needleBytes[0]
                while index <= last {
                    if bytes[index] == first {
                        var offset = 1
                        while offset < count, bytes[index + offset] == needleBytes[offset] { offset += 1 }
                        if offset == count { return haystack.startIndex + index }
                    }
                    index += 1
                }
            }
            return nil
        }
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

/// Many short ASCII needles looked for in one pass, ASCII-case-insensitively: each position of a
/// haystack is compared only with the needles that start with its byte. Needles keep their list
/// order (`candidates` ascending), so callers can honour "the first needle of the list wins".
struct NeedleSet: Sendable {
    /// The needles, lowercased.
    let needles: [[UInt8]]
    /// Per lowercased byte: indices of the needles starting with it, ascending.
    private let byFirstByte: [[Int]]
    /// The needles' first bytes, in both cases.
    private let firstBytes: ByteSet
    /// Per lowercased first byte: the second bytes of the needles starting with it, in both cases
    /// (every byte when a needle is that one byte long).
    private let secondBytes: [ByteSet]
    /// Bit `b0 << 8 | b1` set when `firstBytes` holds `b0` and `secondBytes[lower(b0)]` holds `b1`:
    /// `mayStart`'s two tests as one load.
    private let pairs: [UInt64]
    /// Per needle: its second byte, lowercased (`UInt16.max` for a one-byte needle). `matches`
    /// rejects most candidates on it without reading the needle's own array: every probe path
    /// starts with `/`, so each `/` of a path otherwise compared dozens of needles.
    private let seconds: [UInt16]
    /// Per needle: its first byte, lowercased.
    private let firsts: [UInt8]
    /// The needles by their first two bytes (`candidates(_:_:)`): bucket `b`'s are
    /// `bucketItems[bucketStarts[b]..<bucketStarts[b + 1]]`, ascending.
    private let bucketStarts: [Int]
    private let bucketItems: [Int]

    init(_ list: [StaticString]) {
        needles = list.map { needle in
            (0..<needle.utf8CodeUnitCount).map { Bytes.lower(needle.utf8Start[$0]) }
        }
        seconds = needles.map { $0.count >= 2 ? UInt16($0[1]) : .max }
        firsts = needles.map { $0.first ?? 0 }
        var buckets = [[Int]](repeating: [], count: 256)
        for (index, needle) in needles.enumerated() where !needle.isEmpty {
            if needle.count == 1 {
                // Any second byte: in every bucket.
                for bucket in buckets.indices { buckets[bucket].append(index) }
            } else {
                buckets[Self.bucket(needle[0], needle[1])].append(index)
            }
        }
        var starts = [0]
        for bucket in buckets { starts.append(starts[starts.count - 1] + bucket.count) }
        bucketStarts = starts
        bucketItems = buckets.flatMap { $0 }
        var table = [[Int]](repeating: [], count: 256)
        var first = ByteSet("")
        var second = [ByteSet](repeating: ByteSet(""), count: 256)
        func insertBothCases(_ byte: UInt8, into set: inout ByteSet) {
            set.insert(byte)
            if byte >= 0x61, byte <= 0x7A { set.insert(byte - 0x20) }
        }
        for (index, needle) in needles.enumerated() where !needle.isEmpty {
            table[Int(needle[0])].append(index)
            insertBothCases(needle[0], into: &first)
            if needle.count == 1 {
                for byte in UInt8.min...UInt8.max { second[Int(needle[0])].insert(byte) }
            } else {
                insertBothCases(needle[1], into: &second[Int(needle[0])])
            }
        }
        byFirstByte = table
        firstBytes = first
        secondBytes = second
        var pairs = [UInt64](repeating: 0, count: 1024)
        for b0 in UInt8.min...UInt8.max where first.contains(b0) {
            for b1 in UInt8.min...UInt8.max where second[Int(Bytes.lower(b0))].contains(b1) {
                let pair = Int(b0) << 8 | Int(b1)
                pairs[pair >> 6] |= 1 << UInt64(pair & 63)
            }
        }
        self.pairs = pairs
    }

    /// Whether a needle may start at `at`: the byte there and the next are the first two of some
    /// needle (ASCII case-insensitively). A cheap test before `candidates`.
    @inline(__always)
    func mayStart(in haystack: ArraySlice<UInt8>, at: Int) -> Bool {
        at + 1 < haystack.endIndex ? startsPair(haystack[at], haystack[at + 1]) : firstBytes.contains(haystack[at])
    }

    /// `mayStart` over a buffer (offsets from 0): no bounds check per byte on the haystack.
    @inline(__always)
    func mayStart(in haystack: UnsafeBufferPointer<UInt8>, at: Int) -> Bool {
        at + 1 < haystack.count ? startsPair(haystack[at], haystack[at + 1]) : firstBytes.contains(haystack[at])
    }

    /// Whether `first`, `second` are the first two bytes of some needle (the `pairs` bit).
    @inline(__always)
    private func startsPair(_ first: UInt8, _ second: UInt8) -> Bool {
        let pair = Int(first) << 8 | Int(second)
        return pairs[pair >> 6] & (1 << UInt64(pair & 63)) != 0
    }

    /// `matches` over a buffer (offsets from 0).
    @inline(__always)
    func matches(_ index: Int, in haystack: UnsafeBufferPointer<UInt8>, at: Int) -> Bool {
        let second = seconds[index]
        if second != .max {
            // The second byte first, from the flat table (the loop below would compare it first too).
            guard at + 1 < haystack.count, UInt16(Bytes.lower(haystack[at + 1])) == second else { return false }
        }
        let needle = needles[index]
        guard haystack.count - at >= needle.count else { return false }
        for offset in 1..<needle.count where Bytes.lower(haystack[at + offset]) != needle[offset] { return false }
        return true
    }

    /// Whether every needle starts with `byte` (ASCII case-insensitively): a caller may then visit
    /// only the positions holding it.
    func allStart(with byte: UInt8) -> Bool {
        needles.allSatisfy { $0.first == Bytes.lower(byte) }
    }

    /// Whether any needle occurs in `haystack` (ASCII case-insensitively), in one pass: needles
    /// are compared only where a byte could start one. A cheap necessary condition for code that
    /// then looks for the needles one by one.
    func occurs(in haystack: ArraySlice<UInt8>) -> Bool {
        for at in haystack.indices where mayStart(in: haystack, at: at) {
            for candidate in candidates(haystack[at]) where matches(candidate, in: haystack, at: at) { return true }
        }
        return false
    }

    /// The bucket of a needle's first two bytes (lowercased): 256 buckets, so a pair's needles
    /// share theirs with few others.
    @inline(__always)
    private static func bucket(_ first: UInt8, _ second: UInt8) -> Int { (Int(first) &* 31 &+ Int(second)) & 255 }

    /// The needles that may start at `at` of `haystack`, ascending: those whose first two bytes
    /// share the bucket of the bytes there (one-byte needles are in every bucket; at the last
    /// byte, the bucket of a second byte 0). A superset, not in list order by first byte alone:
    /// a caller keeps those for which `startsWith(_:_:)` holds, then asks `matches`. Where every
    /// needle starts with the same byte (probe paths all start with `/`), `candidates(_:)` would
    /// hand over every needle at each `/`.
    @inline(__always)
    func candidates(in haystack: UnsafeBufferPointer<UInt8>, at: Int) -> Range<Int> {
        let second = at + 1 < haystack.count ? Bytes.lower(haystack[at + 1]) : 0
        let bucket = Self.bucket(Bytes.lower(haystack[at]), second)
        return bucketStarts[bucket]..<bucketStarts[bucket + 1]
    }

    /// Needle number `item` of a `candidates(in:at:)` range.
    @inline(__always)
    func candidate(_ item: Int) -> Int { bucketItems[item] }

    /// Whether needle `index` starts with `byte`, ASCII-case-insensitively.
    @inline(__always)
    func startsWith(_ index: Int, _ byte: UInt8) -> Bool { firsts[index] == Bytes.lower(byte) }

    /// Needles that may start with `byte`, in list order.
    @inline(__always)
    func candidates(_ byte: UInt8) -> [Int] { byFirstByte[Int(Bytes.lower(byte))] }

    /// Whether needle `index` occurs at `at` in `haystack`.
    @inline(__always)
    func matches(_ index: Int, in haystack: ArraySlice<UInt8>, at: Int) -> Bool {
        let needle = needles[index]
        guard haystack.endIndex - at >= needle.count else { return false }
        for offset in 1..<needle.count where Bytes.lower(haystack[at + offset]) != needle[offset] { return false }
        return true
    }
}
