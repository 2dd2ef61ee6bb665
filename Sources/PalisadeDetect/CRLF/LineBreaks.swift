/// Line breaks as a header or SMTP parser would see them: raw CR/LF, `%0d`/`%0a` left over after
/// decoding (also double-encoded `%250a` and `%u000a`), and the Unicode characters whose low byte
/// is CR or LF (`嘍` U+560D, `嘊` U+560A, `Ċ` U+010A, `č` U+010D) that naive servers truncate to
/// Latin-1.
enum LineBreaks {
    struct Break {
        /// Index of the first byte of the break run.
        var start: Int
        /// Index of the first byte after the run (the next line).
        var next: Int
        /// How many line breaks the run holds (2+ means a blank line: a body follows).
        var count: Int
        /// The run was encoded (percent or Unicode).
        var encoded: Bool
        /// Some break came from a Unicode look-alike (only trusted before a known header name:
        /// `č` is an ordinary Czech letter).
        var unicode = false
    }

    /// The bytes a break starts with: a value holding none of them has no break (the pre-filter,
    /// tested on the value's byte summary).
    static let leadBytes = ByteSet("\n\r%", extra: [0xE5, 0xC4])

    /// The break at `i`, if one starts there: (length, encoded, isLF).
    @inline(__always)
    static func single(_ v: ArraySlice<UInt8>, at i: Int) -> (length: Int, encoded: Bool, lf: Bool)? {
        let byte = v[i]
        if byte == 0x0A { return (1, false, true) }
        if byte == 0x0D { return (1, false, false) }
        if byte == UInt8(ascii: "%") {
            // %0a %0d, %250a %250d, %u000a
            var j = i + 1
            if j + 1 < v.endIndex, v[j] == UInt8(ascii: "2"), v[j + 1] == UInt8(ascii: "5") { j += 2 }
            if j + 1 < v.endIndex, v[j] == UInt8(ascii: "0") {
                let c = v[j + 1] | 0x20
                if c == UInt8(ascii: "a") { return (j + 2 - i, true, true) }
                if c == UInt8(ascii: "d") { return (j + 2 - i, true, false) }
            }
            // %E5%98%8A / %E5%98%8D: the Unicode forms, percent-encoded.
            if j + 7 < v.endIndex, v[j] | 0x20 == UInt8(ascii: "e"), v[j + 1] == UInt8(ascii: "5"),
                v[j + 2] == UInt8(ascii: "%"), v[j + 3] == UInt8(ascii: "9"), v[j + 4] == UInt8(ascii: "8"),
                v[j + 5] == UInt8(ascii: "%"), v[j + 6] == UInt8(ascii: "8")
            {
                let c = v[j + 7] | 0x20
                if c == UInt8(ascii: "a") { return (j + 8 - i, true, true) }
                if c == UInt8(ascii: "d") { return (j + 8 - i, true, false) }
            }
            if j + 4 < v.endIndex, v[j] | 0x20 == UInt8(ascii: "u"), v[j + 1] == UInt8(ascii: "0"),
                v[j + 2] == UInt8(ascii: "0"), v[j + 3] == UInt8(ascii: "0")
            {
                let c = v[j + 4] | 0x20
                if c == UInt8(ascii: "a") { return (j + 5 - i, true, true) }
                if c == UInt8(ascii: "d") { return (j + 5 - i, true, false) }
            }
            return nested(v, at: i)
        }
        if byte == 0xE5, i + 2 < v.endIndex, v[i + 1] == 0x98, v[i + 2] == 0x8A || v[i + 2] == 0x8D {
            return (3, true, v[i + 2] == 0x8A)
        }
        if byte == 0xC4, i + 1 < v.endIndex, v[i + 1] == 0x8A || v[i + 1] == 0x8D {
            return (2, true, v[i + 1] == 0x8A)
        }
        return nil
    }

