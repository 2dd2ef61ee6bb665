/// Folds the ways a path can be written into one form: percent-encoding (up to three layers, so
/// `%252e%252e%252f` is `../`), `%u002e`, overlong UTF-8 (`%c0%ae`, `%c0%af`, `%e0%80%ae`, raw or
/// encoded), Unicode look-alikes (full-width `．／＼`, division and fraction slashes, one-dot
/// leader), hex written as text (`0x2e`, `0x2f`, `0x5c`, which some filters and decoders turn into
/// the byte), backslashes to `/`, ASCII lowercased. Records what it had to undo: an attacker's
/// encoding is itself evidence.
struct PathNormalizer {
    struct Result {
        var bytes: [UInt8]
        /// A `.`, `/` or `\` came out of an encoding or a look-alike.
        var encodedSeparator = false
        /// NUL bytes (raw or `%00`) with their index in `bytes`.
        var nul: Int? = nil
        /// Backslashes were folded.
        var backslash = false
        /// The value began with two backslashes (UNC, `\\host\share`).
        var uncPrefix = false
    }

    /// Whether the value needs folding at all (otherwise judge the raw bytes).
    static func needsFolding(_ v: ArraySlice<UInt8>) -> Bool {
        needsFolding(v, bytes: ByteSet(presentIn: v))
    }

    /// `bytes`: the bytes present in `v` — hex written as text is looked for only when `0` and `x` are.
    static func needsFolding(_ v: ArraySlice<UInt8>, bytes: ByteSet) -> Bool {
        for byte in v
        where byte == UInt8(ascii: "%") || byte == 0x5C || byte == 0 || byte >= 0xC0 || (byte >= 0x41 && byte <= 0x5A) {
            return true
        }
        guard bytes.contains(UInt8(ascii: "x")), bytes.contains(UInt8(ascii: "0")) else { return false }
        var previous: UInt8 = 0
        for byte in v {
            if byte == UInt8(ascii: "x"), previous == UInt8(ascii: "0") { return true }
            previous = byte
        }
        return false
    }

    /// `0x2e`, `0x2f`, `0x5c` (any case) at `i`: hex written as text, the byte it names.
    static func textualHex(_ v: [UInt8], at i: Int) -> UInt8? {
        guard i + 3 < v.count, v[i] == UInt8(ascii: "0"), v[i + 1] | 0x20 == UInt8(ascii: "x"),
            let h = HostClassifier.hex(v[i + 2]), let l = HostClassifier.hex(v[i + 3])
        else { return nil }
        let byte = h << 4 | l
        return byte == 0x2E || byte == 0x2F || byte == 0x5C ? byte : nil
    }

