/// Evidence excerpts for hits: short, printable, and masked where the value could be a secret.
///
/// Contract (DESIGN §2, §6): at most `maxLength` characters around the match, control
/// characters escaped (`\n`, `\t`, `\x1b`), and when the field name looks like it holds a
/// credential (password, token, secret, authorization, cookie, api key, session…) every letter,
/// digit and non-ASCII byte outside the first 24 bytes of the match becomes `*`, so the evidence
/// says *what* fired without leaking the secret around it.
public enum Evidence {
    /// Longest excerpt in characters (escapes count as their printed width).
    public static let maxLength = 80

    /// An excerpt of `value` centred on `range` (indices of `value`), masked for `fieldName`.
    public static func excerpt(_ value: ArraySlice<UInt8>, around range: Range<Int>, fieldName: String?) -> String {
        let base = value.startIndex
        let clampedLower = min(max(range.lowerBound, base), value.endIndex)
        let clampedUpper = min(max(range.upperBound, clampedLower), value.endIndex)
        let budget = maxLength
        // Window: the match (truncated to the budget) plus context split before/after.
        let matchLength = clampedUpper - clampedLower
        var start = clampedLower
        var end = clampedUpper
        if matchLength > budget {
            end = clampedLower + budget
        } else {
            let spare = budget - matchLength
            let before = min(spare / 3, clampedLower - base)
            start = clampedLower - before
            end = min(value.endIndex, clampedUpper + (spare - before))
            // Give unused room after the match back to the front.
            let used = end - start
            if used < budget { start = max(base, start - (budget - used)) }
        }
        // Do not cut a UTF-8 sequence in half.
        while start > base, start < value.endIndex, value[start] & 0xC0 == 0x80 { start -= 1 }
        while end < value.endIndex, end > start, value[end] & 0xC0 == 0x80 { end -= 1 }
        let masked = isSecretField(fieldName)
        var out: [UInt8] = []
        out.reserveCapacity(end - start + 8)
        if start > base { out.append(contentsOf: "…".utf8) }
        var printed = 0
        var index = start
        while index < end, printed < budget {
            let byte = value[index]
            if masked, isAlnum(byte), !(index >= clampedLower && index < clampedLower + 24 && index < clampedUpper) {
                out.append(UInt8(ascii: "*"))
                printed += 1
            } else if masked, byte >= 0x80 {
                out.append(UInt8(ascii: "*"))
                printed += 1
            } else {
                printed += appendEscaped(byte, to: &out)
            }
            index += 1
        }
        if index < value.endIndex { out.append(contentsOf: "…".utf8) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether a field name suggests a credential or session secret.
    public static func isSecretField(_ name: String?) -> Bool {
        guard let name, !name.isEmpty else { return false }
        var lowered: [UInt8] = []
        lowered.reserveCapacity(name.utf8.count)
        for byte in name.utf8 where byte != UInt8(ascii: "-") && byte != UInt8(ascii: "_") {
            lowered.append(Bytes.lower(byte))
        }
        let slice = lowered[...]
        for marker in secretMarkers where Bytes.containsIgnoringCase(slice, marker) { return true }
        return secretNames.contains(String(decoding: lowered, as: UTF8.self))
    }

    /// Substrings of a (lowercased, `-`/`_`-less) field name that mark a secret.
    static let secretMarkers: [StaticString] = [
        "passw", "passwd", "pwd", "secret", "token", "authoriz", "cookie", "apikey", "accesskey",
        "privatekey", "session", "credential", "signature", "bearer", "jwt",
    ]
    /// Whole field names that mark a secret but are too short to match as substrings.
    static let secretNames: Set<String> = ["auth", "pin", "otp", "pass", "key", "sid", "code2fa", "mfa"]

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    @inline(__always)
    static func isAlnum(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
    }

    /// Appends the printable form of a byte; returns how many characters it printed.
    @inline(__always)
    static func appendEscaped(_ byte: UInt8, to out: inout [UInt8]) -> Int {
        switch byte {
        case 0x0A:
            out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            return 2
        case 0x0D:
            out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            return 2
        case 0x09:
            out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            return 2
        case 0x5C:
            out.append(contentsOf: [0x5C, 0x5C])
            return 2
        case 0x00..<0x20, 0x7F:
            out.append(contentsOf: [0x5C, UInt8(ascii: "x"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            return 4
        default:
            out.append(byte)
            return byte & 0xC0 == 0x80 ? 0 : 1
        }
    }
}
