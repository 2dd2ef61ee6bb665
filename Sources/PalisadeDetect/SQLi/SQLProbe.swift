/// Injection *probes*: the fragments a scanner or a person sends first to see whether a value
/// reaches SQL unescaped (`'test--`, `42'`, `= '`, `--';`, `!@#$%^&*(()`). They carry no statement,
/// so the SQL reading (`SQLiDetector.analyze`) finds nothing to judge; alone they are
/// reconnaissance, not an attack that could succeed. Rule `sqli.injection_probe`, read only at
/// `high` sensitivity (monitoring, hunting), where they count like CRS's "common injection testing"
/// and "restricted character" rules at paranoia levels 2–4; `default` and `low` never see them.
///
/// Three shapes, each exact:
/// - `edgeQuote`: the value (without surrounding whitespace, and without backslashes in front of a
///   leading quote: `\"blah`) starts with a quote, or ends with one that follows a digit or
///   punctuation (`42'`, `;'`, `x="`), of which it holds an odd number, and is at most 128 bytes
///   and 3 words long. A closing quote after a letter is left alone: transliterations end that way
///   (`Perm'`, `Murmanskaja oblast'`, `Shamāl Sīnā'`), and so do possessive plurals (`Jones'`), so
///   `admin'` is not read. Apostrophes inside words (`O'Brien`, `don't`) and balanced quoting
///   (`"blue shoes"`) are not at an edge or not odd; feet and inches together (`5'11"`) are a
///   measurement.
/// - `metaQuote`: at most 32 bytes, no letter (of any script) or digit, an odd number of one quote
///   (`= '`, `--';`, `[']`, `\'`), or `=` followed later by a comment or terminator (`= --`, `= ;`).
/// - `metaRun`: no whitespace, at least 10 bytes, of which at least 10 and at least 60 % are
///   punctuation other than `-_.,:/` (which ids, dates, URLs and paths are made of), with at least
///   one quote, parenthesis, `;`, `|`, `&`, `<` or `>` among them.
///
/// What reads as a probe too, the price of this level and why it is not the default: emoticons
/// made of punctuation and a quote (`:'(`), elisions at the start (`'Tis`), a lone quote as a value,
/// a lone measurement (`6'`, `27"`). Fields that hold code discount the reading below the report
/// floor (`Scoring.adjust`).
enum SQLProbe {
    /// The reading's confidence: between the report floor (0.3) and `high`'s threshold (0.4) and
    /// below the default's (0.6).
    static let confidence = 0.45

    enum Shape: String, Sendable {
        case edgeQuote = "a quote at the value's edge, unbalanced"
        case metaQuote = "punctuation only, with an unbalanced quote or a comment after `=`"
        case metaRun = "a run of injection punctuation"
    }

    static let quotes = ByteSet("'\"`")
    /// Punctuation that counts toward a run: ASCII punctuation except `-_.,:/`.
    static let runPunctuation = ByteSet("!\"#$%&'()*+;<=>?@[\\]^`{|}~")
    /// At least one of these must be in a run.
    static let runTriggers = ByteSet("'\"`();|&<>")

    /// The value's probe shape, or nil. `bytes`: the bytes present in `value`.
    static func shape(_ value: ArraySlice<UInt8>, bytes: ByteSet) -> Shape? {
        guard value.count <= 512 else { return nil }
        var start = value.startIndex
        var end = value.endIndex
        while start < end, Bytes.isSpace(value[start]) { start += 1 }
        while end > start, Bytes.isSpace(value[end - 1]) { end -= 1 }
        guard start < end else { return nil }
        let trimmed = value[start..<end]
        if bytes.intersects(quotes), let shape = quoteShape(trimmed) { return shape }
        if bytes.contains(UInt8(ascii: "=")), isCommentAfterEquals(trimmed) { return .metaQuote }
        if bytes.intersects(runTriggers), isMetaRun(trimmed) { return .metaRun }
        return nil
    }

