/// Base64 (RFC 4648 §4) and Base64url (§5) without Foundation.
public enum Base64 {
    public enum Alphabet: Sendable { case standard, url, either }

    /// Decodes `input`. Padding is optional; whitespace is not accepted here (callers strip it
    /// where a format allows it). Returns nil for any byte outside the alphabet, misplaced
    /// padding, or an impossible length (4n+1).
    public static func decode<C: Collection<UInt8>>(_ input: C, alphabet: Alphabet = .either) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(input.count * 3 / 4 + 2)
        var accumulator: UInt32 = 0
        var bits = 0
        var count = 0
        var padding = 0
        for byte in input {
            if byte == UInt8(ascii: "=") {
                padding += 1
                if padding > 2 { return nil }
                continue
            }
            if padding > 0 { return nil }  // data after padding
            guard let value = sextet(byte, alphabet: alphabet) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            count += 1
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        if count % 4 == 1 { return nil }
        if padding > 0, (count + padding) % 4 != 0 { return nil }
        return out
    }

    @inline(__always)
    static func sextet(_ byte: UInt8, alphabet: Alphabet) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - 65
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - 97 + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - 48 + 52
        case UInt8(ascii: "+"): return alphabet == .url ? nil : 62
        case UInt8(ascii: "/"): return alphabet == .url ? nil : 63
        case UInt8(ascii: "-"): return alphabet == .standard ? nil : 62
        case UInt8(ascii: "_"): return alphabet == .standard ? nil : 63
        default: return nil
        }
    }

    private static let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard alphabet with padding.
    public static func encode<C: Collection<UInt8>>(_ input: C) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var iterator = input.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            out.append(table[Int(b0 >> 2)])
            out.append(table[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)])
            out.append(b1 == nil ? UInt8(ascii: "=") : table[Int(((b1 ?? 0) & 0x0F) << 2 | (b2 ?? 0) >> 6)])
            out.append(b2 == nil ? UInt8(ascii: "=") : table[Int((b2 ?? 0) & 0x3F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
