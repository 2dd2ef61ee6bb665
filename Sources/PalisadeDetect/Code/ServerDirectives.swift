/// Directives that a web server, a caching proxy, an XSLT processor or a spreadsheet evaluates in
/// content it serves or opens, injected as data (`code_injection`):
///
/// - **Server-Side Includes** (Apache `mod_include`, nginx `ssi`, IIS): `<!--#exec cmd="id" -->`
///   runs a command, `<!--#include virtual="/etc/passwd" -->` reads a file, `<!--#echo var=… -->`,
///   `<!--#printenv -->` and the other directives probe whether the page is parsed. The `<!--#`
///   opener must be followed by a directive's name: `<!--#region` (editor folding marks) is not one.
/// - **Edge Side Includes** (Varnish, Akamai, Squid, Fastly): `<esi:include src="http://…"/>` makes
///   the proxy fetch a URL (server-side request forgery, cookie theft), `<esi:vars>`, `<esi:debug/>`
///   and the other tags probe for the processor.
/// - **XSLT** that reaches the processor's environment: an `<xsl:` element together with
///   `system-property(`, `unparsed-text(`, `document(`, `php:function`, a Java or Xalan extension
///   namespace, or `<xsl:include`/`<xsl:import` (a stylesheet that only formats data has none).
/// - **DDE formulas** (CSV/formula injection): a value starting like a formula (`=`, `+`, `-`, `@`)
///   that holds a DDE link `app|'topic'!item` (`=cmd|' /C calc'!A0`) or calls `DDE(`/`DDEAUTO`:
///   opening the exported sheet runs a command.
///
/// Each needs its opener (`<!--#`, `<esi:`, `<xsl:`, or a leading formula sign and `|` or `(`),
/// so the pre-filter is `<`, `|` or `(` among the value's bytes.
enum ServerDirectives {
    /// A necessary condition of every reading.
    static let gateBytes = ByteSet("<|(")

    /// How far a closer (`-->`, a closing quote) is looked for: every search is bounded, so a
    /// value full of unclosed openers costs linear time.
    static let window = 512
    /// Occurrences of one XSLT marker examined per value (each looks back or ahead a window).
    static let maxTries = 64

    /// SSI directive names and the confidence of each (`exec` runs a command, `include` reads a file).
    private static let ssi: [(name: StaticString, confidence: Double, rule: String)] = [
        ("exec", 0.95, "code_injection.ssi_exec"), ("include", 0.85, "code_injection.ssi_include"),
        ("echo", 0.7, "code_injection.ssi"), ("printenv", 0.75, "code_injection.ssi"),
        ("config", 0.7, "code_injection.ssi"), ("fsize", 0.7, "code_injection.ssi"),
        ("flastmod", 0.7, "code_injection.ssi"), ("set", 0.7, "code_injection.ssi"),
        ("if", 0.6, "code_injection.ssi"), ("elif", 0.6, "code_injection.ssi"),
    ]

    /// ESI tags that fetch or evaluate, then the ones that only probe.
    private static let esiFetching: [StaticString] = ["include", "inline", "eval"]
    private static let esiOther: [StaticString] = [
        "vars", "assign", "debug", "choose", "when", "otherwise", "try", "attempt", "except", "comment", "remove",
        "text",
    ]

    /// Extension namespaces and functions that run code in the XSLT processor; read only inside a
    /// tag (`<… xmlns:java="…">`, `select="php:function(…)"`), not in prose about them.
    private static let xsltCode: [StaticString] = [
        "php:function", "xalan://", "xmlns:java", "xmlns:php", "xmlns:rt=", "xmlns:runtime",
    ]
    /// Functions that read a file or URL, and the elements that include a stylesheet: an attack
    /// when their literal argument is absolute, remote or climbs (`document('/etc/passwd')`,
    /// `<xsl:include href="http://…"/>`), not when it is the stylesheet itself, a file beside it or
    /// a variable (`document('')`, `<xsl:include href="common.xsl"/>`, `document($f)`).
    private static let xsltReadCalls: [StaticString] = ["document(", "unparsed-text(", "unparsed-text-lines(", "doc("]
    private static let xsltIncludes: [StaticString] = ["<xsl:include", "<xsl:import"]

    static func read(_ value: ArraySlice<UInt8>, bytes: ByteSet, _ best: inout ExecBest) {
        guard value.count >= 5 else { return }
        if bytes.contains(UInt8(ascii: "<")) {
            if bytes.contains(UInt8(ascii: "#")) { serverSideIncludes(value, &best) }
            if bytes.contains(UInt8(ascii: ":")) {
                edgeSideIncludes(value, &best)
                xslt(value, &best)
            }
        }
        if bytes.contains(UInt8(ascii: "|")) || bytes.contains(UInt8(ascii: "(")) { ddeFormula(value, &best) }
    }