    /// `edgeQuote` or `metaQuote`'s quote form, for a trimmed value holding a quote.
    private static func quoteShape(_ value: ArraySlice<UInt8>) -> Shape? {
        var counts = (single: 0, double: 0, back: 0)
        var alphanumeric = false
        var words = 1
        var previousSpace = false
        // Feet and inches (`5'11"`): a `'` and a `"` each right after a digit.
        var measure = (feet: false, inches: false)
        var previous: UInt8 = 0
        for byte in value {
            let afterDigit = previous >= UInt8(ascii: "0") && previous <= UInt8(ascii: "9")
            switch byte {
            case UInt8(ascii: "'"):
                counts.single += 1
                if afterDigit { measure.feet = true }
            case UInt8(ascii: "\""):
                counts.double += 1
                if afterDigit { measure.inches = true }
            case UInt8(ascii: "`"): counts.back += 1
            // Non-ASCII bytes are letters of other scripts (`Дар'я`, `ג'ון`): not punctuation only.
            default: if isAlphanumeric(byte) || byte >= 0x80 { alphanumeric = true }
            }
            let space = Bytes.isSpace(byte)
            if space, !previousSpace { words += 1 }
            previousSpace = space
            previous = byte
        }
        func odd(_ quote: UInt8) -> Bool {
            switch quote {
            case UInt8(ascii: "'"): counts.single % 2 == 1
            case UInt8(ascii: "\""): counts.double % 2 == 1
            case UInt8(ascii: "`"): counts.back % 2 == 1
            default: false
            }
        }
        if !alphanumeric, value.count <= 32, value.contains(where: { quotes.contains($0) && odd($0) }) {
            return .metaQuote
        }
        guard value.count <= 128, words <= 3, !(measure.feet && measure.inches) else { return nil }
        var first = value.startIndex
        while first < value.endIndex - 1, value[first] == UInt8(ascii: "\\") { first += 1 }
        if quotes.contains(value[first]), odd(value[first]) { return .edgeQuote }
        // A closing quote right after a letter is too often a transliteration (`Perm'`, `oblast'`,
        // `Sīnā'`) or a possessive plural (`Jones'`): only after a digit or punctuation (`42'`, `;'`).
        if let last = value.last, quotes.contains(last), odd(last), value.count >= 2,
            !isLetter(value[value.endIndex - 2])
        {
            return .edgeQuote
        }
        return nil
    }

    /// Whether a trimmed value is a `metaRun`.
    private static func isMetaRun(_ value: ArraySlice<UInt8>) -> Bool {
        guard value.count >= 10 else { return false }
        var punctuation = 0
        for byte in value {
            if Bytes.isSpace(byte) { return false }
            if runPunctuation.contains(byte) { punctuation += 1 }
        }
        return punctuation >= 10 && punctuation * 5 >= value.count * 3
    }

    /// `metaQuote`'s second form: `= --`, `= ;`, `=#` — no alphanumerics, at most 32 bytes, a
    /// comment or terminator after `=`.
    private static func isCommentAfterEquals(_ value: ArraySlice<UInt8>) -> Bool {
        guard value.count <= 32, let equals = value.firstIndex(of: UInt8(ascii: "=")) else { return false }
        guard !value.contains(where: { isAlphanumeric($0) || $0 >= 0x80 }) else { return false }
        let rest = value[(equals + 1)...]
        if rest.contains(UInt8(ascii: ";")) || rest.contains(UInt8(ascii: "#")) { return true }
        var previous: UInt8 = 0
        for byte in rest {
            if byte == UInt8(ascii: "-"), previous == UInt8(ascii: "-") { return true }
            previous = byte
        }
        return false
    }

    /// An ASCII letter or a byte of a non-ASCII character.
    private static func isLetter(_ byte: UInt8) -> Bool {
        byte >= 0x80 || ((byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z"))
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}
