/// XPath injection: the value read as the rest of an XPath expression after the application's
/// string literal (`//user[name/text()='VALUE']`). After the first quote it expects what an
/// injection needs — optional closers `)` `]`, then a boolean operator (`or`, `and`) with a
/// tautology or XPath function, or a node-set union (`| //*`) — and it recognises XPath-only
/// syntax anywhere: functions over paths (`count(/*)`, `name(/*[1])`, `string-length(`,
/// `substring(`), axes (`ancestor::`), node tests (`text()`, `node()`). Payloads carrying SQL-only
/// syntax (`--`, `#`, `;`, `union`) are left to the SQL detector.
public struct XPathInjectionDetector: Detector {
    public let name = "xpathi"

    public init() {}

    /// Bytes one of the pre-filter's conditions needs (a quote, `(`, `[`, `::`, a numeric `=`).
    static let gateBytes = ByteSet("'\"([:=")

    public func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {
        guard context.bytes(of: value).intersects(Self.gateBytes), let finding = Self.analyze(value) else { return }
        hits.append(.net(.xpathi, finding, value: value, context: context))
    }

    static let reportFloor = 0.3

    /// XPath 1.0/2.0 functions an injection uses to read the document blind.
    static let functions: [StaticString] = [
        "count", "name", "local-name", "namespace-uri", "string-length", "substring-before", "substring-after",
        "substring", "contains", "starts-with", "ends-with", "normalize-space", "translate", "position", "last",
        "text", "node", "comment", "processing-instruction", "string", "boolean", "number", "sum", "floor",
        "ceiling", "round", "doc", "document", "unparsed-text", "doc-available", "codepoints-to-string",
        "string-to-codepoints", "lower-case", "upper-case", "matches", "replace", "tokenize", "true", "false",
        "not", "lang", "id", "concat", "environment-variable", "base-uri", "document-uri", "serialize",
    ]
    static let axes: [StaticString] = [
        "ancestor::", "ancestor-or-self::", "attribute::", "child::", "descendant::", "descendant-or-self::",
        "following::", "following-sibling::", "namespace::", "parent::", "preceding::", "preceding-sibling::",
        "self::",
    ]

    public static func analyze(_ value: ArraySlice<UInt8>) -> NetFinding? {
        guard value.count >= 4 else { return nil }
        var quote: Int? = nil
        var paren = false
        var bracket = false
        var pipe = false
        var colons = false
        var sqlOnly = false
        var spaces = 0
        var previous: UInt8 = 0
        for i in value.indices {
            let b = value[i]
            switch b {
            case UInt8(ascii: "'"), UInt8(ascii: "\""): if quote == nil { quote = i }
            case UInt8(ascii: "("): paren = true
            case UInt8(ascii: "["): bracket = true
            case UInt8(ascii: "|"): pipe = true
            case UInt8(ascii: ":"): if previous == b { colons = true }
            case UInt8(ascii: "#"), UInt8(ascii: ";"): sqlOnly = true
            case UInt8(ascii: "-"): if previous == b { sqlOnly = true }
            case 0x20: spaces += 1
            default: break
            }
            previous = b
        }
        let numeric = value.first.map { $0 >= 0x30 && $0 <= 0x39 } ?? false
        guard quote != nil || paren || bracket || colons || (numeric && value.contains(UInt8(ascii: "="))) else {
            return nil
        }
        // `/*` is XPath's "any root element"; it is a SQL comment only with its `*/`. (Searched
        // only when the byte scan above has not already settled it.)
        if !sqlOnly, Bytes.containsIgnoringCase(value, "union") || Bytes.containsIgnoringCase(value, "select")
            || Bytes.containsIgnoringCase(value, "sleep(") || sqlComment(value)
        {
            sqlOnly = true
        }
        var best = NetFinding.none
        // XPath-only syntax anywhere.
        let xpathSyntax = xpathFunction(value) ?? axis(value)
        if let q = quote {
            if let f = breakout(value, after: q, pipe: pipe, xpathSyntax: xpathSyntax) { best.consider(f) }
        }
        // A numeric context: `1 or 1=1`, `1] | //*`, `0 or name(/*[1])='root'`.
        var digits = value.startIndex
        while digits < value.endIndex, digits - value.startIndex < 20, value[digits] >= 0x30, value[digits] <= 0x39 {
            digits += 1
        }
        if digits > value.startIndex, digits < value.endIndex,
            var f = breakout(value, after: digits - 1, pipe: pipe, xpathSyntax: xpathSyntax)
        {
            f.confidence *= 0.85
            f.range = value.startIndex..<f.range.upperBound
            best.consider(f)
        }
        if best.confidence < 0.7, let s = xpathSyntax {
            // An XPath expression as the value: `//user[position()=1]`, `count(/*)`.
            let trimmed = Bytes.trimmed(value)
            let pathy =
                trimmed.first == UInt8(ascii: "/") || trimmed.first == UInt8(ascii: "(") || bracket
                || s.lowerBound == trimmed.startIndex
            best.consider(
                NetFinding(
                    pathy && (spaces < 3 || trimmed.first == UInt8(ascii: "/")) ? 0.7 : 0.45, "xpathi.expression", s))
        }
        if best.confidence < 0.7, bracket {
            // `//user[name/text()='admin' or 1=1]`: a predicate holding a tautology.
            if let t = tautology(value) { best.consider(NetFinding(0.55, "xpathi.expression", t)) }
        }
        if sqlOnly { best.confidence *= 0.5 }
        if spaces >= 8 { best.confidence *= 0.7 }
        let result = best.rounded
        return result.confidence >= reportFloor ? result : nil
    }

