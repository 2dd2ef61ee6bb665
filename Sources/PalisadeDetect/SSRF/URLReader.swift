/// Reads a URL the way lenient HTTP clients and browsers do, enough to know where it points:
/// scheme, whether an authority follows (`//`, also `\\`, `/\` and `\/` which WHATWG parsers fold
/// to `//` for special schemes), userinfo, host and port. Nothing is resolved.
public struct URLParts: Sendable, Equatable {
    /// Lowercased scheme without `:` (empty for scheme-relative `//host` or a bare host).
    public var scheme = URLScheme()
    /// Where the scheme starts in the value (or the `//`, or the host for a bare host).
    public var start: Int
    /// Indices of the raw host in the value (brackets included for IPv6).
    public var hostRange: Range<Int>
    /// The authority had a `user[:password]@` part.
    public var hasUserinfo = false
    /// Slashes between `scheme:` and the host were unusual (`\\`, `/\`, `\/`, `///`, or none: `https:evil`).
    public var oddSlashes = false
    /// No slashes at all between scheme and host (`http:evil.com`).
    public var noSlashes = false
    /// The URL carried tab/newline/whitespace inside the scheme or before the host.
    public var controlCharacters = false
    /// End of the authority in the value.
    public var authorityEnd: Int
}

public enum URLReader {
    static let schemeByte = ByteSet("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")
    static let authorityEnd = ByteSet("/?#\\ \t\r\n\"'<>`{}|^", extra: [0])

    /// The scheme at `start` (letters then `:`), lowercased, and the index after the colon.
    static func scheme(_ v: ArraySlice<UInt8>, at start: Int) -> (scheme: URLScheme, after: Int, control: Bool)? {
        var i = start
        var count = 0
        var control = false
        guard i < v.endIndex, (v[i] | 0x20) >= 0x61, (v[i] | 0x20) <= 0x7A else { return nil }
        while i < v.endIndex, i - start < URLScheme.capacity {
            let byte = v[i]
            if schemeByte.contains(byte) {
                count += 1
            } else if byte == 0x09 || byte == 0x0A || byte == 0x0D {
                control = true
            } else {
                break
            }
            i += 1
        }
        guard i < v.endIndex, v[i] == UInt8(ascii: ":"), count >= 2 else { return nil }
        // Built only now: most words followed by something else than `:` are not schemes.
        var out = URLScheme()
        for byte in v[start..<i] where schemeByte.contains(byte) { out.append(Bytes.lower(byte)) }
        return (out, i + 1, control)
    }

    /// Parses a URL starting at `start`: `scheme://…`, `scheme:` + host for the schemes that take
    /// one, or a scheme-relative `//host`. Returns nil when no host can be read.
    public static func parse(_ v: ArraySlice<UInt8>, at start: Int) -> URLParts? {
        var i = start
        var scheme = URLScheme()
        var control = false
        var hadScheme = false
        if let (s, after, c) = Self.scheme(v, at: start) {
            scheme = s
            i = after
            control = c
            hadScheme = true
        }
        // Slashes (and the backslash variants browsers fold into them), with tabs/newlines ignored.
        var slashes = 0
        var odd = false
        while i < v.endIndex, slashes < 8 {
            let byte = v[i]
            if byte == UInt8(ascii: "/") {
                slashes += 1
            } else if byte == UInt8(ascii: "\\") {
                slashes += 1
                odd = true
            } else if byte == 0x09 || byte == 0x0A || byte == 0x0D {
                control = true
            } else {
                break
            }
            i += 1
        }
        if slashes > 2 { odd = true }
        if hadScheme {
            if slashes == 0 {
                // `http:evil.com` is `http://evil.com` to WHATWG parsers; other schemes have no host.
                guard scheme.isSpecial else { return nil }
            } else if slashes == 1 {
                guard scheme.isSpecial else { return nil }
                odd = true
            }
        } else {
            guard slashes >= 2 else { return nil }
        }
        // Authority: up to the first delimiter; userinfo ends at the last `@`.
        let authorityStart = i
        var end = i
        var at: Int? = nil
        while end < v.endIndex, end - authorityStart < 512 {
            let byte = v[end]
            if byte == UInt8(ascii: "@") {
                at = end
            } else if authorityEnd.contains(byte) {
                break
            }
            end += 1
        }
        var hostStart = authorityStart
        if let at { hostStart = at + 1 }
        var hostEnd = hostStart
        if hostStart < end, v[hostStart] == UInt8(ascii: "[") {
            hostEnd = v[hostStart..<end].firstIndex(of: UInt8(ascii: "]")).map { $0 + 1 } ?? end
        } else {
            hostEnd = v[hostStart..<end].firstIndex(of: UInt8(ascii: ":")) ?? end
        }
        guard hostEnd > hostStart || scheme.is("file") else { return nil }
        return URLParts(
            scheme: scheme, start: start, hostRange: hostStart..<hostEnd, hasUserinfo: at != nil,
            oddSlashes: odd, noSlashes: hadScheme && slashes == 0, controlCharacters: control, authorityEnd: end)
    }

