/// A first, stateless path template: segments that are plainly identifiers (numbers, UUIDs,
/// long hex, dates, e-mails, long opaque tokens) become `{id}`-style placeholders. The aggregator
/// refines templates from traffic (issue 7); this one needs no memory.
public enum PathTemplate {
    public static func template<S: StringProtocol>(for path: S) -> String {
        templated(path)
    }

    /// The same for a `String`, and for a `Substring` (`CaptureRecord.path`: every verdict computes
    /// one): specialized here rather than run as an unspecialized generic from other modules.
    public static func template(for path: String) -> String {
        templated(path)
    }

    public static func template(for path: Substring) -> String {
        templated(path)
    }

    /// `template(for: record.path)` from the raw path itself (`CaptureRecord.rawPath`): the path
    /// part (before `?` or `#`) found and templated over the same bytes in place, without the
    /// `Substring` in between (the worker and the analyzer make one template per request).
    public static func template(forRawPath rawPath: String) -> String {
        var raw = rawPath
        var pathEnd = 0
        let result = raw.withUTF8 { bytes -> ASCIIResult in
            pathEnd = CaptureRecord.pathEnd(bytes)
            let path = UnsafeBufferPointer(rebasing: bytes[..<pathEnd])
            switch asciiTemplated(path) {
            case .unchanged: return .templated(String(decoding: path, as: UTF8.self))
            case let other: return other
            }
        }
        if case .templated(let template) = result { return template }
        // Not ASCII: the `Character` reading, over the same substring as `CaptureRecord.path`.
        let utf8 = rawPath.utf8
        return templated(rawPath[..<utf8.index(utf8.startIndex, offsetBy: pathEnd)])
    }

    private static func templated<S: StringProtocol>(_ path: S) -> String {
        // ASCII paths (the norm: raw paths are percent-encoded) over their bytes; others by
        // `Character` below, where a combining mark after `/` keeps the two together.
        if let result = path.utf8.withContiguousStorageIfAvailable({ asciiTemplated($0) }) {
            switch result {
            case .unchanged: return String(path)
            case .templated(let template): return template
            case .notASCII: break
            }
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

    /// What `asciiTemplated` made of a path.
    private enum ASCIIResult {
        /// A byte is not ASCII: the `Character` reading decides.
        case notASCII
        /// No segment stands for an identifier: the template is the path (`/` for an empty one).
        case unchanged
        case templated(String)
    }

    /// `templated` over an ASCII path's bytes. Two passes instead of an intermediate array: the
    /// first checks the bytes and measures the template, the second writes it into the string's
    /// own storage — and is skipped when no segment changes (most paths: `/v1/orders`), where
    /// the path is its own template.
    private static func asciiTemplated(_ path: UnsafeBufferPointer<UInt8>) -> ASCIIResult {
        var length = 0
        var changed = false
        var start = 0
        while start <= path.count {
            var end = start
            while end < path.count, path[end] != UInt8(ascii: "/") {
                if path[end] >= 0x80 { return .notASCII }
                end += 1
            }
            if start > 0 { length += 1 }
            if let placeholder = placeholder(bytes: UnsafeBufferPointer(rebasing: path[start..<end])) {
                length += placeholder.utf8.count
                changed = true
            } else {
                length += end - start
            }
            start = end + 1
        }
        guard changed else { return path.isEmpty ? .templated("/") : .unchanged }
        let template = String(unsafeUninitializedCapacity: length) { out in
            var written = 0
            func write(_ bytes: UnsafeBufferPointer<UInt8>) {
                for byte in bytes {
                    out[written] = byte
                    written += 1
                }
            }
            var start = 0
            while start <= path.count {
                var end = start
                while end < path.count, path[end] != UInt8(ascii: "/") { end += 1 }
                if start > 0 {
                    out[written] = UInt8(ascii: "/")
                    written += 1
                }
                let segment = UnsafeBufferPointer(rebasing: path[start..<end])
                if var placeholder = placeholder(bytes: segment) {
                    placeholder.withUTF8 { write($0) }
                } else {
                    write(segment)
                }
                start = end + 1
            }
            return written
        }
        return .templated(template)
    }

    /// `placeholder(for:)` over a segment's bytes (valid UTF-8): what other modules call, since
    /// the generic one runs unspecialized from there (generic metadata looked up at run time).
    public static func placeholder(bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if bytes.count < 20, !bytes.contains(where: { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "@") }) {
            return nil
        }
        return placeholder(nonEmpty: bytes)
    }

    /// The placeholder a segment stands for, or nil to keep it.
    public static func placeholder<S: StringProtocol>(for segment: S) -> String? {
        // Fast path without copying: every placeholder needs a digit, an `@`, or 20+ bytes.
        let view = segment.utf8
        if view.count < 20, !view.contains(where: { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "@") }) {
            return nil
        }
        return Array(view).withUnsafeBufferPointer { placeholder(nonEmpty: $0) }
    }

    private static func placeholder(nonEmpty bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard !bytes.isEmpty else { return nil }
        if bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return "{id}" }
        if isUUID(bytes) { return "{uuid}" }
        if bytes.count >= 16, bytes.allSatisfy({ hexValue($0) != nil }) { return "{hex}" }
        if isDate(bytes) { return "{date}" }
        if bytes.contains(UInt8(ascii: "@")), bytes.contains(UInt8(ascii: ".")) { return "{email}" }
        if bytes.count >= 20, isToken(bytes) { return "{token}" }
        return nil
    }

    static func isUUID(_ b: [UInt8]) -> Bool { b.withUnsafeBufferPointer { isUUID($0) } }

    static func isUUID(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
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

    static func isDate(_ b: [UInt8]) -> Bool { b.withUnsafeBufferPointer { isDate($0) } }

    static func isDate(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        // YYYY-MM-DD
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return false }
        for i in [0, 1, 2, 3, 5, 6, 8, 9] where !(b[i] >= 0x30 && b[i] <= 0x39) { return false }
        return true
    }

    /// Opaque tokens: alphanumeric plus `-_`, with both letters and digits.
    static func isToken(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
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