    /// A closed SQL comment `/* … */` (not XPath's `/*/*`, where the two overlap).
    static func sqlComment(_ v: ArraySlice<UInt8>) -> Bool {
        var i = v.startIndex
        while i + 1 < v.endIndex {
            if v[i] == UInt8(ascii: "/"), v[i + 1] == UInt8(ascii: "*") {
                var j = i + 2
                while j + 1 < v.endIndex {
                    if v[j] == UInt8(ascii: "*"), v[j + 1] == UInt8(ascii: "/") { return true }
                    j += 1
                }
                return false
            }
            i += 1
        }
        return false
    }

    /// The reading after the first quote at `q`.
    static func breakout(_ v: ArraySlice<UInt8>, after q: Int, pipe: Bool, xpathSyntax: Range<Int>?) -> NetFinding? {
        var i = q + 1
        func skip() { while i < v.endIndex, v[i] == 0x20 || v[i] == 0x09 || v[i] == 0x0A { i += 1 } }
        skip()
        var closers = 0
        while i < v.endIndex, v[i] == UInt8(ascii: ")") || v[i] == UInt8(ascii: "]"), closers < 8 {
            closers += 1
            i += 1
            skip()
        }
        guard i < v.endIndex else { return nil }
        let range = q..<min(v.endIndex, i + 48)
        // Node-set union: `'] | //*`, `')] | /*[1]`.
        if v[i] == UInt8(ascii: "|") {
            var j = i + 1
            while j < v.endIndex, v[j] == 0x20 || v[j] == UInt8(ascii: "|") { j += 1 }
            if j < v.endIndex,
                v[j] == UInt8(ascii: "/") || v[j] == UInt8(ascii: "*") || v[j] == UInt8(ascii: "@")
                    || v[j] == UInt8(ascii: ".")
            {
                return NetFinding(0.93, "xpathi.union", range)
            }
            return nil
        }
        // A path step after a closing bracket: `']/parent::*`, `'] /../*`.
        if closers > 0, v[i] == UInt8(ascii: "/") || v[i] == UInt8(ascii: "[") {
            return NetFinding(xpathSyntax != nil ? 0.88 : 0.7, "xpathi.path_continuation", range)
        }
        // Boolean operator.
        var op = 0
        if Bytes.hasPrefixIgnoringCase(v[i...], "or") {
            op = 2
        } else if Bytes.hasPrefixIgnoringCase(v[i...], "and") {
            op = 3
        }
        guard op > 0 else { return nil }
        let after = i + op
        guard after < v.endIndex else { return nil }
        let sep = v[after]
        guard
            sep == 0x20 || sep == 0x09 || sep == 0x0A || sep == UInt8(ascii: "'") || sep == UInt8(ascii: "\"")
                || sep == UInt8(ascii: "(")
        else { return nil }
        let rest = v[after...]
        if let s = xpathSyntax, s.lowerBound >= after { return NetFinding(0.92, "xpathi.function", q..<s.upperBound) }
        if let t = tautology(rest) {
            // What follows the tautology must still be XPath: the end, a quote, a closer or another operator.
            var k = t.upperBound
            while k < v.endIndex, v[k] == 0x20 || v[k] == UInt8(ascii: "'") || v[k] == UInt8(ascii: "\"") { k += 1 }
            let tail = v[k...]
            let clean =
                tail.isEmpty || tail.first == UInt8(ascii: "]") || tail.first == UInt8(ascii: ")")
                || tail.first == UInt8(ascii: "|") || Bytes.hasPrefixIgnoringCase(tail, "or ")
                || Bytes.hasPrefixIgnoringCase(tail, "and ") || Bytes.hasPrefixIgnoringCase(tail, "or'")
                || Bytes.hasPrefixIgnoringCase(tail, "and'")
            return NetFinding(clean ? 0.85 : 0.4, "xpathi.boolean", range)
        }
        var comparison = false
        for b in rest.prefix(64) where b == UInt8(ascii: "=") || b == UInt8(ascii: "<") || b == UInt8(ascii: ">") {
            comparison = true
        }
        return NetFinding(comparison ? 0.65 : 0.4, "xpathi.boolean", range)
    }

