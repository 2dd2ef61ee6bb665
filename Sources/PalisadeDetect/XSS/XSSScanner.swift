/// Byte-level readers the XSS detector shares: HTML-tolerant character decoding (numeric and a few
/// named entities, the tabs and newlines browsers drop from URL schemes) and JavaScript call
/// recognition.
enum XSSScanner {
    /// The logical character at `i` and the index after it: decodes `&#106;`, `&#x6A;`,
    /// `&Tab;`, `&NewLine;`, `&colon;`, `&lpar;`, `&rpar;`; everything else is one byte.
    static func char(_ v: ArraySlice<UInt8>, _ i: Int) -> (UInt8, Int) {
        let b = v[i]
        guard b == UInt8(ascii: "&"), i + 2 < v.endIndex else { return (b, i + 1) }
        var j = i + 1
        if v[j] == UInt8(ascii: "#") {
            j += 1
            var hex = false
            if j < v.endIndex, v[j] | 0x20 == UInt8(ascii: "x") {
                hex = true
                j += 1
            }
            var code = 0
            var digits = 0
            while j < v.endIndex, digits < 10 {
                let d = v[j]
                if d >= 0x30, d <= 0x39 {
                    code = code * (hex ? 16 : 10) + Int(d - 0x30)
                } else if hex, d | 0x20 >= 0x61, d | 0x20 <= 0x66 {
                    code = code * 16 + Int(d | 0x20) - 0x61 + 10
                } else {
                    break
                }
                digits += 1
                j += 1
            }
            guard digits > 0, code < 0x80 else { return (b, i + 1) }
            if j < v.endIndex, v[j] == UInt8(ascii: ";") { j += 1 }
            return (UInt8(code), j)
        }
        // Named entities that matter for schemes and calls.
        let rest = v[j...]
        for (name, byte) in namedEntities where Bytes.hasPrefixIgnoringCase(rest, name) {
            var k = j + name.utf8CodeUnitCount
            if k < v.endIndex, v[k] == UInt8(ascii: ";") { k += 1 }
            return (byte, k)
        }
        return (b, i + 1)
    }

    static let namedEntities: [(StaticString, UInt8)] = [
        ("Tab", 0x09), ("NewLine", 0x0A), ("colon", UInt8(ascii: ":")), ("lpar", UInt8(ascii: "(")),
        ("rpar", UInt8(ascii: ")")), ("quot", UInt8(ascii: "\"")), ("apos", UInt8(ascii: "'")),
        ("lt", UInt8(ascii: "<")), ("gt", UInt8(ascii: ">")), ("sol", UInt8(ascii: "/")),
        ("grave", UInt8(ascii: "`")), ("period", UInt8(ascii: ".")),
    ]

    enum Scheme { case javascript, vbscript, dataHTML, dataSVG, dataOther }

    /// Reads a URL scheme at `i` the way a browser does: leading spaces and control characters
    /// skipped, tabs and newlines inside the scheme ignored, entities decoded. Returns the
    /// dangerous scheme found and the index after its colon (after the media type for `data:`).
    static func scheme(_ v: ArraySlice<UInt8>, at start: Int) -> (Scheme, Int)? {
        var i = start
        // leading whitespace / control characters
        while i < v.endIndex {
            let (c, next) = char(v, i)
            if c <= 0x20 { i = next } else { break }
        }
        var letters: (UInt64, Int) = (WordHash.seed, 0)
        while i < v.endIndex, letters.1 <= 12 {
            let (c, next) = char(v, i)
            i = next
            if c == 0x09 || c == 0x0A || c == 0x0D { continue }
            if c == UInt8(ascii: ":") {
                switch letters.1 {
                case 10 where letters.0 == javascriptHash: return (.javascript, i)
                case 10 where letters.0 == livescriptHash: return (.javascript, i)
                case 8 where letters.0 == vbscriptHash: return (.vbscript, i)
                case 5 where letters.0 == mochaHash: return (.javascript, i)
                case 4 where letters.0 == dataHash: return dataScheme(v, at: i)
                default: return nil
                }
            }
            let lower = Bytes.lower(c)
            guard lower >= 0x61, lower <= 0x7A else { return nil }
            letters = (WordHash.add(letters.0, lower), letters.1 + 1)
        }
        return nil
    }

    static let javascriptHash = WordHash.of("javascript")
    static let livescriptHash = WordHash.of("livescript")
    static let vbscriptHash = WordHash.of("vbscript")
    static let mochaHash = WordHash.of("mocha")
    static let dataHash = WordHash.of("data")

    static func dataScheme(_ v: ArraySlice<UInt8>, at i: Int) -> (Scheme, Int)? {
        var j = i
        while j < v.endIndex, Bytes.isSpace(v[j]) { j += 1 }
        let rest = v[j...]
        if Bytes.hasPrefixIgnoringCase(rest, "text/html") || Bytes.hasPrefixIgnoringCase(rest, "application/xhtml")
            || Bytes.hasPrefixIgnoringCase(rest, "text/xml") || Bytes.hasPrefixIgnoringCase(rest, "application/xml")
            || Bytes.hasPrefixIgnoringCase(rest, "text/javascript")
            || Bytes.hasPrefixIgnoringCase(rest, "application/javascript")
            || Bytes.hasPrefixIgnoringCase(rest, "application/x-shockwave")
        {
            return (.dataHTML, j)
        }
        if Bytes.hasPrefixIgnoringCase(rest, "image/svg") { return (.dataSVG, j) }
        if rest.first == UInt8(ascii: ",") || Bytes.hasPrefixIgnoringCase(rest, ";base64,") { return (.dataHTML, j) }
        return (.dataOther, j)
    }

