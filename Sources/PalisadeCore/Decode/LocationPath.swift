/// Building relative location paths for decoder children.
///
/// Keys that are plain identifiers render as `.name`; anything else renders quoted as
/// `["we\"ird key"]` so a location can always be read back unambiguously. Indices are `[n]`.
public enum LocationPath {
    /// `.key` or `["key"]`.
    public static func key(_ key: String) -> String {
        isPlain(key) ? "." + key : "[\"" + escape(key) + "\"]"
    }

    /// `.key` or `["key"]` for raw key bytes.
    public static func key<C: Collection<UInt8>>(bytes: C) -> String {
        key(String(decoding: bytes, as: UTF8.self))
    }

    /// `path` followed by `key(key)`, built with one allocation at most.
    public static func appending(key: String, to path: String) -> String {
        guard isPlain(key) else { return path + Self.key(key) }
        var out = ""
        out.reserveCapacity(path.utf8.count + 1 + key.utf8.count)
        out += path
        out += "."
        out += key
        return out
    }

    /// `[n]`.
    public static func index(_ index: Int) -> String { "[" + String(index) + "]" }

    /// Whether a key may be written bare: 1–64 bytes of `A-Za-z0-9_-$@:` not starting with a digit.
    public static func isPlain(_ key: String) -> Bool {
        let utf8 = key.utf8
        guard !utf8.isEmpty, utf8.count <= 64 else { return false }
        for byte in utf8 {
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