    /// `%%0a0a` (a break nested in another's encoding), as written or once decoded (`%` LF `0a`):
    /// `%`, a raw or `%0a`/`%0d` break, then the hex digits `0a`/`0d`. A filter that strips (or a
    /// decoder that decodes) the inner break leaves `%0a`, which the next decoding turns into the
    /// break; read as one encoded break whether or not the inner one was decoded already.
    static func nested(_ v: ArraySlice<UInt8>, at i: Int) -> (length: Int, encoded: Bool, lf: Bool)? {
        var j = i + 1
        guard j < v.endIndex else { return nil }
        if v[j] == 0x0A || v[j] == 0x0D {
            j += 1
        } else if j + 2 < v.endIndex, v[j] == UInt8(ascii: "%"), v[j + 1] == UInt8(ascii: "0"),
            v[j + 2] | 0x20 == UInt8(ascii: "a") || v[j + 2] | 0x20 == UInt8(ascii: "d")
        {
            j += 3
        } else {
            return nil
        }
        guard j + 1 < v.endIndex, v[j] == UInt8(ascii: "0") else { return nil }
        let c = v[j + 1] | 0x20
        guard c == UInt8(ascii: "a") || c == UInt8(ascii: "d") else { return nil }
        return (j + 2 - i, true, c == UInt8(ascii: "a"))
    }

    /// Up to `limit` break runs in the value.
    static func scan(_ v: ArraySlice<UInt8>, limit: Int = 64) -> [Break] {
        var breaks: [Break] = []
        var i = v.startIndex
        while i < v.endIndex, breaks.count < limit {
            guard let first = single(v, at: i) else {
                i += 1
                continue
            }
            var run = Break(start: i, next: i + first.length, count: first.lf ? 1 : 0, encoded: first.encoded)
            run.unicode = v[i] >= 0x80
            var sawCR = !first.lf
            var j = run.next
            while j < v.endIndex, let more = single(v, at: j) {
                if more.lf {
                    run.count += 1
                    sawCR = false
                } else {
                    if sawCR { run.count += 1 }
                    sawCR = true
                }
                run.encoded = run.encoded || more.encoded
                run.unicode = run.unicode || v[j] >= 0x80
                j += more.length
            }
            if sawCR && run.count == 0 { run.count = 1 }
            run.next = j
            breaks.append(run)
            i = j
        }
        return breaks
    }

    /// Skips spaces and tabs, raw or percent-encoded (`%20`, `%09`), at most a few.
    static func skipSpace(_ v: ArraySlice<UInt8>, _ i: Int) -> Int {
        var s = i
        var n = 0
        while s < v.endIndex, n < 8 {
            if v[s] == 0x20 || v[s] == 0x09 {
                s += 1
            } else if v[s] == UInt8(ascii: "%"), s + 2 < v.endIndex,
                v[s + 1] == UInt8(ascii: "2") || v[s + 1] == UInt8(ascii: "0"),
                v[s + 2] == UInt8(ascii: "0") || v[s + 2] == UInt8(ascii: "9")
            {
                guard
                    (v[s + 1] == UInt8(ascii: "2") && v[s + 2] == UInt8(ascii: "0"))
                        || (v[s + 1] == UInt8(ascii: "0") && v[s + 2] == UInt8(ascii: "9"))
                else { break }
                s += 3
            } else {
                break
            }
            n += 1
        }
        return s
    }

    /// The header-like token at `i` (`Name:`), skipping leading spaces: (name range, index after colon).
    static func headerName(_ v: ArraySlice<UInt8>, at i: Int) -> (Range<Int>, Int)? {
        let s = skipSpace(v, i)
        var e = s
        while e < v.endIndex, e - s < 64 {
            let b = v[e]
            let ok = (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F
            if !ok { break }
            e += 1
        }
        guard e > s else { return nil }
        let c = skipSpace(v, e)
        guard c < v.endIndex, v[c] == UInt8(ascii: ":") else { return nil }
        return (s..<e, c + 1)
    }
}