    /// `<!--#name` where `name` is a directive, followed by a space, `-` or the end.
    static func serverSideIncludes(_ value: ArraySlice<UInt8>, _ best: inout ExecBest) {
        let end = value.endIndex
        var from = value.startIndex
        while let at = ExecBytes.findExactly(value, "<!--#", from: from) {
            let name = at + 5
            for directive in ssi where ExecBytes.matches(value, at: name, directive.name) {
                let after = name + directive.name.utf8CodeUnitCount
                guard after == end || Bytes.isSpace(value[after]) || value[after] == UInt8(ascii: "-") else {
                    continue
                }
                // The closer within a window: searching to the end for each of many unclosed
                // directives would make a hostile value quadratic.
                let window = value[after..<min(end, after + Self.window)]
                let close = ExecBytes.findExactly(window, "-->").map { $0 + 3 } ?? min(end, after + 40)
                best.consider(directive.confidence, directive.rule, at..<close)
                if best.confidence >= 0.95 { return }
                break
            }
            from = name
        }
    }

    /// `<esi:tag` (any case), the fetching tags stronger.
    static func edgeSideIncludes(_ value: ArraySlice<UInt8>, _ best: inout ExecBest) {
        let end = value.endIndex
        var from = value.startIndex
        while let at = ExecBytes.find(value, "<esi:", from: from) {
            let name = at + 5
            let span = at..<min(end, name + 48)
            if esiFetching.contains(where: { tagName(value, at: name, $0) }) {
                best.consider(0.9, "code_injection.esi_include", span)
                return
            }
            if esiOther.contains(where: { tagName(value, at: name, $0) }) {
                best.consider(0.75, "code_injection.esi", span)
            }
            from = name
        }
    }

    /// `<xsl:` and, in the same value, what only a stylesheet reaching out of the document uses: a
    /// code extension inside a tag (0.9), a literal read of an absolute, remote or climbing location
    /// (0.85), or the processor's vendor (`system-property('xsl:vendor')`, the usual first probe;
    /// 0.7 — other properties, such as the version stylesheets test, 0.45).
    static func xslt(_ value: ArraySlice<UInt8>, _ best: inout ExecBest) {
        guard let at = ExecBytes.find(value, "<xsl:") else { return }
        let end = value.endIndex
        // A code extension inside a tag.
        if let r = firstOccurrence(of: xsltCode, in: value, where: { r, _ in insideTag(value, r) ? r + 40 : nil }) {
            best.consider(0.9, "code_injection.xslt", min(at, r.lowerBound)..<min(end, r.upperBound))
            return
        }
        // A read whose argument is a string literal right after `(`, leaving the directory.
        let read = firstOccurrence(of: xsltReadCalls, in: value) { r, call in
            let open = ExecBytes.skipSpaces(value, r + call.utf8CodeUnitCount)
            guard let target = quoted(value, at: open), outside(value[target]) else { return nil }
            return target.upperBound + 1
        }
        // An include or import whose `href` leaves the directory.
        let include = firstOccurrence(of: xsltIncludes, in: value) { r, tag in
            guard let target = hrefValue(value, afterTagAt: r + tag.utf8CodeUnitCount), outside(value[target])
            else { return nil }
            return target.upperBound + 1
        }
        if let r = read ?? include {
            best.consider(0.85, "code_injection.xslt", min(at, r.lowerBound)..<min(end, r.upperBound))
            return
        }
        if let r = ExecBytes.find(value, "system-property(") {
            let open = ExecBytes.skipSpaces(value, r + 16)
            let vendor =
                quoted(value, at: open).map { ExecBytes.matches(value, at: $0.lowerBound, "xsl:vendor") } ?? false
            best.consider(vendor ? 0.7 : 0.45, "code_injection.xslt", min(at, r)..<min(end, r + 40))
        }
    }

    /// The span of the first occurrence (of the first needle, in `needles`' order) that `accept`
    /// takes: it returns where the span ends, or nil to go on. At most `maxTries` occurrences of
    /// each needle are examined.
    private static func firstOccurrence(
        of needles: [StaticString], in value: ArraySlice<UInt8>, where accept: (Int, StaticString) -> Int?
    ) -> Range<Int>? {
        for needle in needles {
            var from = value.startIndex
            var tries = 0
            while tries < maxTries, let r = ExecBytes.find(value, needle, from: from) {
                from = r + 1
                tries += 1
                if let upper = accept(r, needle) { return r..<max(r, upper) }
            }
        }
        return nil
    }

    /// The contents of the string literal whose opening quote (`'` or `"`) is at `index`, closed
    /// within `window` bytes.
    private static func quoted(_ value: ArraySlice<UInt8>, at index: Int) -> Range<Int>? {
        guard index < value.endIndex, value[index] == UInt8(ascii: "'") || value[index] == UInt8(ascii: "\"") else {
            return nil
        }
        let quote = value[index]
        let limit = min(value.endIndex, index + 1 + window)
        guard let close = value[(index + 1)..<limit].firstIndex(of: quote) else { return nil }
        return (index + 1)..<close
    }

