/// One lexical token of a value read as SQL.
struct SQLToken: Sendable {
    enum Kind: UInt8, Sendable {
        /// A quoted literal (`'…'`, `"…"`, `N'…'`, `X'…'`) or a quoted identifier (`` `…` ``, `[…]`).
        case string
        case number
        /// A bare word: keyword, function name or identifier (dots allowed: `sys.objects`).
        case word
        /// `@x`, `@@version`, `:x`
        case variable
        /// Arithmetic, comparison, bitwise and other operators (`=`, `<>`, `+`, `::`…).
        case op
        /// `||` and `&&` (logical in MySQL).
        case logic
        case lparen, rparen, comma, semicolon
        /// A line comment (`--`, `#`) or an unterminated block comment: hides what follows.
        case lineComment
        /// Anything else (`{`, `\`, `?`, stray punctuation).
        case other
    }

    var kind: Kind
    var start: Int32
    var end: Int32
    /// For words: the vocabulary entry (none for identifiers).
    var word: SQLWord = .none
    var function: SQLFunctionClass = .none
    var systemObject = false
    /// For strings: closed by its quote. For numbers: hexadecimal/binary literal.
    var flag = false
    /// For strings and quoted identifiers: the quote byte.
    var quote: UInt8 = 0
    /// The application's literal in a quote reading: its opening quote is not in the value.
    var prefix = false
}

/// Features of the whole token stream the judge uses besides the tokens.
struct SQLLexFacts: Sendable {
    /// A `/*! … */` MySQL executable comment was unwrapped.
    var executableComment = false
    /// An inline `/* … */` comment sat between tokens (comment-as-space trick).
    var inlineComment = false
    /// The token cap was reached.
    var truncated = false
}

/// Splits a value into SQL tokens. Linear, never traps, at most `maxTokens` tokens.
///
/// The `opening` quote simulates injection after a quote: the tokenizer starts inside a string
/// delimited by that byte, so the first token is the application's literal, closed (or not) by the
/// value's first matching quote.
struct SQLTokenizer {
    static let maxTokens = 2048