    /// Global objects whose members are the DOM's dangerous surface.
    static let rootObjects: Set<UInt64> = Set(
        ["document", "window", "top", "self", "parent", "globalthis", "frames", "location", "opener", "content"].map {
            WordHash.of($0)
        })

    static let identStart = ByteSet("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$")
    static let identByte = ByteSet("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")

    struct Call {
        /// The called name is a known sink (`alert`, `eval`, `fetch`…) or the expression touches one.
        var sink: Bool
        /// Where the callee starts and where the call's opening paren or backtick is.
        var start: Int
        var open: Int
        /// The argument list is not empty.
        var arguments: Bool
        /// Index after the closing paren/backtick (or the end).
        var end: Int
    }

    /// Reads a JavaScript call expression at `i`: `name(…)`, `a.b.c(…)`, `top['al'+'ert'](…)`,
    /// ``alert`1` ``, `(alert)(1)`, `new Function(…)`. Nil if there is no call at `i`.
    static func call(_ v: ArraySlice<UInt8>, at start: Int) -> Call? {
        var i = start
        let end = v.endIndex
        var sink = false
        var segments = 0
        var rootObject = false
        if Bytes.hasPrefixIgnoringCase(v[i...], "new "), i + 4 < end {
            i += 4
            while i < end, v[i] == UInt8(ascii: " ") { i += 1 }
        }
        // (alert)(1) / (0,eval)('…')
        if i < end, v[i] == UInt8(ascii: "(") {
            var j = i + 1
            while j < end, j - i < 40, v[j] != UInt8(ascii: ")") { j += 1 }
            guard j < end, j + 1 < end, v[j + 1] == UInt8(ascii: "(") || v[j + 1] == UInt8(ascii: "`") else {
                return nil
            }
            var k = j - 1
            while k > i, identByte.contains(v[k]) { k -= 1 }
            let name = v[(k + 1)..<j]
            guard !name.isEmpty, XSSVocabulary.sinkCalls.contains(WordHash.of(name)) else { return nil }
            return finishCall(v, start: start, open: j + 1, sink: true)
        }
        while i < end, i - start < 256 {
            guard i < end, identStart.contains(v[i]) || v[i] == UInt8(ascii: "\\") else { break }
            let nameStart = i
            while i < end, i - nameStart < 128, identByte.contains(v[i]) || v[i] == UInt8(ascii: "\\") { i += 1 }
            segments += 1
            if XSSVocabulary.sinkCalls.contains(WordHash.of(v[nameStart..<i])) { sink = true }
            if segments == 1, rootObjects.contains(WordHash.of(v[nameStart..<i])) { rootObject = true }
            if segments >= 2, rootObject { sink = true }
            // member access: .name or [ … ]
            if i < end, v[i] == UInt8(ascii: "."), i + 1 < end, identStart.contains(v[i + 1]) {
                i += 1
                continue
            }
            while i < end, v[i] == UInt8(ascii: "[") {
                if rootObject { sink = true }  // window['al'+'ert'], top[/x/.source]
                var j = i + 1
                while j < end, j - i < 64, v[j] != UInt8(ascii: "]") { j += 1 }
                guard j < end, v[j] == UInt8(ascii: "]") else { return nil }
                i = j + 1
            }
            if i < end, v[i] == UInt8(ascii: "."), i + 1 < end, identStart.contains(v[i + 1]) {
                i += 1
                continue
            }
            break
        }
        guard segments > 0 else { return nil }
        // whitespace and /**/ before the call
        var j = i
        while j < end {
            if Bytes.isSpace(v[j]) {
                j += 1
            } else if v[j] == UInt8(ascii: "/"), j + 1 < end, v[j + 1] == UInt8(ascii: "*") {
                var k = j + 2
                while k + 1 < end, !(v[k] == UInt8(ascii: "*") && v[k + 1] == UInt8(ascii: "/")) { k += 1 }
                j = k + 2
            } else {
                break
            }
        }
        guard j < end, v[j] == UInt8(ascii: "(") || v[j] == UInt8(ascii: "`") else { return nil }
        return finishCall(v, start: start, open: j, sink: sink)
    }

    static func finishCall(_ v: ArraySlice<UInt8>, start: Int, open: Int, sink: Bool) -> Call {
        let end = v.endIndex
        let close: UInt8 = v[open] == UInt8(ascii: "(") ? UInt8(ascii: ")") : UInt8(ascii: "`")
        var k = open + 1
        var depth = 0
        while k < end, k - open < 512 {
            let b = v[k]
            if b == close && depth == 0 { break }
            if close == UInt8(ascii: ")") {
                if b == UInt8(ascii: "(") { depth += 1 }
                if b == UInt8(ascii: ")") { depth -= 1 }
            }
            k += 1
        }
        let arguments = k > open + 1
        return Call(sink: sink, start: start, open: open, arguments: arguments, end: min(k + 1, end))
    }

    /// Whether a known sink name (`document.cookie`, `innerHTML`…) occurs in `v`.
    static func mentionsSink(_ v: ArraySlice<UInt8>) -> Bool {
        for name in XSSVocabulary.sinkNames where Bytes.containsIgnoringCase(v, name) { return true }
        return false
    }
}