    /// An always-true comparison: `'1'='1`, `"a"="a"`, `1=1`, `''='`, `true()`, `not(false())`.
    static func tautology(_ v: ArraySlice<UInt8>) -> Range<Int>? {
        var i = v.startIndex
        var rounds = 0
        while i < v.endIndex, rounds < 256 {
            rounds += 1
            guard let eq = v[i...].firstIndex(of: UInt8(ascii: "=")) else { break }
            defer { i = eq + 1 }
            if eq > v.startIndex,
                v[eq - 1] == UInt8(ascii: "!") || v[eq - 1] == UInt8(ascii: "<") || v[eq - 1] == UInt8(ascii: ">")
            {
                continue
            }
            // Left operand: a literal or number ending right before `=` (spaces allowed).
            var l = eq
            while l > v.startIndex, v[l - 1] == 0x20 { l -= 1 }
            var r = eq + 1
            while r < v.endIndex, v[r] == 0x20 { r += 1 }
            guard l > v.startIndex, r <= v.endIndex else { continue }
            let left = operand(endingAt: l, in: v)
            let right = operand(startingAt: r, in: v)
            if let left, let right, left.elementsEqual(right) {
                let quoted = v[r] == UInt8(ascii: "'") || v[r] == UInt8(ascii: "\"")
                return left.startIndex..<min(v.endIndex, r + right.count + (quoted ? 2 : 0))
            }
        }
        if Bytes.containsIgnoringCase(v, "true()") || Bytes.containsIgnoringCase(v, "not(false())") {
            return v.startIndex..<min(v.endIndex, v.startIndex + 32)
        }
        return nil
    }

    static func operand(endingAt end: Int, in v: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let last = v[end - 1]
        if last == UInt8(ascii: "'") || last == UInt8(ascii: "\"") {
            var s = end - 2
            while s >= v.startIndex, v[s] != last, end - s < 64 { s -= 1 }
            guard s >= v.startIndex, v[s] == last else { return nil }
            return v[(s + 1)..<(end - 1)]
        }
        var s = end
        while s > v.startIndex, end - s < 32, v[s - 1] >= 0x30 && v[s - 1] <= 0x39 { s -= 1 }
        return s < end ? v[s..<end] : nil
    }