    /// Starts of URLs inside a longer value: every `scheme://` (and `scheme:\\`) and every `//`
    /// following a delimiter, at most `limit`.
    static func urlStarts(_ v: ArraySlice<UInt8>, limit: Int = 8) -> [Int] {
        Array(IteratorSequence(URLStarts(v, limit: limit)))
    }

    /// The starts `urlStarts` lists, in order, read one at a time without collecting them.
    struct URLStarts: IteratorProtocol {
        let v: ArraySlice<UInt8>
        let limit: Int
        var i: Int
        var found = 0

        init(_ v: ArraySlice<UInt8>, limit: Int = 8) {
            self.v = v
            self.limit = limit
            i = v.startIndex
        }

        mutating func next() -> Int? {
            while i + 2 < v.endIndex, found < limit {
                if v[i] == UInt8(ascii: ":"),
                    v[i + 1] == UInt8(ascii: "/") || v[i + 1] == UInt8(ascii: "\\")
                {
                    // Walk back over the scheme.
                    var s = i
                    while s > v.startIndex, s > i - 32, schemeByte.contains(v[s - 1]) { s -= 1 }
                    while s < i, !((v[s] | 0x20) >= 0x61 && (v[s] | 0x20) <= 0x7A) { s += 1 }
                    i += 3
                    if s < i - 3 {
                        found += 1
                        return s
                    }
                    continue
                }
                i += 1
            }
            return nil
        }
    }
}

/// A URL's scheme, lowercased, held inline (at most `capacity` bytes, all a scheme reading takes):
/// reading and comparing one allocates nothing, where an array did for every URL judged.
public struct URLScheme: Sendable, Equatable, CustomStringConvertible {
    static let capacity = 32
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    public private(set) var count = 0

    public init() {}

    /// `name`'s bytes, lowercased; nil when longer than `capacity`.
    init?(_ name: StaticString) {
        guard name.utf8CodeUnitCount <= Self.capacity else { return nil }
        name.withUTF8Buffer { for byte in $0 { append(Bytes.lower(byte)) } }
    }

    public var isEmpty: Bool { count == 0 }

    mutating func append(_ byte: UInt8) {
        precondition(count < Self.capacity)
        let index = count
        withUnsafeMutableBytes(of: &words) { $0[index] = byte }
        count += 1
    }

    /// The bytes, in order.
    public var bytes: [UInt8] {
        withUnsafeBytes(of: words) { Array($0.prefix(count)) }
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// Whether the scheme is `name` (given in lowercase).
    func `is`(_ name: StaticString) -> Bool {
        guard name.utf8CodeUnitCount == count else { return false }
        return name.withUTF8Buffer { expected in
            withUnsafeBytes(of: words) { raw in
                for index in 0..<count where raw[index] != expected[index] { return false }
                return true
            }
        }
    }

    /// Schemes whose URLs always have a host (WHATWG "special" schemes).
    var isSpecial: Bool {
        switch count {
        case 2: `is`("ws")
        case 3: `is`("ftp") || `is`("wss")
        case 4: `is`("http")
        case 5: `is`("https")
        default: false
        }
    }

    public static func == (a: URLScheme, b: URLScheme) -> Bool {
        a.count == b.count && a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2
            && a.words.3 == b.words.3
    }
}
