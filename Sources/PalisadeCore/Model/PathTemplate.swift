/// A first, stateless path template: segments that are plainly identifiers (numbers, UUIDs,
/// long hex, dates, e-mails, long opaque tokens) become `{id}`-style placeholders. The aggregator
/// refines templates from traffic (issue 7); this one needs no memory.
public enum PathTemplate {
    public static func template<S: StringProtocol>(for path: S) -> String {
        templated(path)
    }

    /// The same for a `String` (every verdict computes one): specialized here rather than run as
    /// an unspecialized generic from other modules.
    public static func template(for path: String) -> String {
        templated(path)
    }

    private static func templated<S: StringProtocol>(_ path: S) -> String {
        // ASCII paths (the norm: raw paths are percent-encoded) over their bytes; others by
        // `Character` below, where a combining mark after `/` keeps the two together.
        if let result = path.utf8.withContiguousStorageIfAvailable({ asciiTemplated($0) }), let ascii = result {
            return ascii
        }
        var out = ""
        out.reserveCapacity(path.utf8.count)
        for (i, segment) in path.split(separator: "/", omittingEmptySubsequences: false).enumerated() {
            if i > 0 { out += "/" }
            if let placeholder = placeholder(for: segment) {
                out += placeholder
            } else {
                out += segment
            }
        }
        return out.isEmpty ? "/" : out
    }

    /// `templated` over an ASCII path's bytes; nil if a byte is not ASCII.
    private static func asciiTemplated(_ path: UnsafeBufferPointer<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(path.count)
        var start = 0
        while start <= path.count {
            var end = start
            while end < path.count, path[end] != UInt8(ascii: "/") {
                if path[end] >= 0x80 { return nil }
                end += 1
            }
            if start > 0 { out.append(UInt8(ascii: "/")) }
            let segment = UnsafeBufferPointer(rebasing: path[start..<end])
            if let placeholder = placeholder(bytes: segment) {
                out.append(contentsOf: placeholder.utf8)
            } else {
                out.append(contentsOf: segment)
            }
            start = end + 1
        }
        return out.isEmpty ? "/" : String(decoding: out, as: UTF8.self)
    }

    /// `placeholder(for:)` over a segment's bytes.
    static func placeholder(bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if bytes.count < 20, !bytes.contains(where: { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "@") }) {
            return nil
        }
        return placeholder(nonEmpty: Array(bytes))
    }

    /// The placeholder a segment stands for, or nil to keep it.
    public static func placeholder<S: StringProtocol>(for segment: S) -> String? {
        // Fast path without copying: every placeholder needs a digit, an `@`, or 20+ bytes.
        let view = segment.utf8
        if view.count < 20, !view.contains(where: { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "@") }) {
            return nil
        }
        return placeholder(nonEmpty: Array(view))
    }

    private static func placeholder(nonEmpty bytes: [UInt8]) -> String? {
        guard !bytes.isEmpty else { return nil }
        if bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return "{id}" }
        if isUUID(bytes) { return "{uuid}" }
        if bytes.count >= 16, bytes.allSatisfy({ hexValue($0) != nil }) { return "{hex}" }
        if isDate(bytes) { return "{date}" }
        if bytes.contains(UInt8(ascii: "@")), bytes.contains(UInt8(ascii: ".")) { return "{email}" }
        if bytes.count >= 20, isToken(bytes) { return "{token}" }
        return nil
    }

    static func isUUID(_ b: [UInt8]) -> Bool {
        guard b.count == 36 else { return false }
        for (i, byte) in b.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if byte != UInt8(ascii: "-") { return false }
            } else if hexValue(byte) == nil {
                return false
            }
        }
        return true
    }

    static func isDate(_ b: [UInt8]) -> Bool {
        // YYYY-MM-DD
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return false }
        for i in [0, 1, 2, 3, 5, 6, 8, 9] where !(b[i] >= 0x30 && b[i] <= 0x39) { return false }
        return true
    }

    /// Opaque tokens: alphanumeric plus `-_`, with both letters and digits.
    static func isToken(_ b: [UInt8]) -> Bool {
        var digits = 0
        var letters = 0
        for byte in b {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): letters += 1
            case UInt8(ascii: "-"), UInt8(ascii: "_"): continue
            default: return false
            }
        }
        return digits > 0 && letters > 0
    }
}
