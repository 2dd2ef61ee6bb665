/// Building relative location paths for decoder children.
///
/// Keys that are plain identifiers render as `.name`; anything else renders quoted as
/// `["we\"ird key"]` so a location can always be read back unambiguously. Indices are `[n]`.
public enum LocationPath {
    /// `.key` or `["key"]`.
    public static func key(_ key: String) -> String {
        isPlain(key) ? joined(".", key) : joined("[\"", escape(key), "\"]")
    }

    /// `.key` or `["key"]` for raw key bytes.
    public static func key<C: Collection<UInt8>>(bytes: C) -> String {
        key(String(decoding: bytes, as: UTF8.self))
    }

    /// `path` followed by `key(key)`, built with one allocation at most.
    public static func appending(key: String, to path: String) -> String {
        guard isPlain(key) else { return joined(path, Self.key(key)) }
        return joined(path, ".", key)
    }

    /// `[n]`.
    public static func index(_ index: Int) -> String { joined(path: "", index: index) }

    /// `path` followed by `[n]`, built in one step.
    public static func joined(path: String, index: Int) -> String {
        guard index >= 0 else { return joined(path, "[" + String(index) + "]") }
        var digits = 1
        var rest = index / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        var path = path
        return path.withUTF8 { prefix in
            String(unsafeUninitializedCapacity: prefix.count + digits + 2) { out in
                var at = 0
                for byte in prefix {
                    out[at] = byte
                    at += 1
                }
                out[at] = UInt8(ascii: "[")
                var value = index
                for offset in stride(from: digits, through: 1, by: -1) {
                    out[at + offset] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                out[at + digits + 1] = UInt8(ascii: "]")
                return at + digits + 2
            }
        }
    }

    /// `a + b + c` in one step: String's `+` costs a few hundred instructions per piece on short
    /// strings, and locations are built for every point.
    public static func joined(_ a: String, _ b: String, _ c: String = "") -> String {
        if b.isEmpty, c.isEmpty { return a }
        if a.isEmpty, c.isEmpty { return b }
        // Read in place (native and small strings have contiguous UTF-8; `withUTF8` on copies
        // checked uniqueness on each) and copied piece by piece, not byte by byte.
        let built: String?? = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                c.utf8.withContiguousStorageIfAvailable { z in concatenated(x, y, z) }
            } ?? nil
        }
        if let built, let built { return built }
        var (a, b, c) = (a, b, c)
        return a.withUTF8 { x in b.withUTF8 { y in c.withUTF8 { z in concatenated(x, y, z) } } }
    }

    private static func concatenated(
        _ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>, _ z: UnsafeBufferPointer<UInt8>
    ) -> String {
        String(unsafeUninitializedCapacity: x.count + y.count + z.count) { out in
            guard let base = out.baseAddress else { return 0 }
            var at = 0
            if let start = x.baseAddress, !x.isEmpty {
                (base + at).initialize(from: start, count: x.count)
                at += x.count
            }
            if let start = y.baseAddress, !y.isEmpty {
                (base + at).initialize(from: start, count: y.count)
                at += y.count
            }
            if let start = z.baseAddress, !z.isEmpty {
                (base + at).initialize(from: start, count: z.count)
                at += z.count
            }
            return at
        }
    }

    /// Whether a key may be written bare: 1–64 bytes of `A-Za-z0-9_-$@:` not starting with a digit.
    public static func isPlain(_ key: String) -> Bool {
        // Over contiguous UTF-8 (native and small strings): iterating `utf8` costs ~100
        // instructions per byte on small strings.
        if let plain = key.utf8.withContiguousStorageIfAvailable({ isPlain(bytes: $0) }) { return plain }
        return isPlain(bytes: key.utf8)
    }

    /// `isPlain` over the key's UTF-8 bytes.
    @inline(__always)
    static func isPlain<C: Collection<UInt8>>(bytes: C) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 64 else { return false }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"),
                UInt8(ascii: "$"), UInt8(ascii: "@"), UInt8(ascii: ":"):
                continue
            default:
                return false
            }
        }
        return true
    }

    /// Whether a key is an ordinary identifier that cannot carry a payload, so that emitting it
    /// as a `.key` point would be wasted work: letters, digits, `_`, `-`, `.`; 1–64 bytes.
    public static func isBenignIdentifier<C: Collection<UInt8>>(_ bytes: C) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 64 else { return false }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"),
                UInt8(ascii: "."):
                continue
            default:
                return false
            }
        }
        return true
    }

    private static func escape(_ key: String) -> String {
        var out = ""
        out.reserveCapacity(key.utf8.count)
        for scalar in key.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