    static func fold(_ v: ArraySlice<UInt8>) -> Result {
        var current = Array(v.prefix(1 << 16))
        var result = Result(bytes: [])
        // Percent layers: decode while something decodes, at most three times.
        for _ in 0..<3 {
            guard current.contains(UInt8(ascii: "%")) else { break }
            var changed = false
            let next = percentDecode(current, changed: &changed, result: &result)
            current = next
            if !changed { break }
        }
        var out: [UInt8] = []
        out.reserveCapacity(current.count)
        var i = 0
        var leadingBackslashes = 0
        var leading = true
        while i < current.count {
            let byte = current[i]
            // Overlong UTF-8 for `.`, `/`, `\`.
            if byte == 0xC0 || byte == 0xC1, i + 1 < current.count {
                let decoded = (UInt32(byte & 0x1F) << 6) | UInt32(current[i + 1] & 0x3F)
                if decoded == 0x2E || decoded == 0x2F || decoded == 0x5C {
                    out.append(decoded == 0x5C ? 0x2F : UInt8(decoded))
                    result.encodedSeparator = true
                    i += 2
                    leading = false
                    continue
                }
                // An invalid lead byte before ASCII (`%c0%5c`, `%c0/`): lenient decoders drop it.
                if current[i + 1] < 0x80 {
                    result.encodedSeparator = true
                    i += 1
                    continue
                }
            }
            if byte == 0xE0, i + 2 < current.count, current[i + 1] == 0x80 {
                let decoded = current[i + 2] & 0x3F
                if decoded == 0x2E || decoded == 0x2F || decoded == 0x1C {
                    out.append(decoded == 0x2E ? 0x2E : 0x2F)
                    result.encodedSeparator = true
                    i += 3
                    leading = false
                    continue
                }
            }
            if byte == 0xEF, i + 2 < current.count, current[i + 1] == 0xBC {
                // Full-width ． U+FF0E, ／ U+FF0F, ＼ U+FF3C.
                let b2 = current[i + 2]
                if b2 == 0x8E || b2 == 0x8F || b2 == 0xBC {
                    out.append(b2 == 0x8E ? 0x2E : 0x2F)
                    result.encodedSeparator = true
                    i += 3
                    leading = false
                    continue
                }
            }
            if byte == 0xE2, i + 2 < current.count {
                // ∕ U+2215, ∖ U+2216, ⁄ U+2044, ․ U+2024, ⧵ U+29F5, ﹨ is EF B9 A8 (rare, skipped).
                let b1 = current[i + 1]
                let b2 = current[i + 2]
                if (b1 == 0x88 && (b2 == 0x95 || b2 == 0x96)) || (b1 == 0x81 && b2 == 0x84)
                    || (b1 == 0xA7 && b2 == 0xB5)
                {
                    out.append(0x2F)
                    result.encodedSeparator = true
                    i += 3
                    leading = false
                    continue
                }
                if b1 == 0x80 && b2 == 0xA4 {
                    out.append(0x2E)
                    result.encodedSeparator = true
                    i += 3
                    leading = false
                    continue
                }
            }
            if byte == UInt8(ascii: "0"), let decoded = textualHex(current, at: i) {
                out.append(decoded == 0x5C ? 0x2F : decoded)
                if decoded == 0x5C { result.backslash = true }
                result.encodedSeparator = true
                i += 4
                leading = false
                continue
            }
            // A `%` left before a separator after decoding (`%25%5c..` → `%\..`) is not an escape:
            // lenient decoders drop it, leaving the separator.
            if byte == UInt8(ascii: "%"), i + 1 < current.count, current[i + 1] == 0x5C || current[i + 1] == 0x2F {
                i += 1
                continue
            }
            if byte == 0x5C {
                result.backslash = true
                if leading { leadingBackslashes += 1 }
                out.append(0x2F)
                i += 1
                continue
            }
            leading = false
            if byte == 0, result.nul == nil { result.nul = out.count }
            out.append(Bytes.lower(byte))
            i += 1
        }
        result.uncPrefix = leadingBackslashes == 2
        result.bytes = out
        return result
    }

    static func percentDecode(_ input: [UInt8], changed: inout Bool, result: inout Result) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            let byte = input[i]
            if byte == UInt8(ascii: "%") {
                if i + 2 < input.count, let h = HostClassifier.hex(input[i + 1]),
                    let l = HostClassifier.hex(input[i + 2])
                {
                    let decoded = h << 4 | l
                    if decoded == 0x2E || decoded == 0x2F || decoded == 0x5C { result.encodedSeparator = true }
                    out.append(decoded)
                    changed = true
                    i += 3
                    continue
                }
                // %u002e / %uff0e
                if i + 5 < input.count, input[i + 1] | 0x20 == UInt8(ascii: "u"),
                    let a = HostClassifier.hex(input[i + 2]), let b = HostClassifier.hex(input[i + 3]),
                    let c = HostClassifier.hex(input[i + 4]), let d = HostClassifier.hex(input[i + 5])
                {
                    let scalar = UInt32(a) << 12 | UInt32(b) << 8 | UInt32(c) << 4 | UInt32(d)
                    switch scalar {
                    case 0x2E, 0xFF0E, 0x2024: out.append(0x2E)
                    // ∖ U+2216 and the private-use U+EFC8/U+F025 are best-fit-mapped to `\` / `/` by
                    // some IIS/Windows code pages.
                    case 0x2F, 0x5C, 0xFF0F, 0xFF3C, 0x2215, 0x2216, 0x2044, 0xEFC8, 0xF025: out.append(0x2F)
                    default:
                        if scalar < 0x80 {
                            out.append(UInt8(scalar))
                        } else {
                            out.append(contentsOf: input[i..<(i + 6)])
                            i += 6
                            continue
                        }
                    }
                    if scalar != 0 && scalar >= 0x80 || scalar == 0x2E || scalar == 0x2F || scalar == 0x5C {
                        result.encodedSeparator = true
                    }
                    changed = true
                    i += 6
                    continue
                }
            }
            out.append(byte)
            i += 1
        }
        return out
    }
}