    static let wordStart = ByteSet(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$", extra: Array(0x80...0xFF))
    static let wordByte = ByteSet(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$", extra: Array(0x80...0xFF))
    static let opByte = ByteSet("=<>!|&^~+-*/%:?")
    /// Letters that prefix a literal: N'…' (national), X'…' (hex), B'…' (bits), E'…' (escapes).
    /// Not any letter: `O'Brien` is a name.
    static let literalPrefixes = ByteSet("nNxXbBeE")

    static func tokenize(
        _ value: ArraySlice<UInt8>, opening: UInt8?, into tokens: inout [SQLToken], facts: inout SQLLexFacts
    ) {
        tokens.removeAll(keepingCapacity: true)
        facts = SQLLexFacts()
        // The byte classes as locals: a static read per byte costs a `swift_once` check each time.
        let classes = Classes()
        var i = value.startIndex
        let end = value.endIndex
        var inExecutable = false
        if let opening {
            let (close, closed) = scanString(value, from: i, quote: opening)
            tokens.append(
                SQLToken(kind: .string, start: Int32(i), end: Int32(close), flag: closed, quote: opening, prefix: true))
            i = close
            if !closed { return }
        }
        while i < end {
            if tokens.count >= maxTokens {
                facts.truncated = true
                return
            }
            let byte = value[i]
            if Bytes.isSpace(byte) || byte == 0xA0 || byte == 0 {
                i += 1
                continue
            }
            // NBSP in UTF-8 (C2 A0): whitespace to MySQL in some charsets.
            if byte == 0xC2, i + 1 < end, value[i + 1] == 0xA0 {
                i += 2
                continue
            }
            let start = i
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"):
                let (close, closed) = scanString(value, from: i + 1, quote: byte)
                tokens.append(
                    SQLToken(kind: .string, start: Int32(start), end: Int32(close), flag: closed, quote: byte))
                i = close
            case UInt8(ascii: "["):
                // SQL Server quoted identifier; only when it closes on the same line.
                var j = i + 1
                while j < end, value[j] != UInt8(ascii: "]"), value[j] != 0x0A, j - i < 128 { j += 1 }
                if j < end, value[j] == UInt8(ascii: "]") {
                    tokens.append(
                        SQLToken(kind: .string, start: Int32(start), end: Int32(j + 1), flag: true, quote: byte))
                    i = j + 1
                } else {
                    tokens.append(SQLToken(kind: .other, start: Int32(start), end: Int32(i + 1)))
                    i += 1
                }
            case UInt8(ascii: "("):
                tokens.append(SQLToken(kind: .lparen, start: Int32(start), end: Int32(i + 1)))
                i += 1
            case UInt8(ascii: ")"):
                tokens.append(SQLToken(kind: .rparen, start: Int32(start), end: Int32(i + 1)))
                i += 1
            case UInt8(ascii: ","):
                tokens.append(SQLToken(kind: .comma, start: Int32(start), end: Int32(i + 1)))
                i += 1
            case UInt8(ascii: ";"):
                tokens.append(SQLToken(kind: .semicolon, start: Int32(start), end: Int32(i + 1)))
                i += 1
            case UInt8(ascii: "#"):
                i = lineEnd(value, from: i)
                tokens.append(SQLToken(kind: .lineComment, start: Int32(start), end: Int32(i)))
            case UInt8(ascii: "-") where i + 1 < end && value[i + 1] == UInt8(ascii: "-"):
                i = lineEnd(value, from: i)
                tokens.append(SQLToken(kind: .lineComment, start: Int32(start), end: Int32(i)))
            case UInt8(ascii: "/") where i + 1 < end && value[i + 1] == UInt8(ascii: "*"):
                if i + 2 < end, value[i + 2] == UInt8(ascii: "!") {
                    // MySQL executable comment: its content is code.
                    facts.executableComment = true
                    inExecutable = true
                    i += 3
                    while i < end, value[i] >= 0x30, value[i] <= 0x39 { i += 1 }
                    continue
                }
                var j = i + 2
                var closed = false
                while j + 1 < end {
                    if value[j] == UInt8(ascii: "*"), value[j + 1] == UInt8(ascii: "/") {
                        closed = true
                        break
                    }
                    j += 1
                }
                if closed {
                    facts.inlineComment = true
                    i = j + 2
                } else {
                    tokens.append(SQLToken(kind: .lineComment, start: Int32(start), end: Int32(end)))
                    i = end
                }
            case UInt8(ascii: "*") where inExecutable && i + 1 < end && value[i + 1] == UInt8(ascii: "/"):
                inExecutable = false
                i += 2
            case UInt8(ascii: "@"):
                var j = i + 1
                if j < end, value[j] == UInt8(ascii: "@") { j += 1 }
                if j < end,
                    value[j] == UInt8(ascii: "'") || value[j] == UInt8(ascii: "\"")
                        || value[j] == UInt8(ascii: "`")
                {
                    let (close, _) = scanString(value, from: j + 1, quote: value[j])
                    j = close
                } else {
                    j = scanWord(value, from: j, classes).end
                }
                let named = j > i + 1 && !(j == i + 2 && value[i + 1] == UInt8(ascii: "@"))
                var token = SQLToken(kind: named ? .variable : .other, start: Int32(start), end: Int32(j))
                classify(&token, value[start..<j])
                tokens.append(token)
                i = j
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                i = scanNumber(value, from: i, into: &tokens)
            case UInt8(ascii: ".") where i + 1 < end && value[i + 1] >= 0x30 && value[i + 1] <= 0x39:
                i = scanNumber(value, from: i, into: &tokens)
            default:
                if classes.wordStart.contains(byte) {
                    let word = scanWord(value, from: i, classes)
                    let j = word.end
                    // N'…', X'…', B'…', E'…', _utf8'…': a prefixed literal.
                    if j < end, value[j] == UInt8(ascii: "'"), j - i <= 8,
                        (j - i == 1 && literalPrefixes.contains(value[i])) || value[i] == UInt8(ascii: "_")
                    {
                        let (close, closed) = scanString(value, from: j + 1, quote: value[j])
                        tokens.append(
                            SQLToken(
                                kind: .string, start: Int32(start), end: Int32(close), flag: closed, quote: value[j]))
                        i = close
                        continue
                    }
                    var token = SQLToken(kind: .word, start: Int32(start), end: Int32(j))
                    classify(&token, value[start..<j], hash: word.hash, head: word.head)
                    tokens.append(token)
                    i = j
                } else if classes.opByte.contains(byte) {
                    i = scanOperator(value, from: i, into: &tokens)
                } else {
                    // Skip a whole UTF-8 sequence or one stray byte.
                    tokens.append(SQLToken(kind: .other, start: Int32(start), end: Int32(i + 1)))
                    i += 1
                }
            }
        }
    }

    /// Scans a quoted run starting after the opening quote. Doubled quotes escape.
    /// Returns the index after the closing quote (or `end`) and whether it closed.
    @inline(__always)
    static func scanString(_ value: ArraySlice<UInt8>, from: Int, quote: UInt8) -> (Int, Bool) {
        var j = from
        let end = value.endIndex
        while j < end {
            if value[j] == quote {
                if j + 1 < end, value[j + 1] == quote {
                    j += 2
                    continue
                }
                return (j + 1, true)
            }
            j += 1
        }
        return (end, false)
    }

    @inline(__always)
    static func lineEnd(_ value: ArraySlice<UInt8>, from: Int) -> Int {
        var j = from
        while j < value.endIndex, value[j] != 0x0A, value[j] != 0x0D { j += 1 }
        return j
    }

    /// The byte classes of words and operators, read once per `tokenize` call.
    struct Classes {
        let wordStart = SQLTokenizer.wordStart
        let wordByte = SQLTokenizer.wordByte
        let opByte = SQLTokenizer.opByte
    }

    /// A scanned word: where it ends, the `WordHash` of its bytes and the hash of its part before
    /// the first dot (nil without a dot), computed while scanning so `classify` reads no byte again.
    struct ScannedWord {
        var end: Int
        var hash: UInt64
        var head: UInt64?
    }

    @inline(__always)
    static func scanWord(_ value: ArraySlice<UInt8>, from: Int, _ classes: Classes) -> ScannedWord {
        var j = from
        let end = value.endIndex
        var hash = WordHash.seed
        var head: UInt64?
        while j < end {
            let b = value[j]
            if classes.wordByte.contains(b) {
                hash = WordHash.add(hash, b)
                j += 1
            } else if b == UInt8(ascii: "."), j > from {
                // Qualified names: a.b, master..sysdatabases
                var k = j + 1
                if k < end, value[k] == UInt8(ascii: ".") { k += 1 }
                if k < end, classes.wordStart.contains(value[k]) {
                    if head == nil { head = hash }
                    for _ in j..<k { hash = WordHash.add(hash, UInt8(ascii: ".")) }
                    j = k
                } else {
                    break
                }
            } else {
                break
            }
        }
        return ScannedWord(end: j, hash: hash, head: head)
    }

    static func scanNumber(_ value: ArraySlice<UInt8>, from: Int, into tokens: inout [SQLToken]) -> Int {
        var j = from
        let end = value.endIndex
        if value[j] == UInt8(ascii: "0"), j + 1 < end,
            value[j + 1] | 0x20 == UInt8(ascii: "x") || value[j + 1] | 0x20 == UInt8(ascii: "b")
        {
            var k = j + 2
            while k < end, isHex(value[k]) { k += 1 }
            if k > j + 2 {
                tokens.append(SQLToken(kind: .number, start: Int32(from), end: Int32(k), flag: true))
                return k
            }
        }
        while j < end, isDigit(value[j]) { j += 1 }
        if j < end, value[j] == UInt8(ascii: ".") {
            j += 1
            while j < end, isDigit(value[j]) { j += 1 }
        }
        if j + 1 < end, value[j] | 0x20 == UInt8(ascii: "e"),
            isDigit(value[j + 1])
                || ((value[j + 1] == UInt8(ascii: "-") || value[j + 1] == UInt8(ascii: "+")) && j + 2 < end
                    && isDigit(value[j + 2]))
        {
            j += 2
            while j < end, isDigit(value[j]) { j += 1 }
        }
        tokens.append(SQLToken(kind: .number, start: Int32(from), end: Int32(j)))
        return j
    }

    static func scanOperator(_ value: ArraySlice<UInt8>, from: Int, into tokens: inout [SQLToken]) -> Int {
        let end = value.endIndex
        let a = value[from]
        let b: UInt8 = from + 1 < end ? value[from + 1] : 0
        var length = 1
        var kind = SQLToken.Kind.op
        switch (a, b) {
        case (UInt8(ascii: "|"), UInt8(ascii: "|")), (UInt8(ascii: "&"), UInt8(ascii: "&")):
            length = 2
            kind = .logic
        case (UInt8(ascii: "<"), UInt8(ascii: "=")):
            length = from + 2 < end && value[from + 2] == UInt8(ascii: ">") ? 3 : 2
        case (UInt8(ascii: "<"), UInt8(ascii: ">")), (UInt8(ascii: ">"), UInt8(ascii: "=")),
            (UInt8(ascii: "!"), UInt8(ascii: "=")), (UInt8(ascii: ":"), UInt8(ascii: "=")),
            (UInt8(ascii: ":"), UInt8(ascii: ":")), (UInt8(ascii: "<"), UInt8(ascii: "<")),
            (UInt8(ascii: ">"), UInt8(ascii: ">")), (UInt8(ascii: "="), UInt8(ascii: "=")),
            (UInt8(ascii: "-"), UInt8(ascii: ">")), (UInt8(ascii: "!"), UInt8(ascii: "<")),
            (UInt8(ascii: "!"), UInt8(ascii: ">")):
            length = 2
        default:
            break
        }
        tokens.append(SQLToken(kind: kind, start: Int32(from), end: Int32(from + length)))
        return from + length
    }

    /// Classifies `bytes` (a variable such as `@@version`, or a quoted one).
    static func classify(_ token: inout SQLToken, _ bytes: ArraySlice<UInt8>) {
        guard bytes.count <= 64 else { return }
        var hash = WordHash.seed
        var head: UInt64?
        for byte in bytes {
            if byte == UInt8(ascii: "."), head == nil { head = hash }
            hash = WordHash.add(hash, byte)
        }
        classify(&token, bytes, hash: hash, head: head)
    }

    /// Classifies a word from its hash (`WordHash.of(bytes)`) and the hash of its part before the
    /// first dot (`head`, nil without a dot).
    @inline(__always)
    static func classify(_ token: inout SQLToken, _ bytes: ArraySlice<UInt8>, hash: UInt64, head: UInt64?) {
        guard bytes.count <= 64 else { return }
        if let entry = SQLVocabulary.lookup(hash) {
            token.word = entry.word
            token.function = entry.function
            token.systemObject = entry.systemObject
            return
        }
        // Qualified names: judge by their first part (information_schema.x, pg_catalog.x) and
        // by well-known prefixes.
        if let head, let entry = SQLVocabulary.lookup(head), entry.systemObject {
            token.systemObject = true
        }
        // The prefixes start with x, m or i: other words skip the comparisons.
        switch bytes.first.map(Bytes.lower) {
        case UInt8(ascii: "x"), UInt8(ascii: "m"), UInt8(ascii: "i"):
            if Bytes.hasPrefixIgnoringCase(bytes, "xp_") || Bytes.hasPrefixIgnoringCase(bytes, "master..")
                || Bytes.hasPrefixIgnoringCase(bytes, "information_schema")
            {
                token.systemObject = true
            }
        default: break
        }
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always)
    static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x66) }
}