    static func operand(startingAt start: Int, in v: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard start < v.endIndex else { return nil }
        let first = v[start]
        if first == UInt8(ascii: "'") || first == UInt8(ascii: "\"") {
            var e = start + 1
            while e < v.endIndex, v[e] != first, e - start < 64 { e += 1 }
            // Unterminated at the end: the application's own quote closes it.
            return v[(start + 1)..<e]
        }
        var e = start
        while e < v.endIndex, e - start < 32, v[e] >= 0x30 && v[e] <= 0x39 { e += 1 }
        return e > start ? v[start..<e] : nil
    }

    /// The first XPath function call whose name is XPath-only or whose argument is a path.
    static func xpathFunction(_ v: ArraySlice<UInt8>) -> Range<Int>? {
        var i = v.startIndex
        var calls = 0
        while i < v.endIndex, calls < 64 {
            guard let open = v[i...].firstIndex(of: UInt8(ascii: "(")) else { return nil }
            calls += 1
            defer { i = open + 1 }
            var s = open
            while s > v.startIndex, open - s < 40,
                (v[s - 1] | 0x20 >= 0x61 && v[s - 1] | 0x20 <= 0x7A) || v[s - 1] == UInt8(ascii: "-")
            {
                s -= 1
            }
            guard s < open else { continue }
            let word = v[s..<open]
            guard
                let fn = functions.first(where: {
                    $0.utf8CodeUnitCount == word.count && Bytes.hasPrefixIgnoringCase(word, $0)
                })
            else { continue }
            let arg = v[(open + 1)..<min(v.endIndex, open + 40)]
            let argFirst = arg.first { $0 != 0x20 }
            let empty = argFirst == UInt8(ascii: ")")
            let path =
                argFirst == UInt8(ascii: "/") || argFirst == UInt8(ascii: "@") || argFirst == UInt8(ascii: ".")
                || (argFirst == UInt8(ascii: "*") && !Bytes.hasPrefixIgnoringCase(arg.drop { $0 == 0x20 }, "*)"))
            let name = String(decoding: word, as: UTF8.self).lowercased()
            let zeroArity = ["text", "node", "position", "last", "true", "false", "comment"].contains(name)
            let xpathOnly = [
                "count", "string-length", "substring", "local-name", "name", "starts-with", "normalize-space",
                "namespace-uri", "substring-before", "substring-after", "translate", "unparsed-text", "doc", "document",
                "codepoints-to-string", "string-to-codepoints", "environment-variable", "contains", "boolean",
            ].contains(name)
            if (zeroArity && empty && fn.utf8CodeUnitCount > 3) || path || (xpathOnly && nestedCall(arg)) {
                return s..<min(v.endIndex, open + 24)
            }
        }
        return nil
    }

    /// The argument itself calls a function or reads a path: `name(/*[1])`, `substring(name(..),1,1)`.
    static func nestedCall(_ arg: ArraySlice<UInt8>) -> Bool {
        var previousLetter = false
        for b in arg {
            if b == UInt8(ascii: "(") && previousLetter { return true }
            if b == UInt8(ascii: "/") || b == UInt8(ascii: "@") { return true }
            if b == UInt8(ascii: ")") { return false }
            previousLetter = (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A)
        }
        return false
    }

    static func axis(_ v: ArraySlice<UInt8>) -> Range<Int>? {
        var i = v.startIndex
        var rounds = 0
        while i + 1 < v.endIndex, rounds < 256 {
            guard let c = v[i..<(v.endIndex - 1)].firstIndex(where: { $0 == UInt8(ascii: ":") }) else { return nil }
            rounds += 1
            defer { i = c + 2 }
            guard v[c + 1] == UInt8(ascii: ":") else { continue }
            var s = c
            while s > v.startIndex, c - s < 24,
                v[s - 1] | 0x20 >= 0x61 && v[s - 1] | 0x20 <= 0x7A || v[s - 1] == UInt8(ascii: "-")
            {
                s -= 1
            }
            let word = v[s..<(c + 2)]
            if axes.contains(where: { $0.utf8CodeUnitCount == word.count && Bytes.hasPrefixIgnoringCase(word, $0) }) {
                return s..<min(v.endIndex, c + 16)
            }
        }
        return nil
    }
}