    /// The `href` attribute's value of the tag whose name ends at `index` (looked for within the
    /// tag, at most 128 bytes on).
    private static func hrefValue(_ value: ArraySlice<UInt8>, afterTagAt index: Int) -> Range<Int>? {
        let limit = min(value.endIndex, index + 128)
        var i = index
        while i + 4 <= limit, value[i] != UInt8(ascii: ">") {
            if ExecBytes.matches(value, at: i, "href") {
                var j = ExecBytes.skipSpaces(value, i + 4)
                guard j < value.endIndex, value[j] == UInt8(ascii: "=") else { return nil }
                j = ExecBytes.skipSpaces(value, j + 1)
                return quoted(value, at: j)
            }
            i += 1
        }
        return nil
    }

    /// Whether `index` is inside a tag: going back (at most `window` bytes), a `<` comes before any `>`.
    private static func insideTag(_ value: ArraySlice<UInt8>, _ index: Int) -> Bool {
        var i = index - 1
        let stop = max(value.startIndex, index - window)
        while i >= stop {
            if value[i] == UInt8(ascii: ">") { return false }
            if value[i] == UInt8(ascii: "<") { return true }
            i -= 1
        }
        return false
    }

    /// Whether a location leaves the stylesheet's own directory: absolute (`/`, `\`, a drive), a
    /// URL with a scheme (`file:`, `http:`, `ftp:`, `expect:`, …), or climbing (`..`).
    private static func outside(_ target: ArraySlice<UInt8>) -> Bool {
        guard let first = target.first else { return false }
        if first == UInt8(ascii: "/") || first == UInt8(ascii: "\\") { return true }
        if ExecBytes.find(target, "..") != nil { return true }
        var i = target.startIndex
        while i < target.endIndex, ExecBytes.isAlpha(target[i]) { i += 1 }
        return i > target.startIndex && i < target.endIndex && target[i] == UInt8(ascii: ":")
    }

    /// A formula (`=`, `+`, `-`, `@` first, after spaces, tabs and an opening quote) holding a
    /// DDE link `app|'topic'!item` (the application name right after the formula sign or an
    /// operator, an item right after the `!`) or calling `DDE(`/`DDEAUTO` as a whole word.
    static func ddeFormula(_ value: ArraySlice<UInt8>, _ best: inout ExecBest) {
        var i = value.startIndex
        let end = value.endIndex
        while i < end, Bytes.isSpace(value[i]) || value[i] == UInt8(ascii: "\"") || value[i] == UInt8(ascii: "'") {
            i += 1
        }
        guard i < end else { return }
        switch value[i] {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"): break
        default: return
        }
        let formula = value[i...]
        for call: StaticString in ["DDE(", "DDEAUTO"] {
            var from = formula.startIndex
            while let at = ExecBytes.find(formula, call, from: from) {
                from = at + 1
                guard at == formula.startIndex || !ExecBytes.isIdent(value[at - 1]) else { continue }
                best.consider(0.9, "code_injection.dde_formula", i..<min(end, at + 40))
                return
            }
        }
        var bar = formula.startIndex
        while let found = formula[bar...].firstIndex(of: UInt8(ascii: "|")) {
            defer { bar = found + 1 }
            var s = found
            while s > formula.startIndex, found - s < 64, isAppNameByte(value[s - 1]) { s -= 1 }
            guard found - s >= 3, s > formula.startIndex, Self.formulaOperators.contains(value[s - 1]) else { continue }
            var q = found + 1
            while q < end, value[q] == UInt8(ascii: " ") { q += 1 }
            guard q < end, value[q] == UInt8(ascii: "'") else { continue }
            let limit = min(end, q + 1 + Self.window)
            guard let closing = value[(q + 1)..<limit].firstIndex(of: UInt8(ascii: "'")), closing + 2 < end,
                value[closing + 1] == UInt8(ascii: "!"), isItemByte(value[closing + 2])
            else { continue }
            best.consider(0.9, "code_injection.dde_formula", s..<min(end, closing + 4))
            return
        }
    }

    /// What may stand right before a DDE link's application name in a formula.
    private static let formulaOperators = ByteSet("=+-*/&(,;@^")

    /// The first byte of a DDE item (`A0`, `''`, `_xlbgnm.A1`, `$A$1`).
    private static func isItemByte(_ byte: UInt8) -> Bool {
        ExecBytes.isIdent(byte) || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "$")
    }

    private static func isAppNameByte(_ byte: UInt8) -> Bool {
        ExecBytes.isIdent(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "\\")
            || byte == UInt8(ascii: "/") || byte == UInt8(ascii: ":")
    }

    /// Whether `name` (case-insensitive) starts at `index` and ends there: a space, `/`, `>` or the end follows.
    private static func tagName(_ value: ArraySlice<UInt8>, at index: Int, _ name: StaticString) -> Bool {
        guard ExecBytes.matches(value, at: index, name) else { return false }
        let after = index + name.utf8CodeUnitCount
        return after == value.endIndex || Bytes.isSpace(value[after]) || value[after] == UInt8(ascii: "/")
            || value[after] == UInt8(ascii: ">")
    }
}
